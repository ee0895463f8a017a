package views

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
)

// Roles, re-exported for handlers: RequireRole(RoleAdmin, RoleOperator).
const (
	RoleAdmin    = account.RoleAdmin
	RoleOperator = account.RoleOperator
	RoleAnchor   = account.RoleAnchor
	RoleViewer   = account.RoleViewer
)

// Roles that may change the stream (开播/下播, pins, cues, flags); anchors and viewers may not.
var StreamRoles = []string{RoleAdmin, RoleOperator}

// DeskRoles may read the console beyond the prompter (products, reports and their exports,
// tasks); an anchor gets the prompter and the room list only.
var DeskRoles = []string{RoleAdmin, RoleOperator, RoleViewer}

// User is the logged-in user of a request. The zero value means nobody is logged in.
type User struct {
	Shop string
	Name string
	Role string

	sessionID string
}

// LoggedIn reports whether u is a real user.
func (u User) LoggedIn() bool { return u.Shop != "" && u.Name != "" }

// Can reports whether u has one of roles.
func (u User) Can(roles ...string) bool {
	for _, r := range roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// CanChangeStream reports whether u may change the stream (admin or operator).
func (u User) CanChangeStream() bool { return u.Can(StreamRoles...) }

// userLocal is the fiber.Ctx Locals key of the current User.
const userLocal = "views.user"

// CurrentUser returns the user RequireRole authenticated for this request, zero when none.
func CurrentUser(c *fiber.Ctx) User {
	u, _ := c.Locals(userLocal).(User)
	return u
}

// authenticate resolves the session cookie to an active user: the signature and expiry, the
// session not logged out, the user still enabled (read through a cache of at most a few seconds).
// It returns the zero User when any check fails; err only for storage trouble.
func (s *Server) authenticate(ctx context.Context, ss session) (User, error) {
	revoked, err := s.Revocations.Revoked(ctx, ss.Shop, ss.ID)
	if err != nil {
		return User{}, err
	}
	if revoked {
		return User{}, nil
	}
	u, err := s.Users.Active(ctx, ss.Shop, ss.User)
	if errors.Is(err, account.ErrNoUser) {
		return User{}, nil
	}
	if err != nil {
		return User{}, err
	}
	return User{Shop: u.Shop, Name: u.Name, Role: u.Role, sessionID: ss.ID}, nil
}

// RequireRole returns a handler that lets the request through only with a valid session whose
// user has one of roles (no roles: any logged-in user). It stores the user for CurrentUser,
// renews an ageing session, and checks the CSRF token of unsafe requests. Without a session a
// page GET is redirected to /login; other requests get 401. A wrong role gets 403.
func (s *Server) RequireRole(roles ...string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ss, ok := s.readSession(c)
		var u User
		if ok {
			var err error
			u, err = s.authenticate(c.UserContext(), ss)
			if err != nil {
				return s.reply(c, &livedesk.Error{Code: livedesk.EUNAVAILABLE, Message: "views: authenticate", Err: err})
			}
		}
		if !u.LoggedIn() {
			if ok {
				s.clearSession(c)
			}
			if c.Method() == fiber.MethodGet && !isSocket(c) && !wantsJSON(c) {
				return c.Redirect("/login?next="+urlQueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
			}
			return s.fail(c, fiber.StatusUnauthorized, "error.forbidden")
		}
		if len(roles) > 0 && !u.Can(roles...) {
			return s.fail(c, fiber.StatusForbidden, "error.forbidden")
		}
		if unsafeMethod(c) && !s.csrfOK(c, u.sessionID) {
			return s.fail(c, fiber.StatusForbidden, "error.csrf")
		}
		if now := s.now(); now.Sub(time.Unix(ss.Issued, 0)) > renewAfter && c.Method() == fiber.MethodGet && !isSocket(c) {
			ss.Issued, ss.Expires = now.Unix(), now.Add(sessionTTL).Unix()
			s.writeSession(c, ss)
		}
		c.Locals(userLocal, u)
		return c.Next()
	}
}

// isSocket reports whether the request asks for a websocket upgrade.
func isSocket(c *fiber.Ctx) bool {
	return strings.EqualFold(c.Get(fiber.HeaderUpgrade), "websocket")
}

// wantsJSON reports whether the client asked for JSON (fetch calls of the pages do).
func wantsJSON(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), "application/json")
}

// stillValid reports whether u's session may go on; long-lived sockets call it every few seconds
// so a logout or a disabled user ends them. Storage errors count as valid (a Redis blip must not
// drop every screen); the next check decides.
func (s *Server) stillValid(ctx context.Context, u User) bool {
	if revoked, err := s.Revocations.Revoked(ctx, u.Shop, u.sessionID); err == nil && revoked {
		return false
	}
	_, err := s.Users.Active(ctx, u.Shop, u.Name)
	return !errors.Is(err, account.ErrNoUser)
}
