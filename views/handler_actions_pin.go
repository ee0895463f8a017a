package views

import "github.com/gofiber/fiber/v2"

// actionPin pins a product (讲解) in the room: {"product":"p1"}.
func (s *Server) actionPin(c *fiber.Ctx) error {
	var in struct {
		Product string `json:"product"`
	}
	room := actionRoom(c)
	if err := c.BodyParser(&in); err != nil || room == "" {
		return s.badAction(c)
	}
	u := CurrentUser(c)
	st, err := s.Actions.Pin(c.UserContext(), u.Shop, room, in.Product, u.Name)
	return s.actionResult(c, st, err)
}
