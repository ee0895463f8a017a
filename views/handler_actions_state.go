package views

import (
	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/stage"
)

// actionProduct is a product as the action panel lists it.
type actionProduct struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	PriceText string `json:"price_text"`
	Price     string `json:"price"` // yuan, for the flash-sale form
	Stock     int64  `json:"stock"`
	Tag       string `json:"tag"`
}

// actionsState gives the action panel what it needs: the shop's products, its one-tap cues and
// the room's stage.
func (s *Server) actionsState(c *fiber.Ctx) error {
	u := CurrentUser(c)
	room := actionRoom(c)
	if room == "" {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	ctx := c.UserContext()
	ps, err := s.Catalog.List(ctx, u.Shop)
	if err != nil {
		return s.actionResult(c, stage.Stage{}, err)
	}
	cues, err := s.Actions.Presets(ctx, u.Shop)
	if err != nil {
		return s.actionResult(c, stage.Stage{}, err)
	}
	st, err := s.Actions.Stage(ctx, u.Shop, room)
	if err != nil {
		return s.actionResult(c, stage.Stage{}, err)
	}
	out := make([]actionProduct, len(ps))
	cur := s.shopCurrency(c, u.Shop)
	for i, p := range ps {
		out[i] = actionProduct{ID: p.ID, Title: p.Title, PriceText: cur.Format(p.Price), Price: cur.Plain(p.Price), Stock: p.Stock, Tag: p.Tag}
	}
	return c.JSON(fiber.Map{"products": out, "cues": cues, "stage": st})
}
