package views

import "github.com/gofiber/fiber/v2"

// productDelete removes a product of the user's shop.
func (s *Server) productDelete(c *fiber.Ctx) error {
	u := CurrentUser(c)
	id := productID(c)
	if id == "" {
		return s.fail(c, fiber.StatusNotFound, "products.notfound")
	}
	if err := s.Catalog.Delete(c.UserContext(), u.Shop, id); err != nil {
		s.Log.Error("views: product delete", "shop", u.Shop, "product", id, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	return c.Redirect("/products?done=deleted", fiber.StatusSeeOther)
}
