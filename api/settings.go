package api

import (
	"github.com/gofiber/fiber/v2"
)

// getSettings is GET /rooms/{room}/settings: the room's live thresholds (the defaults until
// someone changes them).
func (s *Server) getSettings(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	st, err := s.Engine.Settings(c.UserContext(), callerOf(c).Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"room": room, "settings": st})
}

// putSettings is PUT /rooms/{room}/settings (operate or admin) with the settings object; a field
// left out keeps its current value. A value out of range is a 400 naming the field. Every
// instance uses the new settings from its next tick; the change is logged with who made it.
func (s *Server) putSettings(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	shop := callerOf(c).Shop
	st, err := s.Engine.Settings(c.UserContext(), shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	if err := c.BodyParser(&st); err != nil {
		return s.reply(c, invalid("body", "the body is not a JSON settings object", "请求体不是 JSON 格式的设置"))
	}
	if err := s.Engine.SaveSettings(c.UserContext(), shop, room, st, callerOf(c).Name); err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"room": room, "settings": st})
}
