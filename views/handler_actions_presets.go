package views

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/live"
)

// cuePresetsSave replaces the shop's one-tap cues (one per line).
func (s *Server) cuePresetsSave(c *fiber.Ctx) error {
	u := CurrentUser(c)
	lines := strings.Split(strings.ReplaceAll(c.FormValue("cues"), "\r\n", "\n"), "\n")
	_, err := s.Actions.SetPresets(c.UserContext(), u.Shop, lines)
	var ie *live.InvalidError
	if errors.As(err, &ie) {
		d, derr := s.productsData(c)
		if derr != nil {
			s.Log.Error("views: products page", "shop", u.Shop, "err", derr)
			return s.fail(c, fiber.StatusInternalServerError, "error.internal")
		}
		d.Cues = lines
		d.Notice = invalidText(LangOf(c), ie)
		c.Status(fiber.StatusBadRequest)
		return s.render(c, ProductsPage(s.page(c, "products.title"), d))
	}
	if err != nil {
		s.Log.Error("views: save cues", "shop", u.Shop, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	return c.Redirect("/products?done=cues", fiber.StatusSeeOther)
}

// invalidText is an InvalidError's message in lang.
func invalidText(lang string, e *live.InvalidError) string {
	if lang == LangEN {
		return e.Reason
	}
	return e.ReasonZH
}
