package views

import "github.com/gofiber/fiber/v2"

// prompterAnswered is the anchor's "answered" tap on a buyer question topic: {"topic":"size"}.
// The prompter then counts only that topic's questions asked after now.
func (s *Server) prompterAnswered(c *fiber.Ctx) error {
	var in struct {
		Topic string `json:"topic"`
	}
	room := actionRoom(c)
	if err := c.BodyParser(&in); err != nil || room == "" || in.Topic == "" {
		return s.badAction(c)
	}
	u := CurrentUser(c)
	st, err := s.Actions.AnswerTopic(c.UserContext(), u.Shop, room, in.Topic, u.Name)
	return s.actionResult(c, st, err)
}
