package views

import (
	"github.com/gofiber/fiber/v2"
)

// liveRulesReset drops the room's own rules (it follows the shop's defaults again; on the
// defaults page, the shop follows the built-in defaults again).
func (s *Server) liveRulesReset(c *fiber.Ctx) error {
	u, room := CurrentUser(c), configRoom(c)
	if err := s.LiveRules.ResetRules(c.UserContext(), u.Shop, room, u.Name); err != nil {
		return s.reply(c, err)
	}
	return s.liveConfig(c)
}
