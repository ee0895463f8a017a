package views

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
)

// shopZone is the zone pages show shop's times in: the shop's own (shops.Settings), else the
// server's Location. Every page gets it through Page.Loc.
func (s *Server) shopZone(c *fiber.Ctx, shop string) *time.Location {
	if s.Shops == nil || shop == "" {
		return s.Location
	}
	return s.Shops.Zone(c.UserContext(), shop)
}

// shopCurrency is the currency pages format shop's money in (CNY without shops.Settings).
func (s *Server) shopCurrency(c *fiber.Ctx, shop string) livedesk.Currency {
	if s.Shops == nil {
		return livedesk.CurrencyOf("")
	}
	return s.Shops.Currency(c.UserContext(), shop)
}
