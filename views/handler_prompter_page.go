package views

import "github.com/gofiber/fiber/v2"

// registerPrompter mounts the prompter page and its one action, "got it". Every role of the
// shop may look at the prompter; only admins, operators and anchors acknowledge cues.
func (s *Server) registerPrompter(r fiber.Router) {
	r.Get("/rooms/:room/prompter", s.RequireRole(), s.prompterPage)
	r.Post("/rooms/:room/prompter/ack", s.RequireRole(RoleAdmin, RoleOperator, RoleAnchor), s.prompterAck)
}

// prompterPage shows the room's prompter with its stored stage.
func (s *Server) prompterPage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	room := actionRoom(c)
	if room == "" {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	ok, err := s.roomExists(c.UserContext(), u.Shop, room)
	if err != nil {
		s.Log.Error("views: prompter", "shop", u.Shop, "room", room, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	st, err := s.Actions.Stage(c.UserContext(), u.Shop, room)
	if err != nil {
		s.Log.Error("views: prompter", "shop", u.Shop, "room", room, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	p := s.page(c, "prompter.title")
	p.Room, p.Bare, p.Body = room, true, "prompter-page"
	return s.render(c, PrompterPage(p, st, u.Can(RoleAdmin, RoleOperator, RoleAnchor)))
}
