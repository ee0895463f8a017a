package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/livedesk/livedesk"
	"github.com/redis/go-redis/v9"
)

// SessionEndedFunc is told when a stream session ends (by 下播 or the quiet period), on the
// instance that ended it. The report builder subscribes with Engine.OnSessionEnded.
type SessionEndedFunc func(ctx context.Context, shop, room, sessionID string, start, end time.Time)

// RoomPublisher is what the engine needs of the websocket hub (*hub.Hub): send a room's message
// to every screen of the room, and read back the latest message of a kind.
type RoomPublisher interface {
	Publish(ctx context.Context, shop, room, kind string, body []byte) error
	// PublishPrompter sends to the room's prompter sockets only (an anchor's).
	PublishPrompter(ctx context.Context, shop, room, kind string, body []byte) error
	Latest(ctx context.Context, shop, room, kind string) ([]byte, error)
}

// Engine is the live engine: sessions, settings, flags and the 1-second room tick. Every
// instance has one; only the leader (Redis lock) ticks, but every method works on any instance.
type Engine struct {
	// names is the catalog cache the counters and rebuilds attach questions to products with.
	names     *productNames
	namesOnce sync.Once
	rdb       redis.UniversalClient
	ch        driver.Conn
	// Hub publishes the ticks and keeps the latest of each kind; nil keeps them only in memory
	// (tests).
	Hub RoomPublisher
	Log *slog.Logger
	// Now is the engine's clock; tests replace it.
	Now func() time.Time
	// Tick is the tick period (default 1 s).
	Tick time.Duration
	// Catalog gives stock levels not yet reported by stock events (optional).
	Catalog StockSource
	// ExactWait is how long the 1 s tick waits for the query that settles closed minutes (see
	// settleMinutes) before it goes on with the Redis estimates; the query keeps running and its
	// result is taken by the room's next tick. Default 0: the tick never waits, because it holds
	// the room's lock and a wait delays the room's batch ticks (and, rooms ticking 8 at a time,
	// every other room's 1 s tick) once a minute; the closed minute shows its estimate until
	// the next tick, as it did through its grace period. Tests set it to settle within a tick.
	ExactWait time.Duration
	// Stages gives the pinned product back after Redis was lost (optional; the stage tells the
	// engine every change through SetPinned).
	Stages StageSource

	settings settingsStore
	sessions sessionStore
	flagLog  flagLog
	reader   roomReader

	rules   rulesStore
	changes changeLog
	// Notifier sends raised flags of rules with Notify to the shop's group bot (optional).
	Notifier FlagNotifier
	// PublishGap is the least time between two ticks of a room started by batches of its events
	// (tick_batch.go); 0 means 200 ms, negative turns batch ticks off (the 1 s tick only).
	PublishGap time.Duration

	mu        sync.Mutex
	ended     []SessionEndedFunc
	rooms     map[string]*roomState // leader state per room id
	lastLoad  time.Time             // when the leader last reloaded sessions from ClickHouse
	tickTook  atomic.Int64          // duration of the last leader tick, ns
	leading   atomic.Bool           // this instance holds the leader lock
	batch     batchTicks            // batch-started ticks per room
	roomLocks sync.Map              // room id → *sync.Mutex: one tick of a room at a time
}

// NewEngine returns an engine on Redis and ClickHouse. Start the tick with Run.
func NewEngine(rdb redis.UniversalClient, ch driver.Conn, hub RoomPublisher, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.Default()
	}
	return &Engine{rdb: rdb, ch: ch, Hub: hub, Log: log, Tick: time.Second,
		settings: settingsStore{ch}, sessions: sessionStore{ch}, flagLog: flagLog{ch}, reader: roomReader{rdb},
		rules: rulesStore{ch}, changes: changeLog{ch}, rooms: map[string]*roomState{}}
}

// Counters returns the ingest observer that feeds this engine's Redis buckets.
func (e *Engine) Counters() *Counters {
	c := NewCounters(e.rdb, e.Log)
	c.Now = e.now
	// The catalog is read when a batch needs it: cmd sets e.Catalog after taking the counters.
	e.namesOnce.Do(func() {
		e.names = &productNames{list: func() ProductLister {
			l, _ := e.Catalog.(ProductLister)
			return l
		}}
	})
	c.names = e.names
	return c
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

// roomID joins shop and room (neither contains the separator: ingest limits ids to printable text).
func roomID(shop, room string) string { return shop + "\x1f" + room }

func splitRoomID(id string) (shop, room string) {
	shop, room, _ = strings.Cut(id, "\x1f")
	return shop, room
}

// OnSessionEnded registers f to run when a session ends.
func (e *Engine) OnSessionEnded(f SessionEndedFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ended = append(e.ended, f)
}

// sessionKey holds the room's live session as JSON (the fast copy of stream_sessions).
func sessionKey(shop, room string) string { return "ld:live:session:" + roomTag(shop, room) }

// liveRoomsKey is a set of room ids with a live session.
const liveRoomsKey = "ld:live:liverooms"

// CurrentSession returns the room's live session, if any.
func (e *Engine) CurrentSession(ctx context.Context, shop, room string) (Session, bool, error) {
	return sessionOf(shop, room, e.rdb.Get(ctx, sessionKey(shop, room)))
}

// sessionOf decodes the answer to a GET of the room's sessionKey (CurrentSession, or a pipeline
// that read it).
func sessionOf(shop, room string, cmd *redis.StringCmd) (Session, bool, error) {
	b, err := cmd.Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("live: current session %s/%s: %w", shop, room, err)
	}
	var s Session
	if err := json.Unmarshal(b, &s); err != nil {
		return Session{}, false, fmt.Errorf("live: current session %s/%s: %w", shop, room, err)
	}
	return s, true, nil
}

// StartSession starts a session (开播) and returns it; when one is already live it returns that
// one unchanged.
func (e *Engine) StartSession(ctx context.Context, shop, room string) (Session, error) {
	return e.startSession(ctx, shop, room, false, time.Time{})
}

// startSession starts a session at from (an automatic start: the first event of the burst that
// triggered it) or, when from is zero or not in the past, now.
func (e *Engine) startSession(ctx context.Context, shop, room string, auto bool, from time.Time) (Session, error) {
	now := e.now().Truncate(time.Second)
	started := now
	if !from.IsZero() && from.Before(now) {
		started = from.Truncate(time.Second)
	}
	s := Session{Shop: shop, Room: room, ID: newSessionID(room, started), Started: started, Auto: auto}
	b, _ := json.Marshal(s)
	ok, err := e.rdb.SetNX(ctx, sessionKey(shop, room), b, 0).Result()
	if err != nil {
		return Session{}, fmt.Errorf("live: start session %s/%s: %w", shop, room, err)
	}
	if !ok {
		cur, live, err := e.CurrentSession(ctx, shop, room)
		if err != nil || live {
			return cur, err
		}
		return e.startSession(ctx, shop, room, auto, from) // ended meanwhile
	}
	if err := e.sessions.put(ctx, s); err != nil {
		e.warnRedis(e.rdb.Del(ctx, sessionKey(shop, room)).Err(), "live: undo session start", shop, room)
		return Session{}, err
	}
	e.warnRedis(e.rdb.SAdd(ctx, liveRoomsKey, roomID(shop, room)).Err(), "live: add to live rooms", shop, room)
	e.clearFlags(ctx, shop, room, "") // flags raised while idle do not carry into the session
	e.Log.Info("live: session started", "shop", shop, "room", room, "session", s.ID, "auto", auto)
	return s, nil
}

// ErrNotLive means the room has no live session (下播 of an idle room).
var ErrNotLive = &livedesk.Error{Code: livedesk.ENOTFOUND, Message: "live: no live session"}

// EndSession ends the room's live session (下播) and returns it. ErrNotLive when none is live.
func (e *Engine) EndSession(ctx context.Context, shop, room string) (Session, error) {
	return e.endSession(ctx, shop, room, e.now(), EndedByOperator)
}

// warnRedis logs a failed Redis write whose caller goes on without it (the next tick or restore
// usually repairs it, but the drift must be visible). A nil err logs nothing.
func (e *Engine) warnRedis(err error, msg, shop, room string) {
	if err != nil {
		e.Log.Warn(msg, "shop", shop, "room", room, "err", err)
	}
}

// endSession ends the room's live session at at (by says who ended it), clears its Redis state
// and runs the session-ended hooks. ErrNotFound when none is live.
func (e *Engine) endSession(ctx context.Context, shop, room string, at time.Time, by string) (Session, error) {
	s, live, err := e.CurrentSession(ctx, shop, room)
	if err != nil {
		return Session{}, err
	}
	if !live {
		return Session{}, ErrNotLive
	}
	s.Ended, s.EndedBy = at.UTC().Truncate(time.Second), by
	if s.Ended.Before(s.Started) {
		s.Ended = s.Started
	}
	if err := e.sessions.put(ctx, s); err != nil {
		return Session{}, err
	}
	// Delete only if it is still the same session (a concurrent end and restart must not lose
	// the new one).
	if cur, live, _ := e.CurrentSession(ctx, shop, room); live && cur.ID == s.ID {
		e.warnRedis(e.rdb.Del(ctx, sessionKey(shop, room)).Err(), "live: delete ended session", shop, room)
	}
	e.warnRedis(e.rdb.SRem(ctx, liveRoomsKey, roomID(shop, room)).Err(), "live: remove from live rooms", shop, room)
	e.warnRedis(e.rdb.Set(ctx, endedKey(shop, room), s.Ended.Unix(), 24*time.Hour).Err(), "live: set ended marker", shop, room)
	// The next automatic start begins at a new burst.
	e.warnRedis(e.rdb.Del(ctx, burstKey(shop, room)).Err(), "live: clear burst start", shop, room)
	e.clearFlags(ctx, shop, room, s.ID)
	e.Log.Info("live: session ended", "shop", shop, "room", room, "session", s.ID, "by", by)
	e.mu.Lock()
	hooks := append([]SessionEndedFunc(nil), e.ended...)
	e.mu.Unlock()
	for _, f := range hooks {
		f(ctx, shop, room, s.ID, s.Started, s.Ended)
	}
	return s, nil
}

// Sessions returns the room's sessions, newest first (at most limit).
func (e *Engine) Sessions(ctx context.Context, shop, room string, limit int) ([]Session, error) {
	return e.sessions.room(ctx, shop, room, limit)
}

// SessionByID returns one session of the shop.
func (e *Engine) SessionByID(ctx context.Context, shop, id string) (Session, bool, error) {
	return e.sessions.byID(ctx, shop, id)
}

// EndedSessions returns every shop's sessions that ended at or after since.
func (e *Engine) EndedSessions(ctx context.Context, since time.Time) ([]Session, error) {
	return e.sessions.EndedSince(ctx, since)
}

// Snapshot returns the latest published "tick" envelope of the room
// ({"seq":N,"kind":"tick","room":…,"data":Snapshot}), nil when none was published yet.
func (e *Engine) Snapshot(ctx context.Context, shop, room string) ([]byte, error) {
	return e.latest(ctx, shop, room, "tick")
}

// latest returns the latest published envelope of kind for the room, nil when none.
func (e *Engine) latest(ctx context.Context, shop, room, kind string) ([]byte, error) {
	if e.Hub == nil {
		return nil, nil
	}
	return e.Hub.Latest(ctx, shop, room, kind)
}

// RoomInfo is a room the engine knows for a shop.
type RoomInfo struct {
	Room      string    `json:"room"`
	State     string    `json:"state"` // StateLive or StateIdle
	SessionID string    `json:"session_id"`
	LastEvent time.Time `json:"last_event"` // zero when no live event in the last day
}

// Rooms lists the shop's rooms with a live session, a live event in the last day, or a session
// in the last 30 days, live ones first, then by name.
func (e *Engine) Rooms(ctx context.Context, shop string) ([]RoomInfo, error) {
	byRoom := map[string]*RoomInfo{}
	get := func(room string) *RoomInfo {
		if byRoom[room] == nil {
			byRoom[room] = &RoomInfo{Room: room, State: StateIdle}
		}
		return byRoom[room]
	}
	since := float64(e.now().Add(-24 * time.Hour).Unix())
	zs, err := e.rdb.ZRangeByScoreWithScores(ctx, activeRoomsKey, &redis.ZRangeBy{Min: fmt.Sprint(since), Max: "+inf"}).Result()
	if err != nil {
		return nil, fmt.Errorf("live: rooms %s: %w", shop, err)
	}
	for _, z := range zs {
		if s, r := splitRoomID(z.Member.(string)); s == shop {
			get(r).LastEvent = time.Unix(int64(z.Score), 0).UTC()
		}
	}
	ss, err := e.sessions.query(ctx, selectSessions+`
		WHERE shop = ? AND started >= ? ORDER BY started`, shop, e.now().Add(-30*24*time.Hour))
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		ri := get(s.Room)
		if s.Live() {
			ri.State, ri.SessionID = StateLive, s.ID
		}
	}
	out := make([]RoomInfo, 0, len(byRoom))
	for _, ri := range byRoom {
		out = append(out, *ri)
	}
	sortRooms(out)
	return out, nil
}
