package views

import (
	"github.com/gofiber/fiber/v2"
)

// registerRules mounts the room's settings panel and rules editor (operators and admins, JSON
// called by static/js/rules.js) and the shop-wide defaults page (admins).
func (s *Server) registerRules(r fiber.Router) {
	if s.LiveRules == nil {
		return
	}
	op, room, admin := s.RequireRole(StreamRoles...), s.requireRoom, s.RequireRole(RoleAdmin)
	r.Get("/rooms/:room/live-config", op, room, s.liveConfig)
	r.Post("/rooms/:room/live-config/settings", op, room, s.liveSettingsSave)
	r.Post("/rooms/:room/live-config/rules", op, room, s.liveRulesSave)
	r.Post("/rooms/:room/live-config/reset", op, room, s.liveRulesReset)
	r.Post("/rooms/:room/live-config/preview", op, room, s.liveRulePreview)
	r.Get("/live-defaults", admin, s.liveDefaultsPage)
	r.Get("/live-defaults/config", admin, s.jsonOnly, s.liveConfig)
	r.Post("/live-defaults/settings", admin, s.jsonOnly, s.liveSettingsSave)
	r.Post("/live-defaults/rules", admin, s.jsonOnly, s.liveRulesSave)
	r.Post("/live-defaults/reset", admin, s.jsonOnly, s.liveRulesReset)
}

// jsonOnly makes the errors of the following handler JSON (the editor's calls).
func (s *Server) jsonOnly(c *fiber.Ctx) error {
	c.Request().Header.Set(fiber.HeaderAccept, fiber.MIMEApplicationJSON)
	return c.Next()
}

// configRoom is the room the request is about: the :room parameter, or "" (the shop's
// defaults) on the /live-defaults paths.
func configRoom(c *fiber.Ctx) string {
	if c.Params("room") == "" {
		return ""
	}
	return actionRoom(c)
}
