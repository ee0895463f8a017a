package views

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/catalog"
)

// productsImport reads an uploaded .xlsx or .csv, saves every good row and shows the report:
// how many rows were saved and each bad row by number, column and reason.
func (s *Server) productsImport(c *fiber.Ctx) error {
	u := CurrentUser(c)
	lang := LangOf(c)
	report := func(r ImportReport, code int) error {
		d, err := s.productsData(c)
		if err != nil {
			return s.reply(c, fmt.Errorf("views: products page: %w", err))
		}
		d.Import = &r
		c.Status(code)
		return s.render(c, ProductsPage(s.page(c, "products.title"), d))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return report(ImportReport{FileError: T(lang, "products.import.nofile")}, fiber.StatusBadRequest)
	}
	ext := strings.ToLower(filepath.Ext(fh.Filename))
	if ext != ".xlsx" && ext != ".csv" {
		return report(ImportReport{FileError: T(lang, "products.import.type")}, fiber.StatusBadRequest)
	}
	file, err := fh.Open()
	if err != nil {
		return s.reply(c, fmt.Errorf("views: import open: %w", err))
	}
	defer file.Close()
	var imp catalog.Import
	cur := s.shopCurrency(c, CurrentUser(c).Shop) // prices in the sheet are in the shop's currency
	if ext == ".xlsx" {
		imp, err = catalog.ReadXLSXIn(file, cur)
	} else {
		imp, err = catalog.ReadCSVIn(file, cur)
	}
	if errors.Is(err, catalog.ErrImportFile) {
		msg := strings.TrimPrefix(err.Error(), catalog.ErrImportFile.Error()+": ")
		return report(ImportReport{FileError: T(lang, "products.import.file") + msg}, fiber.StatusBadRequest)
	}
	if err != nil {
		return s.reply(c, fmt.Errorf("views: import read: %w", err))
	}
	if err := s.Catalog.Save(c.UserContext(), u.Shop, imp.Products); err != nil {
		return s.reply(c, fmt.Errorf("views: import save: %w", err))
	}
	ids := make([]string, len(imp.Products))
	for i, p := range imp.Products {
		ids[i] = p.ID
	}
	s.Actions.ProductsChanged(c.UserContext(), u.Shop, ids)
	return report(ImportReport{Saved: len(imp.Products), Errors: imp.Errors}, fiber.StatusOK)
}
