package views

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// logout revokes the session on every instance (a Redis key until the session would expire) and
// clears the cookie. It needs the CSRF token so another site cannot log people out.
func (s *Server) logout(c *fiber.Ctx) error {
	ss, ok := s.readSession(c)
	if ok {
		if !s.csrfOK(c, ss.ID) {
			return s.fail(c, fiber.StatusForbidden, "error.csrf")
		}
		ttl := time.Until(time.Unix(ss.Expires, 0)) + time.Minute
		if err := s.Redis.Set(c.UserContext(), revokedKey(ss.Shop, ss.ID), 1, ttl).Err(); err != nil {
			s.Log.Error("views: logout", "err", err)
		}
	}
	s.clearSession(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
