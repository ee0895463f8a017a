package live

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

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
	// exactMaxPerTick bounds the minutes computed in one tick (the catch-up of a long session
	// after a restart or Redis loss is spread over a few ticks, newest minutes first).
	exactMaxPerTick = 30
	// exactRetry is how long a room waits after a failed ClickHouse read before trying again
	// (its closed minutes stay on the Redis estimates meanwhile).
	exactRetry = 10 * time.Second
	// lateBatch is how many late minutes one tick takes from lateKey.
	lateBatch = 1000
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
// it loads the Redis cache once per room state, forgets minutes that received late events, and
// computes missing settled minutes from ClickHouse. It reports whether st.exact changed. Errors
// are logged: the minutes then stay on the Redis estimates and are tried again later.
func (e *Engine) settleMinutes(ctx context.Context, shop, room string, st *roomState, from, now time.Time) bool {
	sp := sessionMinutes(from, now)
	settled := settledBefore(now)
	changed := false
	if !st.exactLoaded {
		h, err := e.rdb.HGetAll(ctx, exactKey(shop, room)).Result()
		if err != nil {
			e.Log.Warn("live: load exact minutes", "shop", shop, "room", room, "err", err)
			return false
		}
		for f, v := range h {
			m, err := strconv.ParseInt(f, 10, 64)
			if err != nil || m < sp.From || m >= settled {
				continue
			}
			var x exactMinute
			if json.Unmarshal([]byte(v), &x) == nil {
				st.exact[m] = minuteData{c: x.C, d: x.D, exact: true}
				changed = true
			}
		}
		st.exactLoaded = true
	}
	late, err := e.rdb.SPopN(ctx, lateKey(shop, room), lateBatch).Result()
	if err != nil && err != redis.Nil {
		e.Log.Warn("live: late minutes", "shop", shop, "room", room, "err", err)
	}
	if len(late) > 0 {
		fields := make([]string, 0, len(late))
		for _, s := range late {
			m, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				continue
			}
			fields = append(fields, s)
			if _, ok := st.exact[m]; ok {
				delete(st.exact, m)
				changed = true
			}
		}
		// Another leader must not load the stale copy before this one recomputes it.
		if len(fields) > 0 {
			e.rdb.HDel(ctx, exactKey(shop, room), fields...)
		}
	}
	for m := range st.exact {
		if m < sp.From {
			delete(st.exact, m)
		}
	}
	var need []int64
	for m := settled - spanMinute; m >= sp.From; m -= spanMinute {
		if _, ok := st.exact[m]; !ok {
			need = append(need, m) // newest first
		}
	}
	if len(need) == 0 || now.Before(st.exactRetryAt) {
		return changed
	}
	if len(need) > exactMaxPerTick {
		need = need[:exactMaxPerTick]
	}
	lo, hi := need[len(need)-1], need[0]+spanMinute
	got, err := e.exactFromClickHouse(ctx, shop, room, lo, hi)
	if err != nil {
		e.Log.Warn("live: exact minutes from ClickHouse", "shop", shop, "room", room, "err", err)
		st.exactRetryAt = now.Add(exactRetry)
		return changed
	}
	pipe := e.rdb.Pipeline()
	for m := lo; m < hi; m += spanMinute {
		x := got[m] // zero when the minute has no event
		st.exact[m] = minuteData{c: x.C, d: x.D, exact: true}
		b, _ := json.Marshal(x)
		pipe.HSet(ctx, exactKey(shop, room), strconv.FormatInt(m, 10), b)
	}
	pipe.Expire(ctx, exactKey(shop, room), BucketTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		e.Log.Warn("live: cache exact minutes", "shop", shop, "room", room, "err", err)
	}
	return true
}

// exactQuery computes every minute of [lo, hi) from the raw events of one room. The inner query
// keeps one row per event id (a duplicate that slipped into the table before a merge counts
// once); the outer one applies DESIGN.md's definitions exactly as the live counters do: views =
// entries, sales = paid orders, refunds beside them, distinct users (non-empty) with uniqExact,
// the online gauge = the minute's latest `online` event.
const exactQuery = `SELECT toUInt32(toStartOfMinute(t)) AS m,
	countIf(ty = 'enter'), countIf(ty = 'leave'), countIf(ty = 'impression'), countIf(ty = 'click'),
	countIf(ty = 'order' AND st = 'paid'), sumIf(amt, ty = 'order' AND st = 'paid'),
	countIf(ty = 'order' AND st = 'refunded'), sumIf(amt, ty = 'order' AND st = 'refunded'),
	countIf(ty = 'comment'), countIf(ty = 'follow'), countIf(ty = 'like'), countIf(ty = 'share'),
	sumIf(amt, ty = 'ad_spend'),
	countIf(ty = 'online'), argMaxIf(val, (t, tms, eid), ty = 'online'),
	uniqExactIf(u, ty = 'enter' AND u != ''), uniqExactIf(u, ty = 'impression' AND u != ''),
	uniqExactIf(u, ty = 'click' AND u != ''), uniqExactIf(u, ty = 'order' AND st = 'paid' AND u != ''),
	groupArrayIf(x, ty = 'comment')
FROM (SELECT id AS eid, type AS ty, any(ts) AS t, any(ts_ms) AS tms, any(user) AS u, any(status) AS st,
		any(amount) AS amt, any(value) AS val, any(text) AS x
	FROM events WHERE shop = ? AND room = ? AND ts >= ? AND ts < ?
	GROUP BY eid, ty)
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
		if err := rows.Scan(&m, &en, &lv, &imp, &clk, &ord, &gmv, &rf, &rff, &cmt, &fol, &lik, &shr, &ad,
			&onN, &on, &vw, &ex, &ck, &by, &texts); err != nil {
			return nil, fmt.Errorf("live: exact minutes %s/%s: %w", shop, room, err)
		}
		c := counts{Entries: int64(en), Leaves: int64(lv), Impressions: int64(imp), Clicks: int64(clk),
			Orders: int64(ord), GMV: gmv, Refunds: int64(rf), RefundFen: rff, Comments: int64(cmt),
			Follows: int64(fol), Likes: int64(lik), Shares: int64(shr), AdSpend: ad}
		if onN > 0 {
			c.Online, c.HasOnline = on, true
		}
		for _, t := range texts {
			if topic := classifyComment(t); topic != "" {
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

// sortedMinutes lists the keys of a minute map, oldest first.
func sortedMinutes(m map[int64]minuteData) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
