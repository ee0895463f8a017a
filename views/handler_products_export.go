package views

import (
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/catalog"
)

// productsExport downloads the shop's catalog as .xlsx (format=xlsx) or .csv, in the layout
// the import reads back.
func (s *Server) productsExport(c *fiber.Ctx) error {
	u := CurrentUser(c)
	ps, err := s.Catalog.List(c.UserContext(), u.Shop)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: products export: %w", err))
	}
	var b bytes.Buffer
	name := "products-" + u.Shop + "-" + s.now().In(s.zone(c)).Format("20060102")
	if c.Query("format") == "xlsx" {
		err = catalog.WriteXLSXIn(&b, ps, s.shopCurrency(c, CurrentUser(c).Shop))
		name += ".xlsx"
		c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	} else {
		err = catalog.WriteCSVIn(&b, ps, s.shopCurrency(c, CurrentUser(c).Shop))
		name += ".csv"
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	}
	if err != nil {
		return s.reply(c, fmt.Errorf("views: products export: %w", err))
	}
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b.Bytes())
}
