package views

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/livedesk/livedesk/live"
)

// RoomRow is one line of the room list.
type RoomRow struct {
	Room     string
	Title    string
	Last     time.Time // newest event, zero when none
	Events24 uint64    // events in the last 24 hours
	Live     bool      // a stream session is running
}

// RoomStates tells which rooms of a shop are live (the live engine implements it).
type RoomStates interface {
	Rooms(ctx context.Context, shop string) ([]live.RoomInfo, error)
}

// roomKnownTTL is how long a positive "this room exists" answer is cached.
const roomKnownTTL = time.Minute

// roomCache remembers rooms known to exist, per shop and room.
type roomCache struct {
	mu sync.Mutex
	m  map[string]time.Time
}

var knownRooms = &roomCache{m: map[string]time.Time{}}

// listRooms returns the shop's rooms: those created in the console, those named by events of the
// last 90 days and those the live engine knows; live rooms first, then by newest activity.
func (s *Server) listRooms(ctx context.Context, shop string) ([]RoomRow, error) {
	byRoom := map[string]*RoomRow{}
	rows, err := s.CH.Query(ctx, `SELECT room, max(ts), countIf(ts >= now() - 86400)
		FROM events WHERE shop = ? AND room != '' AND ts >= now() - 90 * 86400 GROUP BY room`, shop)
	if err != nil {
		return nil, fmt.Errorf("views: list rooms: %w", err)
	}
	for rows.Next() {
		r := &RoomRow{}
		if err := rows.Scan(&r.Room, &r.Last, &r.Events24); err != nil {
			rows.Close()
			return nil, fmt.Errorf("views: list rooms: %w", err)
		}
		byRoom[r.Room] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("views: list rooms: %w", err)
	}
	rows, err = s.CH.Query(ctx, "SELECT room, title FROM rooms FINAL WHERE shop = ?", shop)
	if err != nil {
		return nil, fmt.Errorf("views: list rooms: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var room, title string
		if err := rows.Scan(&room, &title); err != nil {
			return nil, fmt.Errorf("views: list rooms: %w", err)
		}
		r, ok := byRoom[room]
		if !ok {
			r = &RoomRow{Room: room}
			byRoom[room] = r
		}
		r.Title = title
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("views: list rooms: %w", err)
	}
	if s.States != nil {
		states, err := s.States.Rooms(ctx, shop)
		if err != nil {
			return nil, err
		}
		for _, st := range states {
			r, ok := byRoom[st.Room]
			if !ok {
				r = &RoomRow{Room: st.Room}
				byRoom[st.Room] = r
			}
			r.Live = st.State == live.StateLive
		}
	}
	out := make([]RoomRow, 0, len(byRoom))
	for _, r := range byRoom {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Live != out[j].Live {
			return out[i].Live
		}
		if !out[i].Last.Equal(out[j].Last) {
			return out[i].Last.After(out[j].Last)
		}
		return out[i].Room < out[j].Room
	})
	return out, nil
}

// roomExists reports whether shop has room: created in the console or named by any event. A
// room of another shop with the same name does not count — that is the cross-shop guard.
func (s *Server) roomExists(ctx context.Context, shop, room string) (bool, error) {
	key := shop + "\x00" + room
	knownRooms.mu.Lock()
	until, ok := knownRooms.m[key]
	knownRooms.mu.Unlock()
	if ok && time.Now().Before(until) {
		return true, nil
	}
	var n uint64
	err := s.CH.QueryRow(ctx, `SELECT (SELECT count() FROM rooms WHERE shop = ? AND room = ?)
		+ (SELECT count() FROM (SELECT 1 FROM events WHERE shop = ? AND room = ? LIMIT 1))`, shop, room, shop, room).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("views: room %s/%s: %w", shop, room, err)
	}
	if n == 0 {
		return false, nil
	}
	knownRooms.mu.Lock()
	if len(knownRooms.m) > 10_000 {
		knownRooms.m = map[string]time.Time{}
	}
	knownRooms.m[key] = time.Now().Add(roomKnownTTL)
	knownRooms.mu.Unlock()
	return true, nil
}

// createRoom records a room made in the console.
func (s *Server) createRoom(ctx context.Context, shop, room string) error {
	b, err := s.CH.PrepareBatch(ctx, "INSERT INTO rooms (shop, room, title, created, version)")
	if err != nil {
		return fmt.Errorf("views: create room: %w", err)
	}
	defer b.Close()
	now := s.now().UTC()
	if err := b.Append(shop, room, room, now, uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("views: create room: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("views: create room: %w", err)
	}
	return nil
}
