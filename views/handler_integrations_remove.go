package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/platform"
)

// integrationRemove disconnects the admin's shop from a platform: its pushes are refused from
// then on; events already stored stay.
func (s *Server) integrationRemove(c *fiber.Ctx) error {
	u := CurrentUser(c)
	name := c.Params("platform")
	if platform.ValidPlatform(name) != nil {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	if err := s.Integrations.Remove(c.UserContext(), u.Shop, name, u.Name); err != nil {
		return s.reply(c, fmt.Errorf("views: remove integration: %w", err))
	}
	return c.Redirect("/integrations?removed="+urlQueryEscape(name)+"#integration-"+name, fiber.StatusSeeOther)
}
