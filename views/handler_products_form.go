package views

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
)

// ProductForm is the add/edit form as typed: the raw text of every field (so a rejected form
// comes back exactly as entered) and an error message per field key (live.Field*).
type ProductForm struct {
	Edit      bool // editing an existing product: the ID is fixed
	ID        string
	Title     string
	Price     string
	ListPrice string
	Stock     string
	Image     string
	Tag       string
	Points    string
	Script    string
	Errors    map[string]string
}

// ProductsData is what the products page shows.
type ProductsData struct {
	Products []catalog.Product
	Form     ProductForm
	Import   *ImportReport // the result of an import just done, nil otherwise
	Cues     []string
	Notice   string // a short confirmation ("已保存。"), "" for none
	CanEdit  bool
}

// ImportReport is the result of one import shown to the operator.
type ImportReport struct {
	Saved     int
	Errors    []catalog.RowError
	FileError string
}

// formOf fills a form from a product (to edit it), prices as plain numbers of the shop's
// currency cur (what readProductForm reads back).
func formOf(p catalog.Product, cur livedesk.Currency) ProductForm {
	f := ProductForm{Edit: true, ID: p.ID, Title: p.Title, Price: cur.Plain(p.Price),
		Stock: strconv.FormatInt(p.Stock, 10), Image: p.Image, Tag: p.Tag,
		Points: strings.Join(p.Points, "\n"), Script: p.Script}
	if p.ListPrice > 0 {
		f.ListPrice = cur.Plain(p.ListPrice)
	}
	return f
}

// readProductForm reads the posted form and converts it to a product, prices typed in the
// shop's currency cur; ok is false when a field is wrong (f.Errors says which, in lang).
func readProductForm(c *fiber.Ctx, lang string, cur livedesk.Currency) (f ProductForm, p catalog.Product, ok bool) {
	f = ProductForm{Edit: c.FormValue("edit") == "1", ID: c.FormValue("id"), Title: c.FormValue("title"),
		Price: c.FormValue("price"), ListPrice: c.FormValue("list_price"), Stock: c.FormValue("stock"),
		Image: c.FormValue("image"), Tag: c.FormValue("tag"), Points: c.FormValue("points"),
		Script: c.FormValue("script"), Errors: map[string]string{}}
	p = catalog.Product{ID: f.ID, Title: f.Title, Image: f.Image, Tag: f.Tag, Script: f.Script,
		Points: strings.Split(strings.ReplaceAll(f.Points, "\r\n", "\n"), "\n")}
	if v, err := cur.Parse(f.Price); err == nil {
		p.Price = v
	} else if strings.TrimSpace(f.Price) != "" {
		f.Errors[catalog.FieldPrice] = T(lang, "products.yuan.bad")
	}
	if strings.TrimSpace(f.ListPrice) != "" {
		if v, err := cur.Parse(f.ListPrice); err == nil {
			p.ListPrice = v
		} else {
			f.Errors[catalog.FieldListPrice] = T(lang, "products.yuan.bad")
		}
	}
	if s := strings.TrimSpace(f.Stock); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			f.Errors[catalog.FieldStock] = T(lang, "products.int.bad")
		} else {
			p.Stock = n
		}
	}
	p.Normalize()
	for _, fe := range p.Validate() {
		if _, dup := f.Errors[fe.Field]; dup {
			continue
		}
		if lang == LangEN {
			f.Errors[fe.Field] = fe.Reason
		} else {
			f.Errors[fe.Field] = fe.ReasonZH
		}
	}
	return f, p, len(f.Errors) == 0
}

// rowReason is a row error's reason in lang.
func rowReason(lang string, e catalog.RowError) string {
	if lang == LangEN || e.ReasonZH == "" {
		return e.Reason
	}
	return e.ReasonZH
}

// productsData loads the shop's products and cues for the products page.
func (s *Server) productsData(c *fiber.Ctx) (ProductsData, error) {
	u := CurrentUser(c)
	ps, err := s.Catalog.List(c.UserContext(), u.Shop)
	if err != nil {
		return ProductsData{}, err
	}
	cues, err := s.Actions.Presets(c.UserContext(), u.Shop)
	if err != nil {
		return ProductsData{}, err
	}
	return ProductsData{Products: ps, Cues: cues, CanEdit: u.CanChangeStream(),
		Form: ProductForm{Errors: map[string]string{}}}, nil
}
