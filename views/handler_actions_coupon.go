package views

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/stage"
)

// actionCoupon drops a coupon: {"name":"","discount":"10","threshold":"99","qty":200}; amounts
// are text in the shop's currency (yuan for CNY, whole đồng for VND), threshold "" or "0" for
// none.
func (s *Server) actionCoupon(c *fiber.Ctx) error {
	var in struct {
		Name      string `json:"name"`
		Discount  string `json:"discount"`
		Threshold string `json:"threshold"`
		Qty       int64  `json:"qty"`
	}
	room := actionRoom(c)
	if err := c.BodyParser(&in); err != nil || room == "" {
		return s.badAction(c)
	}
	cur := s.shopCurrency(c, CurrentUser(c).Shop)
	discount, err := cur.Parse(in.Discount)
	if err != nil {
		return badYuan(c, "discount")
	}
	var threshold int64
	if strings.TrimSpace(in.Threshold) != "" {
		if threshold, err = cur.Parse(in.Threshold); err != nil {
			return badYuan(c, "threshold")
		}
	}
	u := CurrentUser(c)
	st, err := s.Actions.DropCoupon(c.UserContext(), u.Shop, room, stage.CouponRequest{
		Name: in.Name, Discount: discount, Threshold: threshold, Qty: in.Qty}, u.Name)
	return s.actionResult(c, st, err)
}
