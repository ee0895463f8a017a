package views

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/account"
)

// loginPage shows the login form; a logged-in visitor goes straight to next.
func (s *Server) loginPage(c *fiber.Ctx) error {
	next := localPath(c.Query("next", "/"))
	if ss, ok := s.readSession(c); ok {
		if u, err := s.authenticate(c.UserContext(), ss); err == nil && u.LoggedIn() {
			return c.Redirect(next, fiber.StatusSeeOther)
		}
	}
	return s.render(c, LoginPage(s.page(c, "login.title"), c.Query("shop"), "", next, ""))
}

// loginPost checks the form (CSRF, rate limit, password) and starts a session.
func (s *Server) loginPost(c *fiber.Ctx) error {
	shop := strings.TrimSpace(c.FormValue("shop"))
	name := strings.TrimSpace(c.FormValue("user"))
	next := localPath(c.FormValue("next", "/"))
	again := func(code int, key string) error {
		c.Status(code)
		p := s.page(c, "login.title")
		return s.render(c, LoginPage(p, shop, name, next, p.T(key)))
	}
	if !s.csrfOK(c, "") {
		return again(fiber.StatusForbidden, "login.expired")
	}
	ctx := c.UserContext()
	limited, err := s.loginLimited(ctx, c.IP(), shop, name)
	if err != nil {
		s.Log.Error("views: login rate limit", "err", err)
		return again(fiber.StatusServiceUnavailable, "login.unavailable")
	}
	if limited {
		c.Set(fiber.HeaderRetryAfter, "900")
		return again(fiber.StatusTooManyRequests, "login.limited")
	}
	u, err := s.Users.Authenticate(ctx, shop, name, c.FormValue("password"))
	if errors.Is(err, account.ErrBadLogin) {
		if err := s.loginFailed(ctx, c.IP(), shop, name); err != nil {
			s.Log.Error("views: login rate limit", "err", err)
		}
		s.Log.Info("views: login refused", "shop", shop, "user", name, "ip", c.IP())
		return again(fiber.StatusUnauthorized, "login.bad")
	}
	if err != nil {
		s.Log.Error("views: login", "err", err)
		return again(fiber.StatusServiceUnavailable, "login.unavailable")
	}
	s.loginSucceeded(ctx, shop, name)
	s.writeSession(c, s.newSession(u.Shop, u.Name))
	s.Log.Info("views: login", "shop", u.Shop, "user", u.Name, "role", u.Role, "ip", c.IP())
	if u.Role == RoleAnchor && next == "/" {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	return c.Redirect(next, fiber.StatusSeeOther)
}
