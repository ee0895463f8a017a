package views

import (
	"errors"
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
			s.Log.Error("views: products page", "shop", u.Shop, "err", err)
			return s.fail(c, fiber.StatusInternalServerError, "error.internal")
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
		s.Log.Error("views: import open", "shop", u.Shop, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	defer file.Close()
	var imp catalog.Import
	if ext == ".xlsx" {
		imp, err = catalog.ReadXLSX(file)
	} else {
		imp, err = catalog.ReadCSV(file)
	}
	if errors.Is(err, catalog.ErrImportFile) {
		msg := strings.TrimPrefix(err.Error(), catalog.ErrImportFile.Error()+": ")
		return report(ImportReport{FileError: T(lang, "products.import.file") + msg}, fiber.StatusBadRequest)
	}
	if err != nil {
		s.Log.Error("views: import read", "shop", u.Shop, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	if err := s.Catalog.Save(c.UserContext(), u.Shop, imp.Products); err != nil {
		s.Log.Error("views: import save", "shop", u.Shop, "err", err)
		return s.fail(c, fiber.StatusInternalServerError, "error.internal")
	}
	ids := make([]string, len(imp.Products))
	for i, p := range imp.Products {
		ids[i] = p.ID
	}
	s.Actions.ProductsChanged(c.UserContext(), u.Shop, ids)
	return report(ImportReport{Saved: len(imp.Products), Errors: imp.Errors}, fiber.StatusOK)
}
