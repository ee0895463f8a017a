package views

import (
	"github.com/gofiber/fiber/v2"
)

// configChanges is how many changes the panel lists.
const configChanges = 20

// liveConfig answers the settings and rules in force for the room (or the shop's defaults), whether
// they are its own, the recent changes (who, when, before → after) and the labels of the editor.
func (s *Server) liveConfig(c *fiber.Ctx) error {
	u, room := CurrentUser(c), configRoom(c)
	cfg, err := s.LiveRules.Config(c.UserContext(), u.Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	changes, err := s.LiveRules.Changes(c.UserContext(), u.Shop, room, configChanges)
	if err != nil {
		return s.reply(c, err)
	}
	return c.JSON(fiber.Map{"config": cfg, "changes": changes, "meta": newRuleMeta(LangOf(c)), "room": room})
}
