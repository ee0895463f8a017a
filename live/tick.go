package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"
)

// Tick constants.
const (
	// activeFor keeps ticking a room this long after its last live event.
	activeFor = 10 * time.Minute
	// idleLookBack is what an idle room's snapshot covers.
	idleLookBack = time.Hour
	// autoStartRecent: an auto start needs a live event this recent.
	autoStartRecent = time.Minute
	// restartGuard: after a session ends, only live events this much later start a new one
	// automatically (viewers trickling out after 下播 must not restart the stream).
	restartGuard = 5 * time.Minute
	// rebuildTimeout bounds one room's rebuild from ClickHouse.
	rebuildTimeout = time.Minute
	// tickParallel is how many rooms tick at once.
	tickParallel = 8
	// reloadEvery is how often the leader restores live sessions from ClickHouse into Redis.
	reloadEvery = 10 * time.Second
)

// endedKey holds when the room's last session ended (unix seconds).
func endedKey(shop, room string) string { return "ld:live:ended:" + roomTag(shop, room) }

// Run ticks every e.Tick while this instance holds the leader lock, until ctx ends. Every
// instance runs it; at most one leads at a time (lock TTL 3 ticks). The lock is refreshed every
// tick by a goroutine of its own (keepLead), not between ticks: a tick slower than the TTL (a
// loaded machine, a room's rebuild from ClickHouse, which may take up to rebuildTimeout) must
// not hand the lead to another instance while this one is still ticking.
func (e *Engine) Run(ctx context.Context) {
	locker := redislock.New(e.rdb)
	ttl := 3 * e.Tick
	var lock *redislock.Lock
	t := time.NewTicker(e.Tick)
	defer t.Stop()
	var kept sync.WaitGroup
	defer func() {
		e.leading.Store(false)
		kept.Wait()
		if lock != nil {
			_ = lock.Release(context.Background())
		}
	}()
	go e.runBatchTicks(ctx)
	for first := true; ; first = false {
		if !first { // the first tick runs at once: a restarted instance leads without a tick's wait
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		if !e.leading.Load() {
			l, err := locker.Obtain(ctx, leaderKey, ttl, nil)
			if err != nil {
				if !errors.Is(err, redislock.ErrNotObtained) && ctx.Err() == nil {
					e.Log.Warn("live: leader lock", "err", err)
				}
				continue
			}
			kept.Wait() // the previous lock's keeper has stopped (it cleared leading)
			lock = l
			e.leading.Store(true)
			kept.Add(1)
			go func() { defer kept.Done(); e.keepLead(ctx, l, ttl) }()
		}
		tctx, cancel := context.WithTimeout(ctx, ttl)
		start := time.Now()
		if err := e.TickAll(tctx); err != nil && ctx.Err() == nil {
			e.Log.Error("live: tick", "err", err)
		}
		took := time.Since(start)
		e.tickTook.Store(int64(took))
		tickSeconds.Observe(took.Seconds())
		cancel()
	}
}

// keepLead refreshes the leader lock every tick until ctx ends or a refresh fails (the lock
// lapsed or Redis is unreachable); then this instance no longer leads.
func (e *Engine) keepLead(ctx context.Context, l *redislock.Lock, ttl time.Duration) {
	t := time.NewTicker(e.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.Refresh(ctx, ttl, nil); err != nil {
			if ctx.Err() == nil {
				e.Log.Warn("live: leader lock lost", "err", err)
			}
			e.leading.Store(false)
			return
		}
	}
}

// LastTick is how long this instance's last leader tick took (0 when it never led).
func (e *Engine) LastTick() time.Duration { return time.Duration(e.tickTook.Load()) }

// TickAll runs one tick of every room that has a live session or a recent live event. The
// leader calls it every second; tests call it directly with a controlled clock.
func (e *Engine) TickAll(ctx context.Context) error {
	now := e.now()
	fresh, err := e.rdb.SetNX(ctx, epochKey, now.Unix(), 0).Result()
	if err != nil {
		return fmt.Errorf("live: tick epoch: %w", err)
	}
	if fresh {
		e.Log.Warn("live: Redis holds no live data (new or lost); rebuilding live rooms from ClickHouse")
		e.lastLoad = time.Time{}
	}
	if now.Sub(e.lastLoad) >= reloadEvery || now.Before(e.lastLoad) {
		if err := e.restoreSessions(ctx, now); err != nil {
			e.Log.Warn("live: restore sessions", "err", err)
		} else {
			e.lastLoad = now
		}
	}
	pipe := e.rdb.Pipeline()
	liveC := pipe.SMembers(ctx, liveRoomsKey)
	actC := pipe.ZRangeByScoreWithScores(ctx, activeRoomsKey, &redis.ZRangeBy{
		Min: strconv.FormatInt(now.Add(-activeFor).Unix(), 10), Max: "+inf"})
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("live: tick rooms: %w", err)
	}
	last := map[string]time.Time{}
	for _, id := range liveC.Val() {
		last[id] = time.Time{}
	}
	for _, z := range actC.Val() {
		last[z.Member.(string)] = time.Unix(int64(z.Score), 0)
	}
	if fresh && len(last) > 0 {
		ids := make([]any, 0, len(last))
		for id := range last {
			ids = append(ids, id)
		}
		// Remembered until each room's rebuild succeeds, even if this tick times out.
		if err := e.rdb.SAdd(ctx, needRebuildKey, ids...).Err(); err != nil {
			return fmt.Errorf("live: tick rebuild set: %w", err)
		}
	}
	// Rooms tick in parallel (a few at a time) so one slow room does not delay the others.
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	sem := make(chan struct{}, tickParallel)
	for id, act := range last {
		if !fresh && e.busyRoom(id, now) {
			continue
		}
		shop, room := splitRoomID(id)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := e.tickRoomSerial(ctx, shop, room, act, now, fresh, false); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// restoreSessions makes Redis agree with ClickHouse about live sessions (after Redis was lost)
// and trims the activity set.
func (e *Engine) restoreSessions(ctx context.Context, now time.Time) error {
	ss, err := e.sessions.query(ctx, selectSessions+`
		WHERE ended = toDateTime(0, 'UTC') ORDER BY started`)
	if err != nil {
		return err
	}
	pipe := e.rdb.Pipeline()
	for _, s := range ss {
		b, _ := json.Marshal(s)
		pipe.SetNX(ctx, sessionKey(s.Shop, s.Room), b, 0)
		pipe.SAdd(ctx, liveRoomsKey, roomID(s.Shop, s.Room))
	}
	pipe.ZRemRangeByScore(ctx, activeRoomsKey, "-inf", strconv.FormatInt(now.Add(-48*time.Hour).Unix(), 10))
	_, err = pipe.Exec(ctx)
	return err
}

// tickRoom runs the session rules, reads the room, evaluates the flags and publishes the
// snapshot. Callers hold the room's tick lock (tickRoomSerial).
// rebuild says Redis was found empty this tick: rooms without a marker are rebuilt from
// ClickHouse (otherwise such a room is new and its marker is simply set). batch says a batch of
// events started the tick (tick_batch.go): it does not wait for the settle query of closed
// minutes, whose result a later tick takes.
func (e *Engine) tickRoom(ctx context.Context, shop, room string, lastAct, now time.Time, rebuild, batch bool) error {
	id := roomID(shop, room)
	var sessC *redis.StringCmd
	var actC *redis.FloatCmd
	var lateC *redis.StringSliceCmd
	docs, err := e.loadDocs(ctx, shop, room, func(p redis.Pipeliner) {
		sessC = p.Get(ctx, sessionKey(shop, room))
		if batch { // the 1 s tick has it from its list of rooms
			actC = p.ZScore(ctx, activeRoomsKey, id)
		}
		lateC = p.SPopN(ctx, lateKey(shop, room), lateBatch)
	})
	e.takeLate(ctx, shop, room, lateC) // popped: taken even if the tick fails below
	if err != nil {
		return err
	}
	if actC != nil {
		if v, err := actC.Result(); err == nil {
			lastAct = time.Unix(int64(v), 0)
		}
	}
	s, rules := docs.resolve()
	sess, live, err := sessionOf(shop, room, sessC)
	if err != nil {
		return err
	}
	if sess, live, err = e.sessionRules(ctx, shop, room, s, sess, live, lastAct, now); err != nil {
		return err
	}
	from, key := now.Add(-idleLookBack), "idle"
	if live {
		from, key = sess.Started, sess.ID
	}
	e.mu.Lock()
	st := e.rooms[id]
	if st == nil || st.key != key {
		st = newRoomState(key)
		e.rooms[id] = st
	}
	e.mu.Unlock()
	e.settleMinutes(ctx, shop, room, st, from, now, !batch)
	d, err := e.reader.read(ctx, shop, room, now, from, s.window(), st)
	if err != nil {
		return err
	}
	if d, err = e.ensureComplete(ctx, shop, room, st, s, d, from, now, rebuild); err != nil {
		return err
	}
	if err := e.fillStock(ctx, shop, &d); err != nil {
		e.Log.Warn("live: stock from catalog", "err", err) // the rules run on what is known
	}
	in := inputFromRoom(d, s.WindowS, now)
	if err := e.reader.readRuleInput(ctx, shop, room, &in, d, rules, from, st); err != nil {
		return err
	}
	flags, changes, err := reconcile(ctx, e.rdb, shop, room, evalRules(rules, in), now)
	if err != nil {
		return err
	}
	e.storeFlagChanges(ctx, shop, room, sess.ID, changes)
	e.notifyFlags(ctx, shop, room, changes)
	snap := buildSnapshot(room, sess, live, now, d, flags, s)
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("live: encode snapshot %s/%s: %w", shop, room, err)
	}
	// The minutes go first: a page that sees a tick already has the series it continues.
	sessID := ""
	if live {
		sessID = sess.ID
	}
	if err := e.publishMinutes(ctx, shop, room, sessID, st, d.Minutes, now); err != nil {
		return err
	}
	if e.Hub == nil {
		return nil
	}
	if err := e.Hub.Publish(ctx, shop, room, "tick", b); err != nil {
		return err
	}
	return e.publishPrompter(ctx, shop, room, snap)
}

// ensureComplete makes sure d comes from a complete set of the room's Redis keys and returns
// the data to use. The room is in one of three states:
//
//   - complete: the marker key exists; d is returned as read.
//   - new: no marker, Redis was not found empty this tick (rebuild false) and the room is not in
//     the need-rebuild set; the marker is set and d is returned as read.
//   - lost: no marker and either Redis was found empty this tick or the room is still in the
//     need-rebuild set; the room is rebuilt from ClickHouse (not cut short by the tick's
//     deadline), taken out of the set, its cached state reset, and read again.
func (e *Engine) ensureComplete(ctx context.Context, shop, room string, st *roomState, s Settings, d roomData, from, now time.Time, rebuild bool) (roomData, error) {
	if d.Complete {
		return d, nil
	}
	id := roomID(shop, room)
	if !rebuild {
		pending, err := e.rdb.SIsMember(ctx, needRebuildKey, id).Result()
		if err != nil {
			return d, fmt.Errorf("live: rebuild set %s/%s: %w", shop, room, err)
		}
		rebuild = pending
	}
	if !rebuild {
		if err := e.rdb.Set(ctx, markerKey(shop, room), now.Unix(), BucketTTL).Err(); err != nil {
			return d, fmt.Errorf("live: marker %s/%s: %w", shop, room, err)
		}
		return d, nil
	}
	// A rebuild may take longer than a tick; it is not cut short by the tick's deadline.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rebuildTimeout)
	err := e.rebuild(rctx, shop, room, from, now)
	cancel()
	if err != nil {
		return d, err
	}
	if err := e.rdb.SRem(ctx, needRebuildKey, id).Err(); err != nil {
		return d, fmt.Errorf("live: rebuild set %s/%s: %w", shop, room, err)
	}
	clear(st.minutes)
	clear(st.exact) // the Redis copy is gone too: recompute from ClickHouse
	st.exactLoaded, st.merged, st.published = false, 0, nil
	e.settleMinutes(ctx, shop, room, st, from, now, true)
	return e.reader.read(ctx, shop, room, now, from, s.window(), st)
}

// sessionRules starts a session on a recent live event (AutoStart) and ends one after the
// quiet period, given the room's current session as the tick read it (sess, live); it returns
// the room's live session after those rules.
func (e *Engine) sessionRules(ctx context.Context, shop, room string, s Settings, sess Session, live bool, lastAct, now time.Time) (Session, bool, error) {
	if live && s.QuietS > 0 && !lastAct.IsZero() {
		quiet := time.Duration(s.QuietS) * time.Second
		if now.Sub(lastAct) > quiet && now.Sub(sess.Started) > quiet {
			if _, err := e.endSession(ctx, shop, room, lastAct, EndedByQuiet); err != nil && !errors.Is(err, ErrNotLive) {
				return sess, live, err
			}
			return Session{}, false, nil
		}
	}
	if live || !s.AutoStart || lastAct.IsZero() || now.Sub(lastAct) > autoStartRecent {
		return sess, live, nil
	}
	endedAt, err := e.rdb.Get(ctx, endedKey(shop, room)).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return sess, live, err
	}
	if endedAt > 0 && lastAct.Before(time.Unix(endedAt, 0).Add(restartGuard)) {
		return sess, live, nil
	}
	// Start with the first event of the burst, never before the previous session's end.
	var from time.Time
	if first, err := e.rdb.Get(ctx, burstKey(shop, room)).Int64(); err == nil && first > 0 {
		from = time.Unix(first, 0)
		if endedAt > 0 && from.Before(time.Unix(endedAt, 0)) {
			from = time.Unix(endedAt, 0)
		}
	}
	sess, err = e.startSession(ctx, shop, room, true, from)
	return sess, err == nil, err
}
