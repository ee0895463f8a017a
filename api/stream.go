package api

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/stage"
)

// sessionJSON is a stream session (开播 → 下播).
type sessionJSON struct {
	ID      string     `json:"id"`
	Room    string     `json:"room"`
	Started time.Time  `json:"started"`
	Ended   *time.Time `json:"ended"` // null while live
	Live    bool       `json:"live"`
	Auto    bool       `json:"auto"`     // started by the room's first event, not by 开播
	EndedBy string     `json:"ended_by"` // operator, quiet, "" while live
}

func sessionOf(s live.Session) sessionJSON {
	out := sessionJSON{ID: s.ID, Room: s.Room, Started: s.Started.UTC(), Live: s.Live(), Auto: s.Auto, EndedBy: s.EndedBy}
	if !s.Live() {
		t := s.Ended.UTC()
		out.Ended = &t
	}
	return out
}

// roomSessions is GET /rooms/{room}/sessions: the room's sessions, newest first.
func (s *Server) roomSessions(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	ss, err := s.Engine.Sessions(c.UserContext(), callerOf(c).Shop, room, 1000)
	if err != nil {
		return s.reply(c, err)
	}
	from, to, next, err := page(c, len(ss))
	if err != nil {
		return s.reply(c, err)
	}
	items := make([]sessionJSON, 0, to-from)
	for _, x := range ss[from:to] {
		items = append(items, sessionOf(x))
	}
	return s.ok(c, fiber.Map{"items": items, "next_cursor": next})
}

// sessionStart is POST /rooms/{room}/session/start (开播): idempotent, answers the live session.
func (s *Server) sessionStart(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	sess, err := s.Engine.StartSession(c.UserContext(), callerOf(c).Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"session": sessionOf(sess)})
}

// sessionEnd is POST /rooms/{room}/session/end (下播): answers the ended session; 404 when the
// room has no live session.
func (s *Server) sessionEnd(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	sess, err := s.Engine.EndSession(c.UserContext(), callerOf(c).Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"session": sessionOf(sess)})
}

// actionBody is the body of POST /rooms/{room}/actions/{action}; money is integer fen.
type actionBody struct {
	Product   string `json:"product"`   // pin, flash_sale
	Text      string `json:"text"`      // cue
	Price     int64  `json:"price"`     // flash_sale: fen
	Qty       int64  `json:"qty"`       // flash_sale, coupon
	Seconds   int64  `json:"seconds"`   // flash_sale
	Name      string `json:"name"`      // coupon
	Threshold int64  `json:"threshold"` // coupon: fen, 0 = no threshold
	Discount  int64  `json:"discount"`  // coupon: fen
}

// roomAction is POST /rooms/{room}/actions/{pin|unpin|cue|flash_sale|coupon}: the action is
// recorded as an event, applied to the stage and pushed to the prompter; the new stage answers.
func (s *Server) roomAction(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	var in actionBody
	if len(c.Body()) > 0 {
		if err := c.BodyParser(&in); err != nil {
			return s.reply(c, invalid("body", "the body is not a JSON object of this action's fields", "请求体不是该操作字段的 JSON 对象"))
		}
	}
	who := callerOf(c)
	ctx := c.UserContext()
	var st stage.Stage
	switch c.Params("action") {
	case "pin":
		st, err = s.Stage.Pin(ctx, who.Shop, room, in.Product, who.Name)
	case "unpin":
		st, err = s.Stage.Unpin(ctx, who.Shop, room, who.Name)
	case "cue":
		st, err = s.Stage.SendCue(ctx, who.Shop, room, stage.CueRequest{Text: in.Text, Product: in.Product}, who.Name)
	case "flash_sale":
		st, err = s.Stage.StartFlashSale(ctx, who.Shop, room, stage.FlashSaleRequest{Product: in.Product, Price: in.Price,
			Qty: in.Qty, Duration: time.Duration(in.Seconds) * time.Second}, who.Name)
	case "coupon":
		st, err = s.Stage.DropCoupon(ctx, who.Shop, room, stage.CouponRequest{Name: in.Name, Threshold: in.Threshold,
			Discount: in.Discount, Qty: in.Qty}, who.Name)
	default:
		return s.reply(c, notFound("action "+c.Params("action")))
	}
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"room": room, "stage": st})
}

// flagBody is the body of POST /rooms/{room}/flags/{id}/{verb}.
type flagBody struct {
	Minutes  int    `json:"minutes"`  // snooze: 1–120 (default 5)
	Response string `json:"response"` // respond: the key of one of the flag's suggested responses
	Text     string `json:"text"`     // respond: the cue the anchor gets (default: the response's text)
	Product  string `json:"product"`  // respond: the flagged product (default: from the flag id)
}

// flagAction is POST /rooms/{room}/flags/{id}/{ack|snooze|respond}.
func (s *Server) flagAction(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	flag, err := url.PathUnescape(c.Params("flag"))
	if err != nil || flag == "" {
		return s.reply(c, invalid("flag", "not a flag id", "不是有效的提醒 ID"))
	}
	var in flagBody
	if len(c.Body()) > 0 {
		if err := c.BodyParser(&in); err != nil {
			return s.reply(c, invalid("body", "the body is not a JSON object", "请求体不是 JSON 对象"))
		}
	}
	who := callerOf(c)
	ctx := c.UserContext()
	switch c.Params("verb") {
	case "ack":
		err = s.Engine.AckFlag(ctx, who.Shop, room, flag, who.Name)
	case "snooze":
		if in.Minutes == 0 {
			in.Minutes = 5
		}
		err = s.Engine.SnoozeFlag(ctx, who.Shop, room, flag, time.Duration(in.Minutes)*time.Minute, who.Name)
	case "respond":
		err = s.respond(c, room, flag, in)
	default:
		return s.reply(c, notFound("flag action "+c.Params("verb")))
	}
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"room": room, "flag": flag, "done": c.Params("verb")})
}

// respond sends the flag's response to the prompter as a cue naming the flag; the engine records
// the response against the flag.
func (s *Server) respond(c *fiber.Ctx, room, flag string, in flagBody) error {
	if in.Response == "" {
		return invalid("response", "name one of the flag's suggested responses", "请选择该提醒的一个建议操作")
	}
	rule, rest, _ := strings.Cut(flag, ":") // flag ids are "<rule>:<product>:<raised ms>"
	if in.Product == "" {
		in.Product, _, _ = strings.Cut(rest, ":")
	}
	if in.Text == "" {
		in.Text = responseText(rule, in.Response)
	}
	who := callerOf(c)
	_, err := s.Stage.SendCue(c.UserContext(), who.Shop, room, stage.CueRequest{Text: in.Text, Flag: flag, Rule: rule,
		Response: in.Response, Product: in.Product}, who.Name)
	return err
}

// responseText is the suggested text of a rule's response key, or the key itself.
func responseText(rule, key string) string {
	for _, r := range live.Responses(rule) {
		if r.Key == key {
			return r.Text
		}
	}
	return key
}
