package views

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
)

// shopZone is the zone pages show shop's times in: the shop's own (shops.Settings), else the
// server's Location. Every page gets it through Page.Loc.
func (s *Server) shopZone(c *fiber.Ctx, shop string) *time.Location {
	return s.zoneOf(c.UserContext(), shop)
}

// shopCurrency is the currency pages format shop's money in (CNY without shops.Settings).
func (s *Server) shopCurrency(c *fiber.Ctx, shop string) livedesk.Currency {
	if s.Shops == nil {
		return livedesk.CurrencyOf("")
	}
	return s.Shops.Currency(c.UserContext(), shop)
}

// Money formats an amount of the page's shop currency (minor units); CNY when the page has none.
func (p Page) Money(minor int64) string {
	if p.Currency.Code == "" {
		return livedesk.Money(minor)
	}
	return p.Currency.Format(minor)
}

// sharePct writes a share as a percentage with one decimal ("42.9%"), or "—".
func sharePct(r livedesk.Ratio) string {
	if !r.OK {
		return "—"
	}
	return strconv.FormatFloat(r.Value*100, 'f', 1, 64) + "%"
}
