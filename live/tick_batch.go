package live

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Batch ticks: a batch of events that changes a room's numbers ticks that room at once, instead
// of waiting up to a second for the leader's next tick, so the control room moves with the
// events and a rule crossed by a batch raises its flag on that batch.
//
//   - Counters.flush publishes the room ids a batch touched on dirtyChannel, after its Redis
//     pipeline succeeded (so the tick reads the batch's counts; on a cluster the pipeline spans
//     nodes, hence a separate PUBLISH after it rather than one inside it).
//   - Every instance subscribes; only the leader acts (leading is set by Run).
//   - Per room, batch ticks start at most once per PublishGap (default 200 ms: five a second):
//     the first batch after a quiet spell ticks at once, later ones coalesce into one tick at the
//     end of the gap. A room's ticks never overlap: batch ticks and the 1 s tick take the room's
//     lock (tickRoomSerial).
//   - The 1 s tick stays: the heartbeat, idle rooms, session rules and rules that change with
//     time alone (no sale for 5 minutes turns true without any new event). It passes over a room
//     whose batch tick succeeded within the last half tick (busyRoom): that tick did all of it a
//     moment ago, and a second one would only hold the room's lock while the next batch tick
//     waits. A room that goes quiet is ticked by the 1 s tick again within 1.5 s.

// dirtyChannel carries the room ids ("shop\x1froom", joined by "\n") whose counters a batch
// just changed.
const dirtyChannel = "ld:live:dirty"

// defaultPublishGap is the least time between two batch ticks of a room.
const defaultPublishGap = 200 * time.Millisecond

// roomRun is the batch-tick state of one room.
type roomRun struct {
	last    time.Time   // when the last batch tick started
	ok      time.Time   // the engine's clock when the last batch tick succeeded
	running bool        // a batch tick is running
	pending bool        // a batch arrived while it ran
	timer   *time.Timer // a batch tick is scheduled
}

// batchTicks schedules batch ticks per room. It keeps one small entry per room that ever had a
// batch on this leader, like Engine.rooms and Engine.roomLocks.
type batchTicks struct {
	mu    sync.Mutex
	rooms map[string]*roomRun
}

// publishGap is the engine's least gap between batch ticks of a room (0: batch ticks off).
func (e *Engine) publishGap() time.Duration {
	switch {
	case e.PublishGap < 0:
		return 0
	case e.PublishGap == 0:
		return defaultPublishGap
	}
	return e.PublishGap
}

// runBatchTicks follows dirtyChannel until ctx ends and ticks the rooms it names while this
// instance leads.
func (e *Engine) runBatchTicks(ctx context.Context) {
	if e.publishGap() == 0 {
		return
	}
	ps := e.rdb.Subscribe(ctx, dirtyChannel)
	defer ps.Close()
	ch := ps.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			if !e.leading.Load() {
				continue
			}
			for _, id := range strings.Split(m.Payload, "\n") {
				if id != "" {
					e.dirty(ctx, id)
				}
			}
		}
	}
}

// dirty asks for a batch tick of room id: now, or at the end of the room's gap.
func (e *Engine) dirty(ctx context.Context, id string) {
	b := &e.batch
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rooms == nil {
		b.rooms = map[string]*roomRun{}
	}
	r := b.rooms[id]
	if r == nil {
		r = &roomRun{}
		b.rooms[id] = r
	}
	e.scheduleLocked(ctx, id, r)
}

// scheduleLocked starts or schedules r's next batch tick; b.mu is held.
func (e *Engine) scheduleLocked(ctx context.Context, id string, r *roomRun) {
	switch {
	case r.running:
		r.pending = true
	case r.timer != nil:
		// already scheduled: this batch is counted by then
	default:
		wait := time.Until(r.last.Add(e.publishGap()))
		if wait <= 0 {
			e.startLocked(ctx, id, r)
			return
		}
		r.timer = time.AfterFunc(wait, func() {
			e.batch.mu.Lock()
			defer e.batch.mu.Unlock()
			r.timer = nil
			if ctx.Err() == nil {
				e.startLocked(ctx, id, r)
			}
		})
	}
}

// startLocked runs one batch tick of room id in its own goroutine; b.mu is held.
func (e *Engine) startLocked(ctx context.Context, id string, r *roomRun) {
	r.running, r.last = true, time.Now()
	go func() {
		err := e.batchTick(ctx, id)
		e.batch.mu.Lock()
		defer e.batch.mu.Unlock()
		r.running = false
		if err == nil {
			r.ok = e.now()
		}
		if r.pending && ctx.Err() == nil {
			r.pending = false
			e.scheduleLocked(ctx, id, r)
		}
	}()
}

// batchTick ticks one room for a batch of its events.
func (e *Engine) batchTick(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*e.Tick)
	defer cancel()
	start := time.Now()
	shop, room := splitRoomID(id)
	// The room's last live event is read by the tick itself, in its first pipeline.
	err := e.tickRoomSerial(ctx, shop, room, time.Time{}, e.now(), false, true)
	if err != nil && ctx.Err() == nil {
		e.Log.Warn("live: batch tick", "shop", shop, "room", room, "err", err)
	}
	batchTickSeconds.Observe(time.Since(start).Seconds())
	return err
}

// busyRoom reports whether a batch tick of room id succeeded within the last half tick before
// now (the engine's clock): the 1 s tick then passes over the room.
func (e *Engine) busyRoom(id string, now time.Time) bool {
	b := &e.batch
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rooms[id]
	return r != nil && !r.ok.IsZero() && !r.ok.Before(now.Add(-e.Tick/2)) && !r.ok.After(now)
}

// tickRoomSerial runs tickRoom under the room's tick lock, so two ticks of a room (the 1 s tick
// and a batch tick) never interleave, and a tick that waited for the lock uses the time it got
// it (a page never sees the clock go back).
func (e *Engine) tickRoomSerial(ctx context.Context, shop, room string, lastAct, now time.Time, rebuild, batch bool) error {
	v, _ := e.roomLocks.LoadOrStore(roomID(shop, room), &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	defer mu.Unlock()
	if n := e.now(); n.After(now) {
		now = n
	}
	return e.tickRoom(ctx, shop, room, lastAct, now, rebuild, batch)
}
