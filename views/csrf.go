package views

import (
	"crypto/hmac"
	"encoding/base64"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
)

// csrfHeader is the header fetch() calls send the token in; csrfField is the form field.
const (
	csrfHeader = "X-CSRF-Token"
	csrfField  = "_csrf"
)

// csrfSeed returns the visitor's CSRF cookie value, setting a new one when missing.
func (s *Server) csrfSeed(c *fiber.Ctx) string {
	if v := c.Cookies(csrfCookie); len(v) >= 16 && len(v) <= 64 {
		return v
	}
	v := randomID()
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: v, Path: "/", Expires: time.Now().Add(365 * 24 * time.Hour),
		HTTPOnly: true, Secure: s.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	// Make the fresh value visible to this request's later reads (the token is computed from it).
	c.Request().Header.SetCookie(csrfCookie, v)
	return v
}

// csrfToken is the token pages embed: HMAC of the CSRF cookie and the session id ("" before login).
func (s *Server) csrfToken(c *fiber.Ctx, sessionID string) string {
	seed := s.csrfSeed(c)
	return base64.RawURLEncoding.EncodeToString(mac(s.Secret, "csrf", seed+"|"+sessionID))
}

// csrfOK checks the token of an unsafe request (form field or header) and its Origin.
func (s *Server) csrfOK(c *fiber.Ctx, sessionID string) bool {
	if !s.sameOrigin(c) {
		return false
	}
	seed := c.Cookies(csrfCookie)
	if seed == "" {
		return false
	}
	got := c.Get(csrfHeader)
	if got == "" {
		got = c.FormValue(csrfField)
	}
	want := base64.RawURLEncoding.EncodeToString(mac(s.Secret, "csrf", seed+"|"+sessionID))
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

// unsafeMethod reports whether the request changes state and so needs a CSRF token.
func unsafeMethod(c *fiber.Ctx) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}

// sameOrigin reports whether the request's Origin header, when present, names this server: the
// Host it was sent to, or the public base URL (behind a proxy that rewrites Host).
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Host == string(c.Request().Host()) {
		return true
	}
	if s.BaseURL != "" {
		if b, err := url.Parse(s.BaseURL); err == nil && b.Host != "" && b.Host == u.Host {
			return true
		}
	}
	return false
}
