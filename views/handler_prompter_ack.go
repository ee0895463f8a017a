package views

import "github.com/gofiber/fiber/v2"

// prompterAck is the anchor's "got it" for the latest cue: {"cue":"op-…"}. 409 when a newer cue
// has replaced it.
func (s *Server) prompterAck(c *fiber.Ctx) error {
	var in struct {
		Cue string `json:"cue"`
	}
	room := actionRoom(c)
	if err := c.BodyParser(&in); err != nil || room == "" || in.Cue == "" {
		return s.badAction(c)
	}
	u := CurrentUser(c)
	st, err := s.Actions.AckCue(c.UserContext(), u.Shop, room, in.Cue, u.Name)
	return s.actionResult(c, st, err)
}
