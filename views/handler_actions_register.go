package views

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/stage"
)

// registerActions mounts the operator actions of a room (JSON, called by static/js/actions.js
// from the control room). Each answers with the room's new stage.
func (s *Server) registerActions(r fiber.Router) {
	op, room := s.RequireRole(StreamRoles...), s.requireRoom
	r.Get("/rooms/:room/actions/state", op, room, s.actionsState)
	r.Post("/rooms/:room/actions/pin", op, room, s.actionPin)
	r.Post("/rooms/:room/actions/unpin", op, room, s.actionUnpin)
	r.Post("/rooms/:room/actions/flash", op, room, s.actionFlashSale)
	r.Post("/rooms/:room/actions/coupon", op, room, s.actionCoupon)
	r.Post("/rooms/:room/actions/cue", op, room, s.actionCue)
	r.Post("/rooms/:room/flags/:flag/respond", op, room, s.actionRespond)
}

// requireRoom answers 404 (JSON) unless the user's shop has the :room: an action never creates
// a room by naming it.
func (s *Server) requireRoom(c *fiber.Ctx) error {
	c.Request().Header.Set(fiber.HeaderAccept, fiber.MIMEApplicationJSON)
	room := actionRoom(c)
	if room == "" {
		return s.badAction(c)
	}
	ok, err := s.Rooms.Exists(c.UserContext(), CurrentUser(c).Shop, room)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: action room %s: %w", room, err))
	}
	if !ok {
		return s.reply(c, livedesk.Errorf(livedesk.ENOTFOUND, "views: no room %s", room))
	}
	return c.Next()
}

// actionRoom returns the :room parameter when it is a valid room id, else "".
func actionRoom(c *fiber.Ctx) string {
	room := c.Params("room")
	if livedesk.ValidRoom(room) != nil {
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
