package views

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// logout revokes the session on every instance until it would have expired (account.Revocations:
// Redis for every check, ClickHouse so a Redis restart does not undo it) and clears the cookie.
// It needs the CSRF token so another site cannot log people out.
func (s *Server) logout(c *fiber.Ctx) error {
	ss, ok := s.readSession(c)
	if ok {
		if !s.csrfOK(c, ss.ID) {
			return s.fail(c, fiber.StatusForbidden, "error.csrf")
		}
		until := time.Unix(ss.Expires, 0).Add(time.Minute)
		if err := s.Revocations.Revoke(c.UserContext(), ss.Shop, ss.ID, until); err != nil {
			s.Log.Error("views: logout", "err", err)
		}
	}
	s.clearSession(c)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
