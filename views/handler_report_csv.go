package views

import (
	"bytes"
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/report"
)

// csv downloads the session's minute series as CSV.
func (h *reportHandlers) csv(c *fiber.Ctx) error {
	r, _, err := h.load(c)
	if err != nil {
		return h.s.reply(c, fmt.Errorf("views: report csv: %w", err))
	}
	if r == nil {
		return h.s.fail(c, fiber.StatusNotFound, "report.notfound")
	}
	shop := CurrentUser(c).Shop
	loc, cur := h.s.zoneOf(c.UserContext(), shop), h.s.shopCurrency(c, shop)
	var buf bytes.Buffer
	if err := report.WriteMinutesCSV(&buf, r, reportLang(LangOf(c)), loc, cur); err != nil {
		return h.s.reply(c, fmt.Errorf("views: report csv: %w", err))
	}
	name := "minutes-" + r.Span.Room + "-" + r.Span.Start.In(loc).Format("20060102-1504") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	return c.Send(buf.Bytes())
}
