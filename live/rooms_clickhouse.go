package live

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk"
)

// Rooms knows which rooms a shop has: those created in the console (ClickHouse table rooms,
// which only this type writes) and those named by its events.
type Rooms struct {
	ch driver.Conn

	// Live, when set, says whether the engine has a live room of the shop right now (from
	// Redis: the hub's latest tick). ExistsLive asks it only when ClickHouse fails, so the
	// console keeps working for a streaming room while the history database is down. It is
	// asked with the user's own shop, so it can only ever admit that shop's room.
	Live func(ctx context.Context, shop, room string) (bool, error)

	mu    sync.Mutex
	known map[string]time.Time // shop\x00room → until when "it exists" may be answered from memory
}

// roomKnownTTL is how long a positive "this room exists" answer is cached.
const roomKnownTTL = time.Minute

// NewRooms returns the rooms of ch.
func NewRooms(ch driver.Conn) *Rooms { return &Rooms{ch: ch, known: map[string]time.Time{}} }

// RoomActivity is a room with its title and how recently it had events.
type RoomActivity struct {
	Room     string
	Title    string
	Last     time.Time // newest event, zero when none
	Events24 uint64    // events in the last 24 hours
}

// Activity returns the shop's rooms created in the console or named by events of the last 90
// days, unordered.
func (r *Rooms) Activity(ctx context.Context, shop string) ([]RoomActivity, error) {
	byRoom := map[string]*RoomActivity{}
	rows, err := r.ch.Query(ctx, `SELECT room, max(ts), countIf(ts >= now() - 86400)
		FROM events WHERE shop = ? AND room != '' AND ts >= now() - 90 * 86400 GROUP BY room`, shop)
	if err != nil {
		return nil, fmt.Errorf("live: list rooms: %w", err)
	}
	for rows.Next() {
		a := &RoomActivity{}
		if err := rows.Scan(&a.Room, &a.Last, &a.Events24); err != nil {
			rows.Close()
			return nil, fmt.Errorf("live: list rooms: %w", err)
		}
		byRoom[a.Room] = a
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live: list rooms: %w", err)
	}
	if err := r.titles(ctx, shop, byRoom); err != nil {
		return nil, err
	}
	out := make([]RoomActivity, 0, len(byRoom))
	for _, a := range byRoom {
		out = append(out, *a)
	}
	return out, nil
}

// titles adds the console's rooms of shop, with their titles, to byRoom.
func (r *Rooms) titles(ctx context.Context, shop string, byRoom map[string]*RoomActivity) error {
	rows, err := r.ch.Query(ctx, "SELECT room, title FROM rooms FINAL WHERE shop = ?", shop)
	if err != nil {
		return fmt.Errorf("live: list rooms: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var room, title string
		if err := rows.Scan(&room, &title); err != nil {
			return fmt.Errorf("live: list rooms: %w", err)
		}
		a, ok := byRoom[room]
		if !ok {
			a = &RoomActivity{Room: room}
			byRoom[room] = a
		}
		a.Title = title
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("live: list rooms: %w", err)
	}
	return nil
}

// Exists reports whether shop has room: created in the console or named by any event. A room
// of another shop with the same name does not count — that is the cross-shop guard.
func (r *Rooms) Exists(ctx context.Context, shop, room string) (bool, error) {
	key := shop + "\x00" + room
	r.mu.Lock()
	until, ok := r.known[key]
	r.mu.Unlock()
	if ok && time.Now().Before(until) {
		return true, nil
	}
	var n uint64
	err := r.ch.QueryRow(ctx, `SELECT (SELECT count() FROM rooms WHERE shop = ? AND room = ?)
		+ (SELECT count() FROM (SELECT 1 FROM events WHERE shop = ? AND room = ? LIMIT 1))`, shop, room, shop, room).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("live: room %s/%s: %w", shop, room, err)
	}
	if n == 0 {
		return false, nil
	}
	r.mu.Lock()
	if len(r.known) > 10_000 {
		r.known = map[string]time.Time{}
	}
	r.known[key] = time.Now().Add(roomKnownTTL)
	r.mu.Unlock()
	return true, nil
}

// ExistsLive is Exists that survives ClickHouse being down: when the query fails and Live says
// the shop's room is live in the engine, it answers true with historyDown set (the page shows
// "history unavailable"). When ClickHouse fails and Live does not know the room, the error is
// an unavailable one (503: the room may exist, nobody can tell now). historyDown is true
// whenever ClickHouse failed.
func (r *Rooms) ExistsLive(ctx context.Context, shop, room string) (ok, historyDown bool, err error) {
	ok, err = r.Exists(ctx, shop, room)
	if err == nil {
		return ok, false, nil
	}
	if r.Live != nil {
		if live, lerr := r.Live(ctx, shop, room); lerr == nil && live {
			return true, true, nil
		}
	}
	return false, true, &livedesk.Error{Code: livedesk.EUNAVAILABLE, Message: "live: room unknown while ClickHouse is down", Err: err}
}

// Create records a room made in the console, titled with its id, unless the console has it
// already.
func (r *Rooms) Create(ctx context.Context, shop, room string, now time.Time) error {
	var n uint64
	if err := r.ch.QueryRow(ctx, "SELECT count() FROM rooms WHERE shop = ? AND room = ?", shop, room).Scan(&n); err != nil {
		return fmt.Errorf("live: create room: %w", err)
	}
	if n > 0 {
		return nil
	}
	b, err := r.ch.PrepareBatch(ctx, "INSERT INTO rooms (shop, room, title, created, version)")
	if err != nil {
		return fmt.Errorf("live: create room: %w", err)
	}
	defer b.Close()
	now = now.UTC()
	if err := b.Append(shop, room, room, now, uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("live: create room: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("live: create room: %w", err)
	}
	return nil
}

// RoomListing is a room of the shop's room list.
type RoomListing struct {
	RoomActivity
	Live      bool   // a stream session is running
	SessionID string // the live session, "" when idle
}

// List returns the shop's rooms for its room list: those of Activity and those the engine knows
// (states, from Engine.Rooms), live ones first, then by newest activity, then by id. A room
// without a title is titled with its id.
func (r *Rooms) List(ctx context.Context, shop string, states []RoomInfo) ([]RoomListing, error) {
	acts, err := r.Activity(ctx, shop)
	if err != nil {
		return nil, err
	}
	byRoom := make(map[string]*RoomListing, len(acts))
	for _, a := range acts {
		byRoom[a.Room] = &RoomListing{RoomActivity: a}
	}
	for _, st := range states {
		l, ok := byRoom[st.Room]
		if !ok {
			l = &RoomListing{RoomActivity: RoomActivity{Room: st.Room}}
			byRoom[st.Room] = l
		}
		l.Live, l.SessionID = st.State == StateLive, st.SessionID
	}
	out := make([]RoomListing, 0, len(byRoom))
	for _, l := range byRoom {
		if l.Title == "" {
			l.Title = l.Room
		}
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Live != b.Live {
			return a.Live
		}
		if !a.Last.Equal(b.Last) {
			return a.Last.After(b.Last)
		}
		return a.Room < b.Room
	})
	return out, nil
}
