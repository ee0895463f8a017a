package views

import (
	"bytes"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/jobs"
)

// RecapsView is the recaps page: the history and the recap shown.
type RecapsView struct {
	History  []jobs.RecapRef
	Recap    *jobs.Recap
	Currency livedesk.Currency
	Titles   map[string]string
}

// Money formats an amount of the shop's currency.
func (v RecapsView) Money(minor int64) string { return v.Currency.Format(minor) }

// Metric formats a metric value.
func (v RecapsView) Metric(key string, val *float64) string {
	return jobs.FormatMetric(key, val, v.Currency)
}

// recapsPage shows the shop's recaps: ?kind=&day= picks one, else the newest.
func (s *Server) recapsPage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	ctx := c.UserContext()
	store := s.Jobs.Runner.Store
	hist, err := store.Recaps(ctx, u.Shop, 60)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: recaps: %w", err))
	}
	v := RecapsView{History: hist, Currency: s.shopCurrency(c, u.Shop)}
	kind, day := c.Query("kind"), c.Query("day")
	if kind == "" && len(hist) > 0 {
		kind, day = hist[0].Kind, hist[0].Day
	}
	if kind != "" {
		r, ok, err := store.Recap(ctx, u.Shop, kind, day)
		if err != nil {
			return s.reply(c, fmt.Errorf("views: recap: %w", err))
		}
		if !ok {
			return s.fail(c, fiber.StatusNotFound, "error.notfound")
		}
		v.Recap = r
	}
	return s.render(c, RecapsPage(s.page(c, "recaps.title"), v))
}

// recapXLSX exports one recap as a workbook.
func (s *Server) recapXLSX(c *fiber.Ctx) error {
	u := CurrentUser(c)
	kind, day := c.Params("kind"), c.Params("day")
	r, ok, err := s.Jobs.Runner.Store.Recap(c.UserContext(), u.Shop, kind, day)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: recap xlsx: %w", err))
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	var buf bytes.Buffer
	if err := jobs.WriteRecapXLSX(&buf, r); err != nil {
		return s.reply(c, err)
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="recap-`+kind+"-"+r.Day+`.xlsx"`)
	c.Type("xlsx")
	return c.Send(buf.Bytes())
}

// retentionExport downloads the repeat-customer list (customers who paid in the last `days`
// days, default 30, as of now) as CSV or XLSX in the shop's zone and currency.
func (s *Server) retentionExport(c *fiber.Ctx) error {
	u := CurrentUser(c)
	ext := c.Params("ext")
	if ext != "csv" && ext != "xlsx" {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	days := c.QueryInt("days", 30)
	if days < 1 || days > 365 {
		days = 30
	}
	ctx := c.UserContext()
	now := s.now().UTC()
	list, err := s.Jobs.Runner.Store.Retention(ctx, u.Shop, now.AddDate(0, 0, -days), now)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: retention: %w", err))
	}
	titles := map[string]string{}
	if s.Titles != nil {
		if t, err := s.Titles.Titles(ctx, u.Shop); err == nil {
			titles = t
		}
	}
	loc, cur := s.zoneOf(c.UserContext(), u.Shop), s.shopCurrency(c, u.Shop)
	var buf bytes.Buffer
	if ext == "csv" {
		err = jobs.WriteRetentionCSV(&buf, list, titles, loc, cur)
		c.Type("csv", "utf-8")
	} else {
		err = jobs.WriteRetentionXLSX(&buf, list, titles, loc, cur)
		c.Type("xlsx")
	}
	if err != nil {
		return s.reply(c, err)
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="customers-`+now.In(loc).Format("20060102")+"."+ext+`"`)
	return c.Send(buf.Bytes())
}

// recapDay formats a recap's span end for the page.
func recapAt(t time.Time, loc *time.Location) string { return Time(t, loc) }
