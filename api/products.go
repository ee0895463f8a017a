package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
)

// productJSON is a catalog product; money is integer fen, list_price 0 means none.
type productJSON struct {
	ID        string     `json:"id"`
	Title     string     `json:"title"`
	Price     int64      `json:"price"`
	ListPrice int64      `json:"list_price"`
	Stock     int64      `json:"stock"`
	Tag       string     `json:"tag"`
	Points    []string   `json:"points"`
	Script    string     `json:"script"`
	Image     string     `json:"image"`
	Updated   *time.Time `json:"updated,omitempty"`
}

func productOf(p catalog.Product) productJSON {
	out := productJSON{ID: p.ID, Title: p.Title, Price: p.Price, ListPrice: p.ListPrice, Stock: p.Stock, Tag: p.Tag,
		Points: p.Points, Script: p.Script, Image: p.Image}
	if out.Points == nil {
		out.Points = []string{}
	}
	if !p.Updated.IsZero() {
		t := p.Updated.UTC()
		out.Updated = &t
	}
	return out
}

func (p productJSON) product() catalog.Product {
	return catalog.Product{ID: p.ID, Title: p.Title, Price: p.Price, ListPrice: p.ListPrice, Stock: p.Stock, Tag: p.Tag,
		Points: p.Points, Script: p.Script, Image: p.Image}
}

// listProducts is GET /products.
func (s *Server) listProducts(c *fiber.Ctx) error {
	ps, err := s.Catalog.List(c.UserContext(), callerOf(c).Shop)
	if err != nil {
		return s.reply(c, err)
	}
	from, to, next, err := page(c, len(ps))
	if err != nil {
		return s.reply(c, err)
	}
	items := make([]productJSON, 0, to-from)
	for _, p := range ps[from:to] {
		items = append(items, productOf(p))
	}
	return s.ok(c, fiber.Map{"items": items, "next_cursor": next})
}

// getProduct is GET /products/{id}.
func (s *Server) getProduct(c *fiber.Ctx) error {
	p, ok, err := s.Catalog.Get(c.UserContext(), callerOf(c).Shop, c.Params("id"))
	if err != nil {
		return s.reply(c, err)
	}
	if !ok {
		return s.reply(c, notFound("product "+c.Params("id")))
	}
	return s.ok(c, fiber.Map{"product": productOf(p)})
}

// createProduct is POST /products: 201 with the product; 409 when the id exists already.
func (s *Server) createProduct(c *fiber.Ctx) error {
	var in productJSON
	if err := c.BodyParser(&in); err != nil {
		return s.reply(c, invalid("body", "the body is not a JSON product", "请求体不是 JSON 格式的商品"))
	}
	_, exists, err := s.Catalog.Get(c.UserContext(), callerOf(c).Shop, in.ID)
	if err != nil {
		return s.reply(c, err)
	}
	if exists {
		return s.reply(c, &livedesk.Error{Code: livedesk.ECONFLICT, Field: "id", Message: "a product with this id exists: PUT /products/" + in.ID + " replaces it",
			MessageZH: "该商品 ID 已存在：用 PUT 替换"})
	}
	p, err := s.saveProduct(c, in)
	if err != nil {
		return s.reply(c, err)
	}
	c.Status(fiber.StatusCreated)
	return s.ok(c, fiber.Map{"product": productOf(p)})
}

// putProduct is PUT /products/{id}: creates or replaces the product.
func (s *Server) putProduct(c *fiber.Ctx) error {
	var in productJSON
	if err := c.BodyParser(&in); err != nil {
		return s.reply(c, invalid("body", "the body is not a JSON product", "请求体不是 JSON 格式的商品"))
	}
	if in.ID != "" && in.ID != c.Params("id") {
		return s.reply(c, invalid("id", "the body's id differs from the path's", "请求体中的 id 与路径不一致"))
	}
	in.ID = c.Params("id")
	p, err := s.saveProduct(c, in)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"product": productOf(p)})
}

// saveProduct validates in (the first problem names its field) and stores it.
func (s *Server) saveProduct(c *fiber.Ctx, in productJSON) (catalog.Product, error) {
	p := in.product()
	p.Normalize()
	if errs := p.Validate(); len(errs) > 0 {
		return p, livedesk.Invalid(errs[0].Field, errs[0].Reason, errs[0].ReasonZH)
	}
	if err := s.Catalog.Save(c.UserContext(), callerOf(c).Shop, []catalog.Product{p}); err != nil {
		return p, err
	}
	p.Updated = s.now()
	return p, nil
}

// deleteProduct is DELETE /products/{id}: 404 when the shop has no such product.
func (s *Server) deleteProduct(c *fiber.Ctx) error {
	shop, id := callerOf(c).Shop, c.Params("id")
	if err := s.Catalog.Delete(c.UserContext(), shop, id); err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"deleted": id})
}
