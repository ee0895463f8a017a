package views

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
)

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
