package views

import (
	"bytes"
	"fmt"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/report"
)

// xlsx downloads the report as a workbook (summary, minutes, products, segments, flags).
func (h *reportHandlers) xlsx(c *fiber.Ctx) error {
	r, _, err := h.load(c)
	if err != nil {
		return h.s.reply(c, fmt.Errorf("views: report xlsx: %w", err))
	}
	if r == nil {
		return h.s.fail(c, fiber.StatusNotFound, "report.notfound")
	}
	shop := CurrentUser(c).Shop
	loc, cur := h.s.zoneOf(c.UserContext(), shop), h.s.shopCurrency(c, shop)
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, r, reportLang(LangOf(c)), loc, cur); err != nil {
		return h.s.reply(c, fmt.Errorf("views: report xlsx: %w", err))
	}
	name := "report-" + r.Span.Room + "-" + r.Span.Start.In(loc).Format("20060102-1504") + ".xlsx"
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	return c.Send(buf.Bytes())
}
