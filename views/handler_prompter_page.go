package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/stage"
)

// registerPrompter mounts the prompter page and its two actions, "got it" on a cue and
// "answered" on a buyer question topic. Every role of the shop may look at the prompter; only
// admins, operators and anchors tap them (neither changes the stream).
func (s *Server) registerPrompter(r fiber.Router) {
	tap := s.RequireRole(RoleAdmin, RoleOperator, RoleAnchor)
	r.Get("/rooms/:room/prompter", s.RequireRole(), s.prompterPage)
	r.Post("/rooms/:room/prompter/ack", tap, s.prompterAck)
	r.Post("/rooms/:room/prompter/answered", tap, s.prompterAnswered)
}

// prompterPage shows the room's prompter with its stored stage.
func (s *Server) prompterPage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	room := actionRoom(c)
	if room == "" {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	ok, historyDown, err := s.Rooms.ExistsLive(c.UserContext(), u.Shop, room)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: prompter: %w", err))
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	st, err := s.Actions.Stage(c.UserContext(), u.Shop, room)
	if err != nil {
		// The stored stage is in ClickHouse; the socket replays the latest published stage from
		// Redis, so the prompter starts empty and fills in rather than failing mid-stream.
		s.Log.Warn("views: prompter stage", "shop", u.Shop, "room", room, "err", err)
		st, historyDown = stage.Stage{Room: room}, true
	}
	p := s.page(c, "prompter.title")
	p.Room, p.Bare, p.Body = room, true, "prompter-page"
	p.HistoryDown = historyDown
	return s.render(c, PrompterPage(p, st, u.Can(RoleAdmin, RoleOperator, RoleAnchor)))
}
