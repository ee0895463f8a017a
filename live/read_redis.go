package live

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	Sources   SourceShares
	Pinned    string
	Stock     map[string]int64
	// StockChecked lists products the catalog cache has an answer for (even "not in catalog").
	StockChecked map[string]bool
	// PinnedAt is when Pinned was pinned (zero when unknown); Answered is when each question
	// topic was last answered on the prompter (unix ms).
	PinnedAt time.Time
	Answered map[string]int64
	// fine and fineCounts are the 10-second buckets read (from the minute holding the previous
	// window's start), lastFrom the last window's first bucket: the rules count unanswered
	// questions from them.
	fine       []int64
	fineCounts []counts
	lastFrom   int64
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
	// ruleHash caches the bucket hashes the rules read for windows other than the settings
	// window (closed ones are not read again; see readRuleInput).
	ruleHash map[string]map[string]string
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

// toDistincts reads the PFCOUNT results of hllKinds, in that order.
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

// readPlan is which buckets one tick reads for a room.
type readPlan struct {
	minSpan    span    // the session's (or idle look-back's) whole minutes
	minutes    []int64 // the minute buckets of minSpan, oldest first; the last is the open minute
	curMin     int64   // the open minute
	last, prev span    // the sliding windows
	// fine are the 10-second buckets from the minute holding prev.From to last.To.
	fine               []int64
	lastFine, prevFine []int64 // the windows' 10-second buckets
}

// planRead returns the buckets of a tick at now for a room read from from with the given window.
func planRead(now, from time.Time, window time.Duration) readPlan {
	var p readPlan
	p.minSpan = sessionMinutes(from, now)
	p.minutes = p.minSpan.buckets(spanMinute)
	p.curMin = p.minutes[len(p.minutes)-1]
	p.last, p.prev = windows(now, from, window)
	p.fine = (span{bucketStart(time.Unix(p.prev.From, 0), spanMinute), p.last.To}).buckets(spanFine)
	p.lastFine, p.prevFine = p.last.buckets(spanFine), p.prev.buckets(spanFine)
	return p
}

// roomCmds are the commands of a tick's one read pipeline for a room.
type roomCmds struct {
	minuteHash map[int64]*redis.MapStringStringCmd // counters of the minutes read again
	minuteHLL  map[int64][]*redis.IntCmd           // their distinct users (hllKinds)
	fineHash   []*redis.MapStringStringCmd         // counters of plan.fine
	// productHash are the per-product counters of plan.lastFine.
	productHash []*redis.MapStringStringCmd
	// Distinct users (hllKinds) of the last and previous windows and of the session.
	lastDistinct, prevDistinct, sessionDistinct []*redis.IntCmd
	merged                                      int64 // the session HLLs' merge point after the pipeline
	comments                                    *redis.StringSliceCmd
	state, stock, catalogStock                  *redis.MapStringStringCmd
	marker                                      *redis.IntCmd
}

// read reads the room for a tick at now. from is the session start (or the idle look-back).
func (r *roomReader) read(ctx context.Context, shop, room string, now, from time.Time, window time.Duration, st *roomState) (roomData, error) {
	var out roomData
	p := planRead(now, from, window)
	pipe := r.rdb.Pipeline()
	q := r.queue(ctx, pipe, shop, room, p, st)
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return out, fmt.Errorf("live: read room %s/%s: %w", shop, room, err)
	}
	out.Complete = q.marker.Val() == 1
	st.merged = q.merged
	q.cacheMinutes(st.minutes, p.minSpan.From)
	r.fold(&out, p.minutes, st, q.sessionDistinct, now)
	fineCounts := q.fineCounts()
	r.windows(&out, p.minutes, st, p.fine, fineCounts, p.last, p.prev, toDistincts(q.lastDistinct), toDistincts(q.prevDistinct))
	out.PrevFull = !p.prev.empty() && p.prev.To-p.prev.From == p.last.To-p.last.From && !from.After(time.Unix(p.prev.From, 0))

	state := q.state.Val()
	out.Pinned = state["pinned"]
	if ms, err := strconv.ParseInt(state["pinned_at"], 10, 64); err == nil && ms > 0 && out.Pinned != "" {
		out.PinnedAt = time.UnixMilli(ms).UTC()
	}
	out.Answered = map[string]int64{}
	for f, v := range state {
		if t, ok := strings.CutPrefix(f, "answered:"); ok {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
				out.Answered[t] = ms
			}
		}
	}
	out.fine, out.fineCounts, out.lastFrom = p.fine, fineCounts, p.last.From
	out.Stock, out.StockChecked = mergeStock(q.catalogStock.Val(), q.stock.Val())
	out.Comments = sessionComments(q.comments.Val(), from)
	onPinned(out.Comments, out.Pinned)
	out.Sources = sourceShares(st, p.minutes, p.fine, fineCounts, p.last)
	out.Questions = questionCounts(sessionQuestions(st, p.minutes), windowQuestions(p.fine, fineCounts, p.last.From), out.Comments)
	prods, err := r.products(ctx, shop, room, q.productHash, p.lastFine)
	if err != nil {
		return out, err
	}
	markProducts(prods, out.Stock, out.Pinned)
	out.Products = prods
	return out, nil
}

// queue queues every read of a tick for the room on pipe. Minutes with exact data and closed
// minutes already cached (older than recentMinutes) are not read again.
func (r *roomReader) queue(ctx context.Context, pipe redis.Pipeliner, shop, room string, p readPlan, st *roomState) roomCmds {
	q := roomCmds{minuteHash: map[int64]*redis.MapStringStringCmd{}, minuteHLL: map[int64][]*redis.IntCmd{}}
	for _, m := range p.minutes {
		if _, ok := st.exact[m]; ok && m < p.curMin {
			continue // exact: never read from Redis again (a late event recomputes it)
		}
		if _, ok := st.minutes[m]; ok && m < p.curMin-recentMinutes*spanMinute {
			continue
		}
		q.minuteHash[m] = pipe.HGetAll(ctx, bucketKey(shop, room, spanMinute, m))
		q.minuteHLL[m] = pfcounts(ctx, pipe, shop, room, "", spanMinute, []int64{m}, hllKinds)
	}
	q.fineHash = make([]*redis.MapStringStringCmd, len(p.fine))
	for i, b := range p.fine {
		q.fineHash[i] = pipe.HGetAll(ctx, bucketKey(shop, room, spanFine, b))
	}
	q.productHash = make([]*redis.MapStringStringCmd, len(p.lastFine))
	for i, b := range p.lastFine {
		q.productHash[i] = pipe.HGetAll(ctx, productBucketKey(shop, room, spanFine, b))
	}
	q.lastDistinct = pfcounts(ctx, pipe, shop, room, "", spanFine, p.lastFine, hllKinds)
	q.prevDistinct = pfcounts(ctx, pipe, shop, room, "", spanFine, p.prevFine, hllKinds)
	q.sessionDistinct, q.merged = r.sessionDistincts(ctx, pipe, shop, room, st, p.minutes)
	q.comments = pipe.LRange(ctx, commentsKey(shop, room), 0, maxComments-1)
	q.state = pipe.HGetAll(ctx, stateKey(shop, room))
	q.stock = pipe.HGetAll(ctx, stockKey(shop))
	q.catalogStock = pipe.HGetAll(ctx, catalogStockKey(shop))
	q.marker = pipe.Exists(ctx, markerKey(shop, room))
	return q
}

// cacheMinutes stores the minutes read into cache and drops cached minutes before from.
func (q *roomCmds) cacheMinutes(cache map[int64]minuteData, from int64) {
	for m, h := range q.minuteHash {
		var data minuteData
		data.c.addHash(h.Val())
		data.d = toDistincts(q.minuteHLL[m])
		cache[m] = data
	}
	for m := range cache {
		if m < from {
			delete(cache, m)
		}
	}
}

// fineCounts returns the counters of the 10-second buckets, in plan.fine order.
func (q *roomCmds) fineCounts() []counts {
	out := make([]counts, len(q.fineHash))
	for i, h := range q.fineHash {
		out[i].addHash(h.Val())
	}
	return out
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
