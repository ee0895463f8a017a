package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/report"
)

// sessions lists a room's past sessions with their reports, newest first.
func (h *reportHandlers) sessions(c *fiber.Ctx) error {
	u := CurrentUser(c)
	room := c.Params("room")
	if livedesk.ValidRoom(room) != nil {
		return h.s.fail(c, fiber.StatusNotFound, "report.notfound")
	}
	list, err := h.store.List(c.UserContext(), u.Shop, room, 200)
	if err != nil {
		return h.s.reply(c, fmt.Errorf("views: room sessions: %w", err))
	}
	if list == nil {
		list = []report.Summary{}
	}
	p := h.s.page(c, "report.sessions")
	p.Room = room
	return h.s.render(c, ReportSessionsPage(p, room, list))
}
