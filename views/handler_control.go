package views

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk"
)

// RoomControl changes a room's stream: sessions and flags. The live engine implements it.
type RoomControl interface {
	// StartSession begins a stream session (开播) of the room; starting a live room is a no-op.
	StartSession(ctx context.Context, shop, room, by string) error
	// EndSession ends the room's session (下播); ending an idle room is a no-op.
	EndSession(ctx context.Context, shop, room, by string) error
	// AcknowledgeFlag marks an active flag as seen.
	AcknowledgeFlag(ctx context.Context, shop, room, flagID, by string) error
	// SnoozeFlag hides an active flag for d.
	SnoozeFlag(ctx context.Context, shop, room, flagID, by string, d time.Duration) error
}

// TitleSource gives the titles of a shop's products by id (the catalog implements it).
type TitleSource interface {
	Titles(ctx context.Context, shop string) (map[string]string, error)
}

// flagSnooze is how long "remind me later" hides a flag.
const flagSnooze = 5 * time.Minute

// registerControl mounts the control room and its stream actions.
func (s *Server) registerControl(r fiber.Router) {
	r.Get("/rooms/:room", s.RequireRole(RoleAdmin, RoleOperator, RoleViewer), s.controlRoom)
	change := s.RequireRole(StreamRoles...)
	r.Post("/rooms/:room/session/start", change, s.roomAction(func(c *fiber.Ctx, u User, room string) error {
		return s.Control.StartSession(c.UserContext(), u.Shop, room, u.Name)
	}))
	r.Post("/rooms/:room/session/end", change, s.roomAction(func(c *fiber.Ctx, u User, room string) error {
		return s.Control.EndSession(c.UserContext(), u.Shop, room, u.Name)
	}))
	r.Post("/rooms/:room/flags/:flag/ack", change, s.roomAction(func(c *fiber.Ctx, u User, room string) error {
		return s.Control.AcknowledgeFlag(c.UserContext(), u.Shop, room, flagParam(c), u.Name)
	}))
	r.Post("/rooms/:room/flags/:flag/snooze", change, s.roomAction(func(c *fiber.Ctx, u User, room string) error {
		return s.Control.SnoozeFlag(c.UserContext(), u.Shop, room, flagParam(c), u.Name, flagSnooze)
	}))
}

// flagParam returns the flag id of the path (ids hold ':' and arrive percent-encoded).
func flagParam(c *fiber.Ctx) string {
	id, err := url.PathUnescape(c.Params("flag"))
	if err != nil {
		return ""
	}
	return id
}

// controlRoom renders the frame of the control room; the numbers arrive over the room socket.
func (s *Server) controlRoom(c *fiber.Ctx) error {
	u := CurrentUser(c)
	room := c.Params("room")
	ok, historyDown, err := s.Rooms.ExistsLive(c.UserContext(), u.Shop, room)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: control room: %w", err))
	}
	if !ok {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	titles := map[string]string{}
	if s.Titles != nil {
		if t, err := s.Titles.Titles(c.UserContext(), u.Shop); err != nil {
			s.Log.Warn("views: product titles", "shop", u.Shop, "err", err) // ids still identify products
			historyDown = true
		} else {
			titles = t
		}
	}
	p := s.page(c, "cr.title")
	p.HistoryDown = historyDown
	p.Title = room + " · " + p.Title
	p.Room = room
	p.Body = "wide"
	return s.render(c, ControlRoom(p, room, u.CanChangeStream(), titles))
}

// roomAction wraps a stream action: the room must be the user's, the answer is JSON.
func (s *Server) roomAction(do func(c *fiber.Ctx, u User, room string) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Request().Header.Set(fiber.HeaderAccept, fiber.MIMEApplicationJSON) // the stream actions answer JSON
		u := CurrentUser(c)
		room := c.Params("room")
		ok, err := s.Rooms.Exists(c.UserContext(), u.Shop, room)
		if err != nil {
			return s.reply(c, fmt.Errorf("views: room action %s: %w", room, err))
		}
		if !ok {
			return s.reply(c, livedesk.Errorf(livedesk.ENOTFOUND, "views: no room %s", room))
		}
		if err := do(c, u, room); err != nil {
			return s.reply(c, err)
		}
		s.Log.Info("views: room action", "shop", u.Shop, "room", room, "user", u.Name, "path", c.Path())
		return c.JSON(fiber.Map{"ok": true})
	}
}
