package api

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
)

// roomJSON is a room of the list.
type roomJSON struct {
	Room      string     `json:"room"`
	Title     string     `json:"title"`
	Live      bool       `json:"live"`
	SessionID string     `json:"session_id,omitempty"`
	LastEvent *time.Time `json:"last_event"` // null: no event in the last 90 days
	Events24h uint64     `json:"events_24h"`
}

// listRooms is GET /rooms: the shop's rooms, live ones first, then by latest activity.
func (s *Server) listRooms(c *fiber.Ctx) error {
	shop := callerOf(c).Shop
	states, err := s.Engine.Rooms(c.UserContext(), shop)
	if err != nil {
		return s.reply(c, err)
	}
	list, err := s.Rooms.List(c.UserContext(), shop, states)
	if err != nil {
		return s.reply(c, err)
	}
	from, to, next, err := page(c, len(list))
	if err != nil {
		return s.reply(c, err)
	}
	items := make([]roomJSON, 0, to-from)
	for _, r := range list[from:to] {
		items = append(items, roomJSON{Room: r.Room, Title: r.Title, Live: r.Live, SessionID: r.SessionID,
			LastEvent: timeOrNil(r.Last), Events24h: r.Events24})
	}
	return s.ok(c, fiber.Map{"items": items, "next_cursor": next})
}

// room returns the :room of the caller's shop, or an error: invalid id, or not found (another
// shop's room with the same name is not found either).
func (s *Server) room(c *fiber.Ctx) (string, error) {
	room, err := roomParam(c)
	if err != nil {
		return "", err
	}
	ok, err := s.Rooms.Exists(c.UserContext(), callerOf(c).Shop, room)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", notFound("room " + room)
	}
	return room, nil
}

// roomLive is GET /rooms/{room}/live: the snapshot the control room received last (tiles,
// products, flags with rule and product, questions, comments, ads, pinned), its envelope's seq
// beside it. 404 until the room's first tick.
func (s *Server) roomLive(c *fiber.Ctx) error {
	return s.latest(c, "snapshot", s.Engine.Snapshot)
}

// roomMinutes is GET /rooms/{room}/minutes: the closed minutes of the current session.
func (s *Server) roomMinutes(c *fiber.Ctx) error {
	return s.latest(c, "minutes", s.Engine.Minutes)
}

// latest answers the data of the room's latest hub envelope read by get, under key.
func (s *Server) latest(c *fiber.Ctx, key string, get func(ctx context.Context, shop, room string) ([]byte, error)) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	raw, err := get(c.UserContext(), callerOf(c).Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	if raw == nil {
		return s.reply(c, notFound("live data of room "+room+" (no event has reached it in this session yet)"))
	}
	var env struct {
		Seq  int64           `json:"seq"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return s.reply(c, fmt.Errorf("api: %s envelope of %s: %w", key, room, err))
	}
	return s.ok(c, fiber.Map{"room": room, "seq": env.Seq, key: env.Data})
}

// roomStage is GET /rooms/{room}/stage: what the prompter shows.
func (s *Server) roomStage(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	st, err := s.Stage.Stage(c.UserContext(), callerOf(c).Shop, room)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"room": room, "stage": st})
}
