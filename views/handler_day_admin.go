package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/compliance"
	"github.com/livedesk/livedesk/shops"
)

// ShopView is the shop settings page.
type ShopView struct {
	Shop  shops.Shop
	Saved bool
	Error string
}

// shopPage shows the shop's zone and currency.
func (s *Server) shopPage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	v := ShopView{Shop: s.Shops.Resolve(c.UserContext(), u.Shop), Saved: c.Query("saved") == "1"}
	return s.render(c, ShopPage(s.page(c, "shop.title"), v, livedesk.CurrencyCodes))
}

// shopSave stores the shop's zone and currency; a bad value is shown on the form by field.
func (s *Server) shopSave(c *fiber.Ctx) error {
	u := CurrentUser(c)
	_, err := s.Shops.Save(c.UserContext(), u.Shop, c.FormValue("tz"), c.FormValue("currency"), u.Name)
	if err != nil {
		if e, ok := err.(*livedesk.Error); ok && e.Code == livedesk.EINVALID {
			msg := e.MessageZH
			if LangOf(c) == LangEN {
				msg = e.Message
			}
			v := ShopView{Shop: s.Shops.Resolve(c.UserContext(), u.Shop), Error: msg}
			c.Status(fiber.StatusBadRequest)
			return s.render(c, ShopPage(s.page(c, "shop.title"), v, livedesk.CurrencyCodes))
		}
		return s.reply(c, fmt.Errorf("views: save shop: %w", err))
	}
	return c.Redirect("/shop?saved=1", fiber.StatusSeeOther)
}

// ComplianceView is the compliance page.
type ComplianceView struct {
	Words []compliance.Word
	Quals []compliance.Qualification
	Left  map[string]int // qualification id → days left in the shop's zone
}

// compliancePage lists the shop's banned words and qualification documents.
func (s *Server) compliancePage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	ctx := c.UserContext()
	words, err := s.Compliance.List(ctx, u.Shop)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: compliance: %w", err))
	}
	quals, err := s.Compliance.Qualifications(ctx, u.Shop)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: compliance: %w", err))
	}
	v := ComplianceView{Words: words, Quals: quals, Left: map[string]int{}}
	loc := s.zoneOf(c.UserContext(), u.Shop)
	for _, q := range quals {
		v.Left[q.ID] = daysLeft(s.now(), loc, q)
	}
	return s.render(c, CompliancePage(s.page(c, "compliance.title"), v))
}

// complianceWord adds a word (action=add), turns one off (off) or back on (on).
func (s *Server) complianceWord(c *fiber.Ctx) error {
	u := CurrentUser(c)
	off := c.FormValue("action") == "off"
	if err := s.Compliance.SetWord(c.UserContext(), u.Shop, c.FormValue("word"), off, u.Name); err != nil {
		return s.reply(c, err)
	}
	return c.Redirect("/compliance", fiber.StatusSeeOther)
}

// complianceQual adds a document (name, number, expires) or removes one (remove=id).
func (s *Server) complianceQual(c *fiber.Ctx) error {
	u := CurrentUser(c)
	ctx := c.UserContext()
	if id := c.FormValue("remove"); id != "" {
		if err := s.Compliance.RemoveQualification(ctx, u.Shop, id, u.Name); err != nil {
			return s.reply(c, err)
		}
		return c.Redirect("/compliance", fiber.StatusSeeOther)
	}
	exp, err := compliance.ParseDate(c.FormValue("expires"))
	if err != nil {
		return s.reply(c, err)
	}
	q := compliance.Qualification{Name: c.FormValue("name"), Number: c.FormValue("number"), Expires: exp}
	if _, err := s.Compliance.SaveQualification(ctx, u.Shop, q, u.Name); err != nil {
		return s.reply(c, err)
	}
	return c.Redirect("/compliance", fiber.StatusSeeOther)
}
