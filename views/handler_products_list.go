package views

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
)

// registerProducts mounts the products page, its forms, import/export, the operator actions of
// a room and the prompter. Anyone of the shop may look at the catalog; only admins and operators
// change it or act on a room. Anchors may only acknowledge cues.
func (s *Server) registerProducts(r fiber.Router) {
	edit := s.RequireRole(StreamRoles...)
	r.Get("/products", s.RequireRole(DeskRoles...), s.productsPage)
	r.Get("/products/export", s.RequireRole(DeskRoles...), s.productsExport)
	r.Post("/products", edit, s.productSave)
	r.Post("/products/import", edit, s.productsImport)
	r.Post("/products/cues", edit, s.cuePresetsSave)
	r.Get("/products/:id/edit", edit, s.productEdit)
	r.Post("/products/:id/delete", edit, s.productDelete)
	s.registerActions(r)
	s.registerPrompter(r)
}

// productsPage lists the shop's products with the add form, import and cue presets.
func (s *Server) productsPage(c *fiber.Ctx) error {
	p := s.page(c, "products.title")
	d, err := s.productsData(c)
	if err != nil {
		// The catalog is in ClickHouse. While it is down the page still renders (the top bar
		// leads back to the console) with a notice, no list and no forms: nothing can be saved.
		s.Log.Warn("views: products page", "shop", CurrentUser(c).Shop, "err", err)
		p.HistoryDown = true
		return s.render(c, ProductsPage(p, ProductsData{Form: ProductForm{Errors: map[string]string{}}}))
	}
	switch c.Query("done") {
	case "saved":
		d.Notice = T(LangOf(c), "products.saved")
	case "deleted":
		d.Notice = T(LangOf(c), "products.deleted")
	case "cues":
		d.Notice = T(LangOf(c), "cues.saved")
	}
	return s.render(c, ProductsPage(p, d))
}

// productID is the :id path parameter, unescaped.
func productID(c *fiber.Ctx) string {
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil {
		return ""
	}
	return id
}
