package views

import (
	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/stage"
)

// registerActions mounts the operator actions of a room (JSON, called by static/js/actions.js
// from the control room). Each answers with the room's new stage.
func (s *Server) registerActions(r fiber.Router) {
	op := s.RequireRole(StreamRoles...)
	r.Get("/rooms/:room/actions/state", op, s.actionsState)
	r.Post("/rooms/:room/actions/pin", op, s.actionPin)
	r.Post("/rooms/:room/actions/unpin", op, s.actionUnpin)
	r.Post("/rooms/:room/actions/flash", op, s.actionFlashSale)
	r.Post("/rooms/:room/actions/coupon", op, s.actionCoupon)
	r.Post("/rooms/:room/actions/cue", op, s.actionCue)
	r.Post("/rooms/:room/flags/:flag/respond", op, s.actionRespond)
}

// actionRoom returns the :room parameter when it is a valid room id, else "".
func actionRoom(c *fiber.Ctx) string {
	room := c.Params("room")
	if livedesk.ValidID(room) != nil {
		return ""
	}
	return room
}

// actionResult answers an action: the new stage, or the error as a message the user may see.
func (s *Server) actionResult(c *fiber.Ctx, st stage.Stage, err error) error {
	if err != nil {
		return s.reply(c, err)
	}
	return c.JSON(fiber.Map{"stage": st})
}

// badAction answers a request whose body could not be read.
func (s *Server) badAction(c *fiber.Ctx) error {
	return s.fail(c, fiber.StatusBadRequest, "actions.bad")
}

// badYuan answers an action whose money field is not a yuan amount, naming the field.
func badYuan(c *fiber.Ctx, field string) error {
	return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": T(LangOf(c), "products.yuan.bad"), "field": field})
}
