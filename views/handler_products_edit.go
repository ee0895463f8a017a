package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// productEdit shows the edit form of one product of the user's shop.
func (s *Server) productEdit(c *fiber.Ctx) error {
	u := CurrentUser(c)
	pr, ok, err := s.Catalog.Get(c.UserContext(), u.Shop, productID(c))
	if err != nil {
		return s.reply(c, fmt.Errorf("views: product edit: %w", err))
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "products.notfound")
	}
	return s.render(c, ProductEditPage(s.page(c, "products.edit"), formOf(pr, s.shopCurrency(c, CurrentUser(c).Shop))))
}
