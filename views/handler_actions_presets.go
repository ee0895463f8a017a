package views

import (
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
			s.Log.Error("views: products page", "shop", u.Shop, "err", derr)
			return s.fail(c, fiber.StatusInternalServerError, "error.internal")
		}
		d.Cues = lines
		d.Notice = livedesk.ErrorMessage(err, LangOf(c))
		c.Status(fiber.StatusBadRequest)
		return s.render(c, ProductsPage(s.page(c, "products.title"), d))
	}
	if err != nil {
		s.Log.Error("views: save cues", "shop", u.Shop, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	return c.Redirect("/products?done=cues", fiber.StatusSeeOther)
}
