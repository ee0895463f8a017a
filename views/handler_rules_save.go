package views

import (
	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/live"
)

// liveRulesSave stores the room's (or the shop's default) whole rule set {"rules":[…]}; a bad rule
// is a 400 naming the rule and the field. The new rules are evaluated from the next tick.
func (s *Server) liveRulesSave(c *fiber.Ctx) error {
	u, room := CurrentUser(c), configRoom(c)
	var in struct {
		Rules []live.Rule `json:"rules"`
	}
	if err := c.BodyParser(&in); err != nil {
		return s.badAction(c)
	}
	if _, err := s.LiveRules.SaveRules(c.UserContext(), u.Shop, room, in.Rules, u.Name); err != nil {
		return s.reply(c, err)
	}
	return s.liveConfig(c)
}
