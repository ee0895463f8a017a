package live

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/redis/go-redis/v9"
)

// Closed minutes are exact: once a minute has closed and exactGrace has passed (so the last
// batches of its stragglers are stored), the tick leader computes its numbers from the raw
// events in ClickHouse — every event id counted once, distinct users with uniqExact — and caches
// them in Redis (exactKey). Redis HyperLogLog estimates are used only for the open minute, the
// sliding windows, the session's distinct users and a just-closed minute still in its grace
// period (Metrics.Exact says which). An event that arrives for a closed minute (a late event)
// marks the minute in lateKey (Counters.Observe, in the batch's one pipeline, after the event is
// durable); the next tick computes that minute again and publishes the corrected series.
const (
	// exactGrace is how long after a minute ends it is computed from ClickHouse.
	exactGrace = 3 * time.Second
	// exactMaxPerTick bounds the minutes of one settle query (the catch-up of a long session
	// after a restart or Redis loss is spread over several queries, newest minutes first).
	exactMaxPerTick = 10
	// exactTimeout bounds one settle query (it runs off the tick).
	exactTimeout = time.Minute
	// exactRetry is how long a room waits after a failed ClickHouse read before trying again
	// (its closed minutes stay on the Redis estimates meanwhile).
	exactRetry = 10 * time.Second
	// lateBatch is how many late minutes one tick takes from lateKey.
	lateBatch = 1000
	// exactPause: after a settle query that took exactSlow or longer a room starts the next one
	// no sooner than exactPause times its duration later, so a room's settle queries keep
	// ClickHouse busy at most 1/(1+exactPause) of the time (faster ones run at most once a tick,
	// which is as little). A steady stream of late events into a busy minute (a producer
	// catching up on a backlog) made the leader recompute that minute back to back — a
	// million-row minute took 1–5 s each time, one ClickHouse core.
	exactPause = 4
	exactSlow  = 250 * time.Millisecond
)

// exactKey is a hash minute (unix seconds) → the minute's exact numbers (JSON exactMinute).
func exactKey(shop, room string) string { return "ld:live:exact:" + roomTag(shop, room) }

// lateKey is a set of closed minutes (unix seconds) that received events after they closed.
func lateKey(shop, room string) string { return "ld:live:late:" + roomTag(shop, room) }

// exactMinute is the stored form of an exact minute.
type exactMinute struct {
	C counts    `json:"c"`
	D distincts `json:"d"`
}

// settledBefore is the first minute that is not yet settled at now: minutes before it ended at
// least exactGrace ago.
func settledBefore(now time.Time) int64 { return bucketStart(now.Add(-exactGrace), spanMinute) }

// settleMinutes brings st.exact up to date for the closed minutes of the room's span [from, now]:
// it loads the Redis cache once per room state (minutes that received late events were dropped
// from both by takeLate) and computes missing settled minutes from ClickHouse — one query at a
// time per room, in the background, waited for at most Engine.ExactWait when wait is set (the
// 1 s tick; 0 by default). Errors are logged: the minutes then stay on the Redis estimates and
// are tried again later.
func (e *Engine) settleMinutes(ctx context.Context, shop, room string, st *roomState, from, now time.Time, wait bool) {
	sp := sessionMinutes(from, now)
	settled := settledBefore(now)
	if !st.exactLoaded {
		if err := e.loadExact(ctx, shop, room, st, sp.From, settled); err != nil {
			e.Log.Warn("live: load exact minutes", "shop", shop, "room", room, "err", err)
			return
		}
	}
	if st.job != nil {
		select {
		case <-st.job.done:
			e.takeJob(ctx, shop, room, st, now)
		default:
		}
	}
	st.pruneExact(sp.From)
	need := st.unsettled(sp.From, settled)
	if len(need) == 0 || st.job != nil || now.Before(st.exactRetryAt) {
		return
	}
	e.startJob(ctx, shop, room, st, need)
	if wait && e.ExactWait > 0 {
		e.awaitJob(ctx, shop, room, st, now)
	}
}

// loadExact loads the room's cached exact minutes in [lo, settled) from Redis into st.exact and
// marks st as loaded.
func (e *Engine) loadExact(ctx context.Context, shop, room string, st *roomState, lo, settled int64) error {
	h, err := e.rdb.HGetAll(ctx, exactKey(shop, room)).Result()
	if err != nil {
		return err
	}
	for f, v := range h {
		m, err := strconv.ParseInt(f, 10, 64)
		if err != nil || m < lo || m >= settled {
			continue
		}
		var x exactMinute
		if json.Unmarshal([]byte(v), &x) == nil {
			st.exact[m] = minuteData{c: x.C, d: x.D, exact: true}
		}
	}
	st.exactLoaded = true
	return nil
}

// takeLate takes the late minutes the tick's first pipeline popped from lateKey (up to
// lateBatch; late is nil when the pipeline never ran): each is noted in the room state's lateAt
// (a settle query started before now is stale for it) and dropped from its exact minutes and
// from the Redis copy. The tick calls it whether or not the rest of it succeeds, since the
// minutes are no longer in lateKey; a room state made later in the tick loads the exact
// minutes from Redis, where they are gone. The caller holds the room's tick lock.
func (e *Engine) takeLate(ctx context.Context, shop, room string, late *redis.StringSliceCmd) {
	if late == nil {
		return
	}
	ms, err := late.Result()
	if err != nil && err != redis.Nil {
		e.Log.Warn("live: late minutes", "shop", shop, "room", room, "err", err)
	}
	if len(ms) == 0 {
		return
	}
	e.mu.Lock()
	st := e.rooms[roomID(shop, room)]
	e.mu.Unlock()
	seen := time.Now()
	fields := make([]string, 0, len(ms))
	for _, s := range ms {
		m, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			continue
		}
		fields = append(fields, s)
		if st != nil {
			st.lateAt[m] = seen
			delete(st.exact, m)
		}
	}
	// Another leader must not load the stale copy before this one recomputes it.
	if len(fields) == 0 {
		return
	}
	if err := e.rdb.HDel(ctx, exactKey(shop, room), fields...).Err(); err != nil {
		e.Log.Warn("live: drop stale exact minutes", "shop", shop, "room", room, "minutes", len(fields), "err", err)
	}
}

// pruneExact forgets the exact minutes and late marks before lo (outside the room's span).
func (st *roomState) pruneExact(lo int64) {
	for m := range st.exact {
		if m < lo {
			delete(st.exact, m)
		}
	}
	for m := range st.lateAt {
		if m < lo {
			delete(st.lateAt, m)
		}
	}
}

// unsettled lists the settled minutes in [lo, settled) without exact data, newest first.
func (st *roomState) unsettled(lo, settled int64) []int64 {
	var need []int64
	for m := settled - spanMinute; m >= lo; m -= spanMinute {
		if _, ok := st.exact[m]; !ok {
			need = append(need, m)
		}
	}
	return need
}

// startJob starts the settle query of the newest exactMaxPerTick minutes of need (newest first)
// in the background as st.job. It runs off the tick: a busy room's minute (a million events)
// takes seconds.
func (e *Engine) startJob(ctx context.Context, shop, room string, st *roomState, need []int64) {
	if len(need) > exactMaxPerTick {
		need = need[:exactMaxPerTick]
	}
	job := &exactJob{done: make(chan struct{}), started: time.Now(), lo: need[len(need)-1], hi: need[0] + spanMinute}
	st.job = job
	go func() {
		defer close(job.done)
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exactTimeout)
		defer cancel()
		job.got, job.err = e.exactFromClickHouse(qctx, shop, room, job.lo, job.hi)
		job.took = time.Since(job.started)
	}()
}

// awaitJob waits up to Engine.ExactWait for st.job and takes it when done; otherwise the tick
// goes on and a later tick takes it.
func (e *Engine) awaitJob(ctx context.Context, shop, room string, st *roomState, now time.Time) {
	t := time.NewTimer(e.ExactWait)
	defer t.Stop()
	select {
	case <-st.job.done:
		e.takeJob(ctx, shop, room, st, now)
	case <-t.C:
	}
}

// exactJob is one settle query of the minutes [lo, hi) started at started (wall clock).
type exactJob struct {
	done    chan struct{}
	started time.Time
	took    time.Duration
	lo, hi  int64
	got     map[int64]exactMinute
	err     error
}

// takeJob takes the finished settle query into st.exact (minutes that saw a late event after the
// query started are left to the next one) and caches them in Redis.
func (e *Engine) takeJob(ctx context.Context, shop, room string, st *roomState, now time.Time) {
	job := st.job
	st.job = nil
	if job.err != nil {
		e.Log.Warn("live: exact minutes from ClickHouse", "shop", shop, "room", room, "err", job.err)
		st.exactRetryAt = now.Add(exactRetry)
		return
	}
	if job.took >= exactSlow {
		st.exactRetryAt = now.Add(exactPause * job.took)
	}
	pipe := e.rdb.Pipeline()
	for m := job.lo; m < job.hi; m += spanMinute {
		if at, ok := st.lateAt[m]; ok {
			if !at.Before(job.started) {
				continue // a late event may be missing from this result
			}
			delete(st.lateAt, m)
		}
		x := job.got[m] // zero when the minute has no event
		st.exact[m] = minuteData{c: x.C, d: x.D, exact: true}
		b, _ := json.Marshal(x)
		pipe.HSet(ctx, exactKey(shop, room), strconv.FormatInt(m, 10), b)
	}
	pipe.Expire(ctx, exactKey(shop, room), BucketTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		e.Log.Warn("live: cache exact minutes", "shop", shop, "room", room, "err", err)
	}
}

// exactQuery computes every minute of [lo, hi) from the raw events of one room. The inner query
// reads them FINAL: one row per sorting key (shop, room, ts, type, id), so a copy of an event
// that slipped into the table before a merge (Redis lost, a spool replayed twice) counts once —
// a copy is the same event sent again, with the same ts. The WHERE names key columns only, so
// FINAL applies it after collapsing on every release (18.16 included). FINAL's merge of sorted
// parts replaced a GROUP BY id over the minute's rows: 1.7 s instead of 7.6 s for a 5-million-
// row minute on an idle machine, and under the bench's load the GROUP BY did not finish in 33 s.
// The outer one applies DESIGN.md's definitions exactly as the live counters do: views =
// entries, sales = paid orders, refunds beside them, distinct users (non-empty) with uniqExact,
// the online gauge = the minute's latest `online` event; entries by traffic source last, one
// column per livedesk.Sources code (sourceColumns).
var exactQuery = `SELECT toUInt32(toStartOfMinute(t)) AS m,
	countIf(ty = 'enter'), countIf(ty = 'leave'), countIf(ty = 'impression'), countIf(ty = 'click'),
	countIf(ty = 'order' AND st = 'paid'), sumIf(amt, ty = 'order' AND st = 'paid'),
	countIf(ty = 'order' AND st = 'refunded'), sumIf(amt, ty = 'order' AND st = 'refunded'),
	countIf(ty = 'comment'), countIf(ty = 'follow'), countIf(ty = 'like'), countIf(ty = 'share'),
	sumIf(amt, ty = 'ad_spend'),
	countIf(ty = 'online'), argMaxIf(val, (t, tms, eid), ty = 'online'),
	uniqExactIf(u, ty = 'enter' AND u != ''), uniqExactIf(u, ty = 'impression' AND u != ''),
	uniqExactIf(u, ty = 'click' AND u != ''), uniqExactIf(u, ty = 'order' AND st = 'paid' AND u != ''),
	groupArrayIf(x, ty = 'comment'),
	countIf(ty = 'enter' AND u = ''), countIf(ty = 'click' AND u = ''), countIf(ty = 'order' AND st = 'paid' AND u = '')` + sourceColumns() + `
FROM (SELECT id AS eid, type AS ty, ts AS t, ts_ms AS tms, user AS u, status AS st,
		amount AS amt, value AS val, text AS x, source AS src
	FROM events FINAL WHERE shop = ? AND room = ? AND ts >= ? AND ts < ?)
GROUP BY m`

// exactFromClickHouse runs exactQuery for the minutes [lo, hi) (unix seconds).
func (e *Engine) exactFromClickHouse(ctx context.Context, shop, room string, lo, hi int64) (map[int64]exactMinute, error) {
	rows, err := e.ch.Query(ctx, exactQuery, shop, room, time.Unix(lo, 0).UTC(), time.Unix(hi, 0).UTC())
	if err != nil {
		return nil, fmt.Errorf("live: exact minutes %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	out := map[int64]exactMinute{}
	for rows.Next() {
		var m uint32
		var en, lv, imp, clk, ord, rf, cmt, fol, lik, shr, onN, vw, ex, ck, by uint64
		var gmv, rff, ad, on int64
		var texts []string
		var aen, aclk, aord uint64
		bySource := make([]uint64, len(livedesk.Sources))
		dest := []any{&m, &en, &lv, &imp, &clk, &ord, &gmv, &rf, &rff, &cmt, &fol, &lik, &shr, &ad,
			&onN, &on, &vw, &ex, &ck, &by, &texts, &aen, &aclk, &aord}
		for i := range bySource {
			dest = append(dest, &bySource[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("live: exact minutes %s/%s: %w", shop, room, err)
		}
		c := counts{Entries: int64(en), Leaves: int64(lv), Impressions: int64(imp), Clicks: int64(clk),
			Orders: int64(ord), GMV: gmv, Refunds: int64(rf), RefundFen: rff, Comments: int64(cmt),
			Follows: int64(fol), Likes: int64(lik), Shares: int64(shr), AdSpend: ad,
			AnonEntries: int64(aen), AnonClicks: int64(aclk), AnonOrders: int64(aord)}
		if onN > 0 {
			c.Online, c.HasOnline = on, true
		}
		for i, n := range bySource {
			if n > 0 {
				c.addSourceField(fSource+livedesk.Sources[i], int64(n))
			}
		}
		for _, t := range texts {
			if topic := livedesk.ClassifyComment(t); topic != "" {
				if c.Questions == nil {
					c.Questions = map[string]int64{}
				}
				c.Questions[topic]++
			}
		}
		out[int64(m)] = exactMinute{C: c, D: distincts{Viewers: int64(vw), Exposed: int64(ex), Clickers: int64(ck), Buyers: int64(by)}}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live: exact minutes %s/%s: %w", shop, room, err)
	}
	return out, nil
}
