package api

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/live"
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
	acts, err := s.Rooms.Activity(c.UserContext(), shop)
	if err != nil {
		return s.reply(c, err)
	}
	states, err := s.Engine.Rooms(c.UserContext(), shop)
	if err != nil {
		return s.reply(c, err)
	}
	byRoom := map[string]*roomJSON{}
	for _, a := range acts {
		r := &roomJSON{Room: a.Room, Title: a.Title, Events24h: a.Events24}
		if !a.Last.IsZero() {
			t := a.Last.UTC()
			r.LastEvent = &t
		}
		byRoom[a.Room] = r
	}
	for _, st := range states {
		r, ok := byRoom[st.Room]
		if !ok {
			r = &roomJSON{Room: st.Room}
			byRoom[st.Room] = r
		}
		r.Live = st.State == live.StateLive
		r.SessionID = st.SessionID
	}
	rooms := make([]roomJSON, 0, len(byRoom))
	for _, r := range byRoom {
		if r.Title == "" {
			r.Title = r.Room
		}
		rooms = append(rooms, *r)
	}
	sort.Slice(rooms, func(i, j int) bool {
		a, b := rooms[i], rooms[j]
		if a.Live != b.Live {
			return a.Live
		}
		at, bt := lastOf(a), lastOf(b)
		if !at.Equal(bt) {
			return at.After(bt)
		}
		return a.Room < b.Room
	})
	from, to, next, err := page(c, len(rooms))
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"items": rooms[from:to], "next_cursor": next})
}

func lastOf(r roomJSON) time.Time {
	if r.LastEvent == nil {
		return time.Time{}
	}
	return *r.LastEvent
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
