package views

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/stage"
)

// actionRespond answers a flag with one of its suggested responses, the second tap of the flags
// panel (the first shows what will happen): POST /rooms/:room/flags/:flag/respond
// {"response":"flash1"}. The response is taken from the active flag itself, never from the
// request: an action response runs (pin the next or a named product, a flash sale, a coupon),
// then its text goes to the prompter as a cue naming the flag, and the live engine records the
// response against the flag. Without the engine (LiveRules nil) the posted text is cued. Like a cue,
// a text with banned words is held back with a 409 until re-sent with "confirm": true.
func (s *Server) actionRespond(c *fiber.Ctx) error {
	var in struct {
		Response string `json:"response"`
		Text     string `json:"text"`
		Product  string `json:"product"`
		Rule     string `json:"rule"`
		Confirm  bool   `json:"confirm"`
	}
	room := actionRoom(c)
	flag, err := url.PathUnescape(c.Params("flag"))
	if err != nil || room == "" || flag == "" {
		return s.badAction(c)
	}
	if err := c.BodyParser(&in); err != nil {
		return s.badAction(c)
	}
	if in.Rule == "" { // flag ids are "<rule>:<product>:<raised ms>"
		in.Rule, _, _ = strings.Cut(flag, ":")
	}
	if held, err := s.cueBanned(c, in.Text, in.Confirm); held || err != nil {
		return err
	}
	u := CurrentUser(c)
	ctx := c.UserContext()
	if s.LiveRules != nil {
		f, err := s.LiveRules.Flag(ctx, u.Shop, room, flag)
		if err != nil {
			return s.reply(c, err)
		}
		r, ok := flagResponse(f, in.Response)
		if !ok {
			return s.reply(c, livedesk.Invalid("response", "not a suggested response of this flag", "不是该提醒的建议操作"))
		}
		if err := s.runResponse(ctx, u, room, f, &r); err != nil {
			return s.reply(c, err)
		}
		in.Rule, in.Text, in.Product = f.Rule, r.Text, f.Product
	}
	st, err := s.Actions.SendCue(ctx, u.Shop, room, stage.CueRequest{
		Text: in.Text, Flag: flag, Rule: in.Rule, Response: in.Response, Product: in.Product}, u.Name)
	return s.actionResult(c, st, err)
}

// flagResponse returns the flag's response with key.
func flagResponse(f live.Flag, key string) (live.Response, bool) {
	for _, r := range f.Responses {
		if r.Key == key {
			return r, true
		}
	}
	return live.Response{}, false
}

// runResponse carries out an action response on the room's stage (a cue does nothing here). A
// response without a product acts on the flag's product, else the pinned one. r.Text is set to
// what the prompter is told.
func (s *Server) runResponse(ctx context.Context, u User, room string, f live.Flag, r *live.Response) error {
	product := r.Product
	if product == "" {
		product = f.Product
	}
	if product == "" && r.Kind != live.RespCue && r.Kind != "" {
		p, err := s.Actions.Pinned(ctx, u.Shop, room)
		if err != nil {
			return err
		}
		product = p
	}
	needProduct := func() error {
		if product == "" {
			return livedesk.Invalid("product", "no product to act on: none flagged or pinned", "没有可操作的商品：提醒未指向商品，也没有讲解中的商品")
		}
		return nil
	}
	switch r.Kind {
	case live.RespPinNext:
		next, err := s.nextProduct(ctx, u.Shop, room)
		if err != nil {
			return err
		}
		_, err = s.Actions.Pin(ctx, u.Shop, room, next, u.Name)
		return err
	case live.RespPin:
		if err := needProduct(); err != nil {
			return err
		}
		_, err := s.Actions.Pin(ctx, u.Shop, room, product, u.Name)
		return err
	case live.RespFlashSale:
		if err := needProduct(); err != nil {
			return err
		}
		_, err := s.Actions.StartFlashSale(ctx, u.Shop, room, stage.FlashSaleRequest{Product: product, Price: r.PriceFen,
			Qty: r.Qty, Duration: time.Duration(r.DurationS) * time.Second}, u.Name)
		return err
	case live.RespCoupon:
		_, err := s.Actions.DropCoupon(ctx, u.Shop, room, stage.CouponRequest{Discount: r.DiscountFen,
			Threshold: r.ThresholdFen, Qty: r.Qty}, u.Name)
		return err
	}
	return nil
}

// nextProduct is the product after the pinned one in the catalog's order (the action panel's
// list), wrapping around; the first when none is pinned.
func (s *Server) nextProduct(ctx context.Context, shop, room string) (string, error) {
	ps, err := s.Catalog.List(ctx, shop)
	if err != nil {
		return "", err
	}
	if len(ps) == 0 {
		return "", livedesk.Invalid("product", "the catalog has no products", "商品库中没有商品")
	}
	pinned, err := s.Actions.Pinned(ctx, shop, room)
	if err != nil {
		return "", err
	}
	for i, p := range ps {
		if p.ID == pinned {
			return ps[(i+1)%len(ps)].ID, nil
		}
	}
	return ps[0].ID, nil
}
