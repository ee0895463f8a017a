package api

import (
	"bytes"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/report"
)

// report loads the stored report of the :id session of the caller's shop. A session that has
// ended without a report yet gets its build queued and answers 409 with building; another
// shop's session, or none, is 404.
func (s *Server) report(c *fiber.Ctx) (*report.Report, error) {
	shop, id := callerOf(c).Shop, c.Params("id")
	r, ok, err := s.Reports.Store.Load(c.UserContext(), shop, id)
	if err != nil || ok {
		return r, err
	}
	queued, err := s.Reports.Request(c.UserContext(), shop, id)
	if err != nil {
		return nil, err
	}
	if queued {
		c.Set(fiber.HeaderRetryAfter, "5")
		return nil, errBuilding
	}
	return nil, notFound("session " + id)
}

// errBuilding answers a report that is being built (409, Retry-After 5).
var errBuilding = &livedesk.Error{Code: livedesk.ECONFLICT, Message: "the report is being built; try again in a few seconds",
	MessageZH: "复盘报告正在生成，请几秒后再试"}

// sessionReport is GET /sessions/{id}/report: the report as JSON; every rate carries its
// numerator and denominator (num, den, scale, value — null when undefined), money is fen.
func (s *Server) sessionReport(c *fiber.Ctx) error {
	r, err := s.report(c)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"report": r})
}

// sessionReportXLSX is GET /sessions/{id}/report.xlsx: the workbook the report page exports
// (?lang=en for English labels).
func (s *Server) sessionReportXLSX(c *fiber.Ctx) error {
	return s.export(c, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", report.WriteXLSX)
}

// sessionMinutesCSV is GET /sessions/{id}/minutes.csv: the per-minute series (?lang=en).
func (s *Server) sessionMinutesCSV(c *fiber.Ctx) error {
	return s.export(c, "csv", "text/csv; charset=utf-8", report.WriteMinutesCSV)
}

// export writes the report through write as a download named report-<room>-<start>.<ext>.
func (s *Server) export(c *fiber.Ctx, ext, mime string, write func(io.Writer, *report.Report, string, *time.Location, livedesk.Currency) error) error {
	r, err := s.report(c)
	if err != nil {
		return s.reply(c, err)
	}
	lang := "zh"
	if strings.HasPrefix(c.Query("lang"), "en") {
		lang = "en"
	}
	var buf bytes.Buffer
	loc, cur := s.Location, livedesk.CurrencyOf("")
	if s.Shops != nil {
		sh := s.Shops.Resolve(c.UserContext(), callerOf(c).Shop)
		loc, cur = sh.Zone, sh.Currency
	}
	if err := write(&buf, r, lang, loc, cur); err != nil {
		return s.reply(c, err)
	}
	name := "report-" + r.Span.Room + "-" + r.Span.Start.In(loc).Format("20060102-1504") + "." + ext
	c.Set(fiber.HeaderContentType, mime)
	c.Set(fiber.HeaderContentDisposition, "attachment; filename*=UTF-8''"+url.PathEscape(name))
	return c.Send(buf.Bytes())
}
