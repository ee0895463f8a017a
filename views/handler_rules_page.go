package views

import (
	"github.com/gofiber/fiber/v2"
)

// liveDefaultsPage renders the shop-wide defaults page (admins); rules.js fills it.
func (s *Server) liveDefaultsPage(c *fiber.Ctx) error {
	return s.render(c, LiveDefaultsPage(s.page(c, "rules.defaults.title")))
}

func init() {
	AddNav(NavItem{Key: "nav.livedefaults", Href: "/live-defaults", Roles: []string{RoleAdmin}, Order: 55})
}
