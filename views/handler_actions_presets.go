package views

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk"
)

// cuePresetsSave replaces the shop's one-tap cues (one per line).
func (s *Server) cuePresetsSave(c *fiber.Ctx) error {
	u := CurrentUser(c)
	lines := strings.Split(strings.ReplaceAll(c.FormValue("cues"), "\r\n", "\n"), "\n")
	_, err := s.Actions.SetPresets(c.UserContext(), u.Shop, lines)
	if livedesk.ErrorCode(err) == livedesk.EINVALID {
		d, derr := s.productsData(c)
		if derr != nil {
			return s.reply(c, fmt.Errorf("views: products page: %w", derr))
		}
		d.Cues = lines
		d.Notice = livedesk.ErrorMessage(err, LangOf(c))
		c.Status(fiber.StatusBadRequest)
		return s.render(c, ProductsPage(s.page(c, "products.title"), d))
	}
	if err != nil {
		return s.reply(c, fmt.Errorf("views: save cues: %w", err))
	}
	return c.Redirect("/products?done=cues", fiber.StatusSeeOther)
}
