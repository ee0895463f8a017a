package views

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Cookie names.
const (
	sessionCookie = "ld_session"
	csrfCookie    = "ld_csrf"
)

// Session lifetimes: a session ends sessionTTL after it was last renewed; a page load renews it
// once it is older than renewAfter, so an operator who keeps working stays logged in.
const (
	sessionTTL = 12 * time.Hour
	renewAfter = time.Hour
)

// session is what the signed cookie carries. The role is NOT in it: it is read from the user store
// on every request (cached briefly), so a role change or disable applies within seconds.
type session struct {
	Shop    string `json:"s"`
	User    string `json:"u"`
	ID      string `json:"i"` // random; logout revokes it in Redis until it would expire
	Issued  int64  `json:"t"` // unix seconds of the last renewal
	Expires int64  `json:"e"` // unix seconds
}

var errBadCookie = errors.New("views: bad session cookie")

// sign returns base64url(payload) "." base64url(HMAC-SHA256(key, purpose + payload)).
func sign(key []byte, purpose string, payload []byte) string {
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(mac(key, purpose, p))
}

// verify checks a value made by sign and returns its payload.
func verify(key []byte, purpose, v string) ([]byte, error) {
	p, sig, ok := strings.Cut(v, ".")
	if !ok {
		return nil, errBadCookie
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, purpose, p)) {
		return nil, errBadCookie
	}
	return base64.RawURLEncoding.DecodeString(p)
}

func mac(key []byte, purpose, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// randomID returns 16 random bytes, base64url encoded.
func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// readSession returns the valid, unexpired session of the request.
func (s *Server) readSession(c *fiber.Ctx) (session, bool) {
	raw := c.Cookies(sessionCookie)
	if raw == "" {
		return session{}, false
	}
	payload, err := verify(s.Secret, "session", raw)
	if err != nil {
		return session{}, false
	}
	var ss session
	if json.Unmarshal(payload, &ss) != nil || ss.Shop == "" || ss.User == "" || ss.ID == "" {
		return session{}, false
	}
	if s.now().Unix() >= ss.Expires {
		return session{}, false
	}
	return ss, true
}

// writeSession sets the session cookie.
func (s *Server) writeSession(c *fiber.Ctx, ss session) {
	payload, _ := json.Marshal(ss)
	c.Cookie(&fiber.Cookie{
		Name:     sessionCookie,
		Value:    sign(s.Secret, "session", payload),
		Path:     "/",
		Expires:  time.Unix(ss.Expires, 0),
		HTTPOnly: true,
		Secure:   s.SecureCookies,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// clearSession deletes the session cookie.
func (s *Server) clearSession(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0),
		HTTPOnly: true, Secure: s.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
}

// newSession starts a session for shop/user.
func (s *Server) newSession(shop, user string) session {
	now := s.now()
	return session{Shop: shop, User: user, ID: randomID(), Issued: now.Unix(), Expires: now.Add(sessionTTL).Unix()}
}
