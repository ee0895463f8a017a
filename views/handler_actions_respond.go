package views

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/stage"
)

// actionRespond is a flag's suggested response, one tap in the flags panel:
// POST /rooms/:room/flags/:flag/respond {"response":"gift","text":"加赠：下单送…","product":"p7"}.
// The text goes to the prompter as a cue, the cue event names the flag, and the response is
// recorded against the flag by the live engine (Actions.Flags). Like a cue, a text with banned
// words is held back with a 409 until re-sent with "confirm": true.
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
	st, err := s.Actions.SendCue(c.UserContext(), u.Shop, room, stage.CueRequest{
		Text: in.Text, Flag: flag, Rule: in.Rule, Response: in.Response, Product: in.Product}, u.Name)
	return s.actionResult(c, st, err)
}
