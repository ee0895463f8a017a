package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// rebuild builds the session's report again now (late events, or on request) and shows it.
func (h *reportHandlers) rebuild(c *fiber.Ctx) error {
	u := CurrentUser(c)
	id := c.Params("id")
	span, ended, err := h.svc.SessionSpan(c.UserContext(), u.Shop, id)
	if err == nil && !ended {
		// Not a live-engine session (or not ended): rebuild over the stored report's span.
		r, ok, lerr := h.store.Load(c.UserContext(), u.Shop, id)
		if lerr != nil {
			err = lerr
		} else if !ok {
			return h.s.fail(c, fiber.StatusNotFound, "report.notfound")
		} else {
			span = r.Span
		}
	}
	if err != nil {
		return h.s.reply(c, fmt.Errorf("views: report rebuild: %w", err))
	}
	if _, err := h.svc.Rebuild(c.UserContext(), span); err != nil {
		return h.s.reply(c, fmt.Errorf("views: report rebuild: %w", err))
	}
	return c.Redirect("/sessions/"+id+"/report", fiber.StatusSeeOther)
}
