package live

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/redis/go-redis/v9"
)

// minuteData is one minute's counters and distinct users (closed minutes are cached). exact says
// they were computed from ClickHouse over the raw events (see settleMinutes), not read from the
// Redis buckets.
type minuteData struct {
	c     counts
	d     distincts
	exact bool
}

// recentMinutes are re-read every tick even when cached, so events that arrive a little late
// still land in the chart; older closed minutes are read once per session.
const recentMinutes = 3

// roomData is everything one tick reads from Redis for a room.
type roomData struct {
	Minutes    []Metrics // closed minutes, oldest first
	Current    Metrics
	Session    Metrics
	Last, Prev Metrics
	// OnlineNow is the current online figure; OnlineLast/OnlinePrev the windows' averages.
	OnlineNow, OnlineLast, OnlinePrev float64
	// PrevFull says the previous window lies wholly inside the session.
	PrevFull  bool
	Products  []ProductWindow
	Comments  []Comment
	Questions []TopicCount
	Pinned    string
	Stock     map[string]int64
	// StockChecked lists products the catalog cache has an answer for (even "not in catalog").
	StockChecked map[string]bool
	// Complete is false when the room's marker key is missing (Redis lost): rebuild first.
	Complete bool
}

// roomState is the tick leader's per-room cache: closed minutes, and how far the closed minutes'
// distinct users have been merged into the session HyperLogLogs (so a 3-hour session's viewers
// are one PFCOUNT over a few keys, not over 180 minutes).
type roomState struct {
	key     string               // session id, or "idle" (idle rooms do not merge: their look-back slides)
	minutes map[int64]minuteData // read from the Redis buckets
	merged  int64                // minute buckets before this are merged into the session HLLs (0 = none)
	// exact holds the settled closed minutes computed from ClickHouse; they win over minutes.
	exact        map[int64]minuteData
	exactLoaded  bool      // exact was loaded from Redis (exactKey) once
	exactRetryAt time.Time // the next settle query not before: after a failure, or a slow query's pause
	job          *exactJob // the settle query in flight, nil when none
	// lateAt is when a late event for the minute was last seen: a settle query started before
	// it is stale for that minute.
	lateAt map[int64]time.Time
	// published is the closed-minute series last published as KindMinutes (nil: none yet).
	published []Metrics
}

// newRoomState returns the empty state of a room's session (or idle look-back).
func newRoomState(key string) *roomState {
	return &roomState{key: key, minutes: map[int64]minuteData{}, exact: map[int64]minuteData{}, lateAt: map[int64]time.Time{}}
}

// minute returns the minute's data: the exact copy when there is one, else the Redis read.
func (st *roomState) minute(m int64) minuteData {
	if x, ok := st.exact[m]; ok {
		return x
	}
	return st.minutes[m]
}

// sessionHLLKey is the merged HLL of distinct users of kind over a session's closed minutes.
func sessionHLLKey(shop, room, kind, session string) string {
	return "ld:live:hs" + kind + ":" + roomTag(shop, room) + ":" + session
}

// roomReader reads a room's buckets.
type roomReader struct {
	rdb redis.UniversalClient
}

// hllKinds are the distinct-user kinds in distincts order.
var hllKinds = []string{hllViewers, hllExposed, hllClickers, hllBuyers}

func toDistincts(cmds []*redis.IntCmd) distincts {
	return distincts{cmds[0].Val(), cmds[1].Val(), cmds[2].Val(), cmds[3].Val()}
}

// pfcounts queues PFCOUNT over the given buckets for each kind (nil commands for no buckets).
func pfcounts(ctx context.Context, pipe redis.Pipeliner, shop, room, product string, size int64, bs []int64, kinds []string) []*redis.IntCmd {
	out := make([]*redis.IntCmd, len(kinds))
	for i, k := range kinds {
		if len(bs) == 0 {
			out[i] = redis.NewIntCmd(ctx)
			continue
		}
		keys := make([]string, len(bs))
		for j, b := range bs {
			keys[j] = hllKey(shop, room, k, product, size, b)
		}
		out[i] = pipe.PFCount(ctx, keys...)
	}
	return out
}

// read reads the room for a tick at now. from is the session start (or the idle look-back).
func (r *roomReader) read(ctx context.Context, shop, room string, now, from time.Time, window time.Duration, st *roomState) (roomData, error) {
	cache := st.minutes
	var out roomData
	minSpan := sessionMinutes(from, now)
	minutes := minSpan.buckets(spanMinute)
	curMin := minutes[len(minutes)-1]
	last, prev := windows(now, from, window)
	fineSpan := span{bucketStart(time.Unix(prev.From, 0), spanMinute), last.To}
	fine := fineSpan.buckets(spanFine)

	pipe := r.rdb.Pipeline()
	minHash := map[int64]*redis.MapStringStringCmd{}
	minHLL := map[int64][]*redis.IntCmd{}
	for _, m := range minutes {
		if _, ok := st.exact[m]; ok && m < curMin {
			continue // exact: never read from Redis again (a late event recomputes it)
		}
		if _, ok := cache[m]; ok && m < curMin-recentMinutes*spanMinute {
			continue
		}
		minHash[m] = pipe.HGetAll(ctx, bucketKey(shop, room, spanMinute, m))
		minHLL[m] = pfcounts(ctx, pipe, shop, room, "", spanMinute, []int64{m}, hllKinds)
	}
	fineHash := make([]*redis.MapStringStringCmd, len(fine))
	for i, b := range fine {
		fineHash[i] = pipe.HGetAll(ctx, bucketKey(shop, room, spanFine, b))
	}
	lastB, prevB := last.buckets(spanFine), prev.buckets(spanFine)
	prodHash := make([]*redis.MapStringStringCmd, len(lastB))
	for i, b := range lastB {
		prodHash[i] = pipe.HGetAll(ctx, productBucketKey(shop, room, spanFine, b))
	}
	lastD := pfcounts(ctx, pipe, shop, room, "", spanFine, lastB, hllKinds)
	prevD := pfcounts(ctx, pipe, shop, room, "", spanFine, prevB, hllKinds)
	sessD, merged := r.sessionDistincts(ctx, pipe, shop, room, st, minutes)
	comments := pipe.LRange(ctx, commentsKey(shop, room), 0, maxComments-1)
	state := pipe.HGetAll(ctx, stateKey(shop, room))
	stock := pipe.HGetAll(ctx, stockKey(shop))
	cstock := pipe.HGetAll(ctx, catalogStockKey(shop))
	marker := pipe.Exists(ctx, markerKey(shop, room))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return out, fmt.Errorf("live: read room %s/%s: %w", shop, room, err)
	}
	out.Complete = marker.Val() == 1
	st.merged = merged

	for m, h := range minHash {
		var md minuteData
		md.c.addHash(h.Val())
		md.d = toDistincts(minHLL[m])
		cache[m] = md
	}
	for m := range cache {
		if m < minSpan.From {
			delete(cache, m)
		}
	}
	r.fold(&out, minutes, st, sessD, now)
	fineCounts := make([]counts, len(fine))
	for i := range fine {
		fineCounts[i].addHash(fineHash[i].Val())
	}
	r.windows(&out, minutes, st, fine, fineCounts, last, prev, toDistincts(lastD), toDistincts(prevD))
	out.PrevFull = !prev.empty() && prev.To-prev.From == last.To-last.From && !from.After(time.Unix(prev.From, 0))

	out.Pinned = state.Val()["pinned"]
	out.Stock = map[string]int64{}
	out.StockChecked = map[string]bool{}
	for p, v := range cstock.Val() { // the catalog's level, −1 when the catalog has no such product
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out.StockChecked[p] = true
			if n >= 0 {
				out.Stock[p] = n
			}
		}
	}
	for p, v := range stock.Val() { // stock events win over the catalog cache
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			out.Stock[p] = n
		}
	}
	for _, s := range comments.Val() {
		var c Comment
		if json.Unmarshal([]byte(s), &c) == nil && c.TS >= from.UnixMilli() {
			out.Comments = append(out.Comments, c)
		}
	}
	var lastQ counts
	for i, b := range fine {
		if b >= last.From {
			lastQ.add(fineCounts[i])
		}
	}
	var sessQ counts
	for _, m := range minutes {
		sessQ.add(st.minute(m).c)
	}
	out.Questions = questionCounts(sessQ.Questions, lastQ.Questions, out.Comments)
	prods, err := r.products(ctx, shop, room, prodHash, lastB)
	if err != nil {
		return out, err
	}
	for i := range prods {
		if n, ok := out.Stock[prods[i].Product]; ok {
			prods[i].Stock = &n
		}
		prods[i].Pinned = prods[i].Product == out.Pinned
	}
	out.Products = prods
	return out, nil
}

// sessionDistincts queues the session's distinct users: for a live session, closed minutes
// older than recentMinutes are merged once into per-session HLLs and counted with the newer
// minute keys; for an idle room every minute key is counted. It returns the new merge point.
func (r *roomReader) sessionDistincts(ctx context.Context, pipe redis.Pipeliner, shop, room string, st *roomState, minutes []int64) ([]*redis.IntCmd, int64) {
	if st.key == "idle" {
		return pfcounts(ctx, pipe, shop, room, "", spanMinute, minutes, hllKinds), 0
	}
	first, curMin := minutes[0], minutes[len(minutes)-1]
	cutoff := max(curMin-recentMinutes*spanMinute, first)
	merged := st.merged
	if merged < first {
		merged = first
		for _, k := range hllKinds {
			pipe.Del(ctx, sessionHLLKey(shop, room, k, st.key))
		}
	}
	out := make([]*redis.IntCmd, len(hllKinds))
	for i, k := range hllKinds {
		dest := sessionHLLKey(shop, room, k, st.key)
		if cutoff > merged {
			src := []string{dest}
			for _, m := range (span{merged, cutoff}).buckets(spanMinute) {
				src = append(src, hllKey(shop, room, k, "", spanMinute, m))
			}
			pipe.PFMerge(ctx, dest, src...)
			pipe.Expire(ctx, dest, BucketTTL)
		}
		keys := []string{dest}
		for _, m := range (span{cutoff, curMin + spanMinute}).buckets(spanMinute) {
			keys = append(keys, hllKey(shop, room, k, "", spanMinute, m))
		}
		out[i] = pipe.PFCount(ctx, keys...)
	}
	return out, cutoff
}

// fold builds the minute series, the current minute and the session totals, with online as the
// last gauge (carried forward) or, before any gauge, entries − leaves since the session start.
// Closed minutes use their exact (ClickHouse) data once settled, the open one the Redis buckets.
func (r *roomReader) fold(out *roomData, minutes []int64, st *roomState, sessD []*redis.IntCmd, now time.Time) {
	var sess counts
	var ol onlineTracker
	for i, m := range minutes {
		md := st.minutes[m]
		if i < len(minutes)-1 {
			md = st.minute(m)
		}
		sess.add(md.c)
		ol.step(md.c)
		mt := metrics(md.c, md.d, m*1000, (m+spanMinute)*1000, ol.value())
		if i == len(minutes)-1 {
			mt.End = now.UnixMilli()
			out.Current = mt
		} else {
			mt.Exact = md.exact
			out.Minutes = append(out.Minutes, mt)
		}
	}
	out.OnlineNow = float64(ol.value())
	out.Session = metrics(sess, toDistincts(sessD), minutes[0]*1000, now.UnixMilli(), ol.value())
}

// windows computes the last and previous windows and their average online over 10-second
// buckets. fine starts at the minute holding prev.From; the online base comes from the minutes
// before it.
func (r *roomReader) windows(out *roomData, minutes []int64, st *roomState, fine []int64, fc []counts, last, prev span, lastD, prevD distincts) {
	var ol onlineTracker
	for _, m := range minutes {
		if len(fine) > 0 && m >= fine[0] {
			break
		}
		ol.step(st.minute(m).c)
	}
	var lc, pc counts
	var lSum, pSum float64
	var lN, pN int
	for i, b := range fine {
		ol.step(fc[i])
		switch {
		case b >= last.From && b < last.To:
			lc.add(fc[i])
			lSum += float64(ol.value())
			lN++
		case b >= prev.From && b < prev.To:
			pc.add(fc[i])
			pSum += float64(ol.value())
			pN++
		}
	}
	out.Last = metrics(lc, lastD, last.From*1000, last.To*1000, ol.value())
	out.Prev = metrics(pc, prevD, prev.From*1000, prev.To*1000, 0)
	if lN > 0 {
		out.OnlineLast = lSum / float64(lN)
	}
	if pN > 0 {
		out.OnlinePrev = pSum / float64(pN)
		out.Prev.Online = int64(out.OnlinePrev + 0.5)
	}
}

// onlineTracker follows online across buckets: the last gauge once one was reported, else the
// running entries − leaves (never below 0).
type onlineTracker struct {
	net      int64
	gauge    int64
	hasGauge bool
}

func (o *onlineTracker) step(c counts) {
	o.net += c.Entries - c.Leaves
	if c.HasOnline {
		o.gauge, o.hasGauge = c.Online, true
	}
}

func (o *onlineTracker) value() int64 {
	if o.hasGauge {
		return o.gauge
	}
	return max(o.net, 0)
}

// products reads the per-product window: counters from the bucket hashes, then distinct
// clickers and buyers per product in one more pipeline.
func (r *roomReader) products(ctx context.Context, shop, room string, hashes []*redis.MapStringStringCmd, bs []int64) ([]ProductWindow, error) {
	byID := map[string]*counts{}
	for _, h := range hashes {
		for f, v := range h.Val() {
			p, field, ok := strings.Cut(f, "\x1f")
			if !ok {
				continue
			}
			c := byID[p]
			if c == nil {
				c = &counts{}
				byID[p] = c
			}
			c.addHash(map[string]string{field: v})
		}
	}
	if len(byID) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(byID))
	for p := range byID {
		ids = append(ids, p)
	}
	pipe := r.rdb.Pipeline()
	hll := map[string][]*redis.IntCmd{}
	for _, p := range ids {
		hll[p] = pfcounts(ctx, pipe, shop, room, p, spanFine, bs, []string{hllClickers, hllBuyers})
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("live: read products %s/%s: %w", shop, room, err)
	}
	out := make([]ProductWindow, 0, len(ids))
	for _, p := range ids {
		c := byID[p]
		clickers, buyers := hll[p][0].Val(), hll[p][1].Val()
		out = append(out, ProductWindow{Product: p, Impressions: c.Impressions, Clicks: c.Clicks,
			Clickers: clickers, Orders: c.Orders, Buyers: buyers, GMV: c.GMV,
			CTR: rate(c.Clicks, c.Impressions, 1), CVR: rate(buyers, clickers, 1)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Clicks != out[j].Clicks {
			return out[i].Clicks > out[j].Clicks
		}
		return out[i].Product < out[j].Product
	})
	return out, nil
}

// questionCounts lists every topic in display order with session and window counts and the
// latest example among the recent comments (newest first).
func questionCounts(sess, last map[string]int64, recent []Comment) []TopicCount {
	out := make([]TopicCount, len(livedesk.Topics))
	for i, t := range livedesk.Topics {
		out[i] = TopicCount{Topic: t.Key, Label: t.ZH, Count: sess[t.Key], Last5: last[t.Key]}
		for _, c := range recent {
			if c.Topic == t.Key {
				out[i].Example = c.Text
				break
			}
		}
	}
	return out
}
