package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// page shows a session's report, or a "being built" page that reloads itself.
func (h *reportHandlers) page(c *fiber.Ctx) error {
	r, building, err := h.load(c)
	if err != nil {
		return h.s.reply(c, fmt.Errorf("views: report page: %w", err))
	}
	p := h.s.page(c, "report.title")
	if building {
		c.Set("Refresh", "5")
		return h.s.render(c, ReportBuilding(p))
	}
	if r == nil {
		return h.s.fail(c, fiber.StatusNotFound, "report.notfound")
	}
	p.Room = r.Span.Room
	p.Body = "report"
	return h.s.render(c, ReportPage(p, newReportView(r, p)))
}
