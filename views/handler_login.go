package views

import (
	"errors"
	"strconv"
	"strings"
	"time"

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
	ip := s.clientIP(c)
	wait, err := s.loginAttempt(ctx, ip, shop, name)
	if err != nil {
		s.Log.Error("views: login rate limit", "err", err)
		return again(fiber.StatusServiceUnavailable, "login.unavailable")
	}
	if wait > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		c.Status(fiber.StatusTooManyRequests)
		p := s.page(c, "login.title")
		return s.render(c, LoginPage(p, shop, name, next, strings.ReplaceAll(p.T("login.wait"), "{wait}", waitText(wait, p.Lang))))
	}
	u, err := s.Users.Authenticate(ctx, shop, name, c.FormValue("password"))
	if errors.Is(err, account.ErrBadLogin) {
		s.Log.Info("views: login refused", "shop", shop, "user", name, "ip", ip)
		return again(fiber.StatusUnauthorized, "login.bad")
	}
	if err != nil {
		s.Log.Error("views: login", "err", err)
		return again(fiber.StatusServiceUnavailable, "login.unavailable")
	}
	s.loginSucceeded(ctx, ip, shop, name)
	s.writeSession(c, s.newSession(u.Shop, u.Name))
	s.Log.Info("views: login", "shop", u.Shop, "user", u.Name, "role", u.Role, "ip", ip)
	return c.Redirect(next, fiber.StatusSeeOther)
}

// waitText says how long to wait, in lang: "3 分钟" / "3 minutes", "20 秒" / "20 seconds".
func waitText(d time.Duration, lang string) string {
	n, unit := int(d.Seconds())+1, "s"
	if d >= time.Minute {
		n, unit = int(d.Minutes())+1, "m"
	}
	switch {
	case lang == LangEN && unit == "m":
		return strconv.Itoa(n) + " minutes"
	case lang == LangEN:
		return strconv.Itoa(n) + " seconds"
	case unit == "m":
		return strconv.Itoa(n) + " 分钟"
	}
	return strconv.Itoa(n) + " 秒"
}
