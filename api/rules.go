package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/live"
)

// getRules is GET /rooms/{room}/rules: the room's rules in force (its own, else the shop's
// defaults, else the built-in defaults) and whether they are its own.
func (s *Server) getRules(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	cfg, err := s.Engine.Config(c.UserContext(), callerOf(c).Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"room": room, "rules": cfg.Rules, "own": cfg.OwnRules})
}

// putRules is PUT /rooms/{room}/rules with {"rules":[…]}: the room's whole rule set. A bad rule
// is a 400 whose field names the rule and the field (rules[2].when[0].metric); the new rules are
// evaluated from the next tick.
func (s *Server) putRules(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	var in struct {
		Rules *[]live.Rule `json:"rules"`
	}
	if err := c.BodyParser(&in); err != nil || in.Rules == nil {
		return s.reply(c, invalid("rules", `the body is not {"rules":[…]}`, `请求体须为 {"rules":[…]}`))
	}
	who := callerOf(c)
	rs, err := s.Engine.SaveRules(c.UserContext(), who.Shop, room, *in.Rules, who.Name)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"room": room, "rules": rs, "own": true})
}
