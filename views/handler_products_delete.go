package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// productDelete removes a product of the user's shop.
func (s *Server) productDelete(c *fiber.Ctx) error {
	u := CurrentUser(c)
	id := productID(c)
	if id == "" {
		return s.fail(c, fiber.StatusNotFound, "products.notfound")
	}
	if err := s.Catalog.Delete(c.UserContext(), u.Shop, id); err != nil {
		return s.reply(c, fmt.Errorf("views: product delete: %w", err))
	}
	return c.Redirect("/products?done=deleted", fiber.StatusSeeOther)
}
