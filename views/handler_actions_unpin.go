package views

import "github.com/gofiber/fiber/v2"

// actionUnpin ends the presentation of the pinned product.
func (s *Server) actionUnpin(c *fiber.Ctx) error {
	room := actionRoom(c)
	if room == "" {
		return s.badAction(c)
	}
	u := CurrentUser(c)
	st, err := s.Actions.Unpin(c.UserContext(), u.Shop, room, u.Name)
	return s.actionResult(c, st, err)
}
