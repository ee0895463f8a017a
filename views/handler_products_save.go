package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/catalog"
)

// productSave adds a product or saves an edit. A rejected form is shown again as typed, with
// each field's problem under it (400).
func (s *Server) productSave(c *fiber.Ctx) error {
	u := CurrentUser(c)
	lang := LangOf(c)
	f, pr, ok := readProductForm(c, lang, s.shopCurrency(c, CurrentUser(c).Shop))
	ctx := c.UserContext()
	if ok {
		_, exists, err := s.Catalog.Get(ctx, u.Shop, pr.ID)
		if err != nil {
			return s.reply(c, fmt.Errorf("views: product save: %w", err))
		}
		switch {
		case exists && !f.Edit:
			f.Errors[catalog.FieldID] = T(lang, "products.exists")
			ok = false
		case !exists && f.Edit:
			return s.fail(c, fiber.StatusNotFound, "products.notfound")
		}
	}
	if !ok {
		c.Status(fiber.StatusBadRequest)
		if f.Edit {
			return s.render(c, ProductEditPage(s.page(c, "products.edit"), f))
		}
		d, err := s.productsData(c)
		if err != nil {
			return s.reply(c, fmt.Errorf("views: products page: %w", err))
		}
		d.Form = f
		return s.render(c, ProductsPage(s.page(c, "products.title"), d))
	}
	if err := s.Catalog.Save(ctx, u.Shop, []catalog.Product{pr}); err != nil {
		return s.reply(c, fmt.Errorf("views: product save: %w", err))
	}
	if f.Edit {
		s.Actions.ProductsChanged(ctx, u.Shop, []string{pr.ID})
	}
	return c.Redirect("/products?done=saved", fiber.StatusSeeOther)
}
