package views

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/stage"
)

// actionFlashSale starts a flash sale: {"product":"p1","price":"9.90","qty":100,"seconds":180};
// price is text in the shop's currency, converted to its minor unit exactly.
func (s *Server) actionFlashSale(c *fiber.Ctx) error {
	var in struct {
		Product string `json:"product"`
		Price   string `json:"price"`
		Qty     int64  `json:"qty"`
		Seconds int64  `json:"seconds"`
	}
	room := actionRoom(c)
	if err := c.BodyParser(&in); err != nil || room == "" {
		return s.badAction(c)
	}
	fen, err := s.shopCurrency(c, CurrentUser(c).Shop).Parse(in.Price)
	if err != nil {
		return badYuan(c, "price")
	}
	u := CurrentUser(c)
	st, err := s.Actions.StartFlashSale(c.UserContext(), u.Shop, room, stage.FlashSaleRequest{
		Product: in.Product, Price: fen, Qty: in.Qty, Duration: time.Duration(in.Seconds) * time.Second}, u.Name)
	return s.actionResult(c, st, err)
}
