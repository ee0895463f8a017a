package views

import (
	"github.com/gofiber/fiber/v2"
)

// liveSettingsSave stores the room's (or the shop's default) settings: window, auto start, quiet
// end and the built-in rules' thresholds. A field left out keeps its value; a bad one is a 400
// naming it. The change is logged with the user's name and applies from the next tick.
func (s *Server) liveSettingsSave(c *fiber.Ctx) error {
	u, room := CurrentUser(c), configRoom(c)
	cfg, err := s.LiveRules.Config(c.UserContext(), u.Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	st := cfg.Settings
	if err := c.BodyParser(&st); err != nil {
		return s.badAction(c)
	}
	if err := s.LiveRules.SaveSettings(c.UserContext(), u.Shop, room, st, u.Name); err != nil {
		return s.reply(c, err)
	}
	return s.liveConfig(c)
}
