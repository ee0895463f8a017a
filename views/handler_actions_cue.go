package views

import (
	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk/stage"
)

// actionCue sends a cue to the anchor's prompter: {"text":"强调尺码"}. A flag's suggested
// response also names the flag: {"text":"加赠：下单送…","flag":"no_sale:p7:…","rule":"no_sale",
// "response":"gift","product":"p7"}, and is recorded against it. A text with banned advertising
// words is held back with a 409 naming them (cueBanned) until the operator re-sends it with
// "confirm": true.
func (s *Server) actionCue(c *fiber.Ctx) error {
	var in struct {
		Text     string `json:"text"`
		Flag     string `json:"flag"`
		Rule     string `json:"rule"`
		Response string `json:"response"`
		Product  string `json:"product"`
		Confirm  bool   `json:"confirm"`
	}
	room := actionRoom(c)
	if err := c.BodyParser(&in); err != nil || room == "" {
		return s.badAction(c)
	}
	if held, err := s.cueBanned(c, in.Text, in.Confirm); held || err != nil {
		return err
	}
	u := CurrentUser(c)
	st, err := s.Actions.SendCue(c.UserContext(), u.Shop, room, stage.CueRequest{
		Text: in.Text, Flag: in.Flag, Rule: in.Rule, Response: in.Response, Product: in.Product}, u.Name)
	return s.actionResult(c, st, err)
}
