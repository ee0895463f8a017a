package views

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// zoneOf is the one place a page, export or script learns the shop's time zone: every time the
// server formats, and the zone it sends to the browser (<meta name=livedesk-tz>, which the page
// scripts format with through Intl), comes from here.
func (s *Server) zoneOf(ctx context.Context, shop string) *time.Location {
	if s.Shops != nil && shop != "" {
		return s.Shops.Zone(ctx, shop) // never nil: falls back to LIVEDESK_TZ
	}
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// zone is zoneOf for the logged-in user's shop.
func (s *Server) zone(c *fiber.Ctx) *time.Location {
	return s.zoneOf(c.UserContext(), CurrentUser(c).Shop)
}
