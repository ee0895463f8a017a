package views

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/platform"
)

// integrationSave connects (or reconnects) the admin's shop to a platform. The secret field is
// never filled back into the page; a refused field re-renders the page with the reason.
func (s *Server) integrationSave(c *fiber.Ctx) error {
	u := CurrentUser(c)
	name := c.Params("platform")
	if platform.ValidPlatform(name) != nil {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	in := platform.Integration{Shop: u.Shop, Platform: name, AppKey: strings.TrimSpace(c.FormValue("app_key")),
		Secret: c.FormValue("app_secret"), APIURL: c.FormValue("api_url"), By: u.Name}
	// The platform shop id, shop_cipher and auth URL are set with livedesk integration set; the
	// form does not carry them, so a page edit keeps them (its tokens are kept by Put).
	list, err := s.Integrations.List(c.UserContext(), u.Shop)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: save integration: %w", err))
	}
	for _, old := range list {
		if old.Platform == name {
			in.ShopID, in.ShopCipher, in.AuthURL = old.ShopID, old.ShopCipher, old.AuthURL
		}
	}
	if err := s.Integrations.Put(c.UserContext(), in); err != nil {
		if livedesk.ErrorCode(err) != livedesk.EINVALID {
			return s.reply(c, fmt.Errorf("views: save integration: %w", err))
		}
		p := s.page(c, "integrations.title")
		v, verr := s.integrationsView(c, p)
		if verr != nil {
			return s.reply(c, fmt.Errorf("views: integrations page: %w", verr))
		}
		v.Focus, v.Bad = name, livedesk.ErrorMessage(err, p.Lang)
		c.Status(fiber.StatusBadRequest)
		return s.render(c, IntegrationsPage(p, v))
	}
	return c.Redirect("/integrations?saved="+urlQueryEscape(name)+"#integration-"+name, fiber.StatusSeeOther)
}
