package views

import (
	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/live"
)

// liveRulePreview evaluates one rule (as edited, not yet saved) against the room's live window:
// {"hits":[{"product"|"topic","when":[…]}]} — "would fire now for: …".
func (s *Server) liveRulePreview(c *fiber.Ctx) error {
	u, room := CurrentUser(c), configRoom(c)
	var r live.Rule
	if err := c.BodyParser(&r); err != nil {
		return s.badAction(c)
	}
	hits, err := s.LiveRules.Preview(c.UserContext(), u.Shop, room, r)
	if err != nil {
		return s.reply(c, err)
	}
	return c.JSON(fiber.Map{"hits": hits})
}
