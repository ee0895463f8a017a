package live

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

// Counter fields of a bucket hash (room level; product hashes use "<product>\x1f<field>").
const (
	fEntries   = "en"
	fLeaves    = "lv"
	fImpr      = "imp"
	fClicks    = "clk"
	fOrders    = "ord" // paid orders
	fGMV       = "gmv" // paid fen
	fRefunds   = "rf"
	fRefundFen = "rff"
	fComments  = "cmt"
	fFollows   = "fol"
	fLikes     = "lik"
	fShares    = "shr"
	fAdSpend   = "ad"
	fOnline    = "on" // last online gauge in the bucket (HSET, not HINCRBY)
	fQuestion  = "q:" // + topic
	// Entries, clicks and paid orders without a user (made from running totals): the numbers of
	// people they would need are not available, not estimated (Metrics.PeopleNA).
	fAnonEntries = "aen"
	fAnonClicks  = "aclk"
	fAnonOrders  = "aord"
)

// BucketTTL bounds Redis: buckets older than this expire (longer than any stream).
const BucketTTL = 12 * time.Hour

// observeTimeout bounds one batch's Redis pipeline.
const observeTimeout = 5 * time.Second

// spans are the bucket sizes every counter is kept in.
var spans = []int64{spanFine, spanMinute}

// maxComments is how many recent comments a room keeps.
const maxComments = 50

// Counters is the ingest.Observer that keeps the live Redis buckets. Each batch is first summed
// in memory and then written with ONE pipeline, never per event.
type Counters struct {
	rdb   redis.UniversalClient
	log   *slog.Logger
	names *productNames // the catalog, for the products questions name (nil: pinned only)
	Now   func() time.Time
}

// NewCounters returns the observer.
func NewCounters(rdb redis.UniversalClient, log *slog.Logger) *Counters {
	if log == nil {
		log = slog.Default()
	}
	return &Counters{rdb: rdb, log: log}
}

// Observe implements ingest.Observer.
func (c *Counters) Observe(ctx context.Context, shop string, events []ingest.Event) {
	now := c.now()
	var agg batchAgg
	agg.init()
	for i := range events {
		agg.add(shop, &events[i], now)
	}
	c.attachProducts(ctx, shop, &agg)
	if err := c.flush(ctx, &agg); err != nil {
		// The events are durable; a later rebuild from ClickHouse restores the windows.
		c.log.Error("live: counters", "err", err, "shop", shop, "events", len(events))
	}
}

func (c *Counters) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// flush writes agg to Redis in one pipeline (nothing when it is empty). The events are already
// durable: a client that hangs up must not cancel their counting.
func (c *Counters) flush(ctx context.Context, agg *batchAgg) error {
	if agg.empty() {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), observeTimeout)
	defer cancel()
	pipe := c.rdb.Pipeline()
	agg.write(ctx, pipe)
	// The rooms the batch touched go to the leader's batch ticks (tick_batch.go), after the
	// counts: last in the pipeline on one Redis (commands run in order); after the pipeline on a
	// cluster, whose pipeline runs per node in parallel.
	_, cluster := c.rdb.(*redis.ClusterClient)
	dirty := agg.dirtyRooms()
	if dirty != "" && !cluster {
		pipe.Publish(ctx, dirtyChannel, dirty)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	if dirty != "" && cluster {
		return c.rdb.Publish(ctx, dirtyChannel, dirty).Err()
	}
	return nil
}

// dirtyRooms is the message for dirtyChannel: the room ids with live events in the batch.
func (a *batchAgg) dirtyRooms() string {
	ids := make([]string, 0, len(a.active))
	for r := range a.active {
		ids = append(ids, r.id())
	}
	return strings.Join(ids, "\n")
}

// Replayed marks late the settled minutes of events that reached ClickHouse only now, from the
// ingest spool (ingest.Writer.OnReplay): they were acknowledged — and counted live — before they
// were stored, so a minute settled in between (see settleMinutes) may lack them and is computed
// again. Minutes still in their grace period are left alone: they settle after this insert.
func (c *Counters) Replayed(ctx context.Context, batches [][]ingest.Event) {
	settled := settledBefore(c.now())
	var agg batchAgg
	agg.init()
	for _, events := range batches {
		for i := range events {
			e := &events[i]
			if e.Room == "" || operatorTypes[e.Type] {
				continue
			}
			if m := bucketStart(e.TS, spanMinute); m < settled {
				agg.markLate(e.Shop, e.Room, m)
			}
		}
	}
	if err := c.flush(ctx, &agg); err != nil {
		c.log.Error("live: mark replayed minutes late", "err", err)
	}
}

// gauge is a value that keeps its latest report.
type gauge struct {
	ts    time.Time
	value int64
}

// aggKey names one counters key of a batch without building its string (a batch of 1,000 events
// touches a handful of keys; building each event's keys cost a quarter of the counters' CPU):
// the string is built once per key, in write.
type aggKey struct {
	kind              byte   // 'b' room bucket, 'p' product bucket, 'h' HyperLogLog
	hll               string // the HyperLogLog's kind (hllViewers …), kind 'h'
	shop, room, prod  string // prod: a product's HyperLogLog, kind 'h'
	span, bucketStart int64
}

// key is the Redis key k names (bucketKey, productBucketKey or hllKey).
func (k aggKey) key() string {
	switch k.kind {
	case 'b':
		return bucketKey(k.shop, k.room, k.span, k.bucketStart)
	case 'p':
		return productBucketKey(k.shop, k.room, k.span, k.bucketStart)
	}
	return hllKey(k.shop, k.room, k.hll, k.prod, k.span, k.bucketStart)
}

// batchRoom is a room of a batch; id is its roomID (its member in activeRoomsKey and
// dirtyChannel).
type batchRoom struct{ shop, room string }

func (r batchRoom) id() string { return roomID(r.shop, r.room) }

// aggField is a counter's hash field: field, or "<product>\x1f<field>" in a product bucket.
type aggField struct{ product, field string }

func (f aggField) String() string {
	if f.product == "" {
		return f.field
	}
	return f.product + "\x1f" + f.field
}

// batchAgg sums one batch before it is written.
type batchAgg struct {
	incr     map[aggKey]map[aggField]int64 // key → field → delta
	hll      map[aggKey][]any              // key → users
	gauges   map[aggKey]gauge              // room bucket → online gauge
	comments map[string][]Comment          // list key → comments, oldest first
	// commentRooms is the room of each comments list key (for its pinned product).
	commentRooms map[string]string
	stock        map[string]map[string]any // stock key → product → level
	active       map[batchRoom]float64     // room → last live event (unix s)
	first        map[batchRoom]int64       // room → first recent live event (unix s), for its burst key
	late         map[string]map[int64]bool // late key → closed minutes that got events
	// noLate: a rebuild replays stored events; they are not late arrivals.
	noLate bool
}

func (a *batchAgg) init() {
	a.incr = map[aggKey]map[aggField]int64{}
	a.hll = map[aggKey][]any{}
	a.gauges = map[aggKey]gauge{}
	a.comments = map[string][]Comment{}
	a.commentRooms = map[string]string{}
	a.stock = map[string]map[string]any{}
	a.active = map[batchRoom]float64{}
	a.first = map[batchRoom]int64{}
	a.late = map[string]map[int64]bool{}
}

func (a *batchAgg) empty() bool {
	return len(a.incr) == 0 && len(a.hll) == 0 && len(a.gauges) == 0 &&
		len(a.comments) == 0 && len(a.stock) == 0 && len(a.late) == 0
}

func (a *batchAgg) inc(key aggKey, field aggField, d int64) {
	m := a.incr[key]
	if m == nil {
		m = map[aggField]int64{}
		a.incr[key] = m
	}
	m[field] += d
}

// count adds d to field of the room (both spans) and, when product is set, of the product.
func (a *batchAgg) count(shop, room, product, field string, d int64, ts time.Time) {
	for _, span := range spans {
		b := bucketStart(ts, span)
		a.inc(aggKey{kind: 'b', shop: shop, room: room, span: span, bucketStart: b}, aggField{field: field}, d)
		if product != "" {
			a.inc(aggKey{kind: 'p', shop: shop, room: room, span: span, bucketStart: b}, aggField{product, field}, d)
		}
	}
}

// distinct adds user to the HyperLogLogs of kind for the room and (if set) the product.
func (a *batchAgg) distinct(shop, room, product, kind, user string, ts time.Time) {
	if user == "" {
		return
	}
	for _, span := range spans {
		k := aggKey{kind: 'h', hll: kind, shop: shop, room: room, span: span, bucketStart: bucketStart(ts, span)}
		a.hll[k] = append(a.hll[k], user)
		if product != "" {
			k.prod = product
			a.hll[k] = append(a.hll[k], user)
		}
	}
}

// markLate records that the closed minute m of the room is to be computed again.
func (a *batchAgg) markLate(shop, room string, m int64) {
	k := lateKey(shop, room)
	if a.late[k] == nil {
		a.late[k] = map[int64]bool{}
	}
	a.late[k][m] = true
}

// operatorTypes are written by the console itself; they do not make a room live.
var operatorTypes = map[string]bool{ingest.TypePin: true, ingest.TypeUnpin: true, ingest.TypeCue: true,
	ingest.TypeFlashSale: true, ingest.TypeCoupon: true}

// add folds one event in. Events older than BucketTTL are ignored (their buckets are gone).
func (a *batchAgg) add(shop string, e *ingest.Event, now time.Time) {
	if e.Type == ingest.TypeStock && e.Product != "" {
		k := stockKey(shop)
		if a.stock[k] == nil {
			a.stock[k] = map[string]any{}
		}
		a.stock[k][e.Product] = e.Value
		return
	}
	if e.Room == "" || e.TS.Before(now.Add(-BucketTTL)) {
		return
	}
	room, ts := e.Room, e.TS
	if !operatorTypes[e.Type] {
		id := batchRoom{shop, room}
		if u := float64(ts.Unix()); u > a.active[id] {
			a.active[id] = u
		}
		if now.Sub(ts) < autoStartRecent {
			if f, ok := a.first[id]; !ok || ts.Unix() < f {
				a.first[id] = ts.Unix()
			}
		}
		// An event for a minute that has already closed: its exact numbers (computed from
		// ClickHouse, see settleMinutes) are computed again. The event is durable by now.
		if m := bucketStart(ts, spanMinute); !a.noLate && m+spanMinute <= now.Unix() {
			a.markLate(shop, room, m)
		}
	}
	switch e.Type {
	case ingest.TypeEnter:
		a.count(shop, room, "", fEntries, 1, ts)
		if e.Source != "" {
			a.count(shop, room, "", fSource+e.Source, 1, ts)
		}
		a.distinct(shop, room, "", hllViewers, e.User, ts)
		if e.User == "" {
			a.count(shop, room, "", fAnonEntries, 1, ts)
		}
	case ingest.TypeLeave:
		a.count(shop, room, "", fLeaves, 1, ts)
	case ingest.TypeOnline:
		for _, span := range spans {
			k := aggKey{kind: 'b', shop: shop, room: room, span: span, bucketStart: bucketStart(ts, span)}
			if g, ok := a.gauges[k]; !ok || !ts.Before(g.ts) {
				a.gauges[k] = gauge{ts: ts, value: e.Value}
			}
		}
	case ingest.TypeImpression:
		a.count(shop, room, e.Product, fImpr, 1, ts)
		a.distinct(shop, room, "", hllExposed, e.User, ts)
	case ingest.TypeClick:
		a.count(shop, room, e.Product, fClicks, 1, ts)
		a.distinct(shop, room, e.Product, hllClickers, e.User, ts)
		if e.User == "" {
			a.count(shop, room, e.Product, fAnonClicks, 1, ts)
		}
	case ingest.TypeOrder:
		a.addOrder(shop, e)
	case ingest.TypeComment:
		a.count(shop, room, "", fComments, 1, ts)
		topic := livedesk.ClassifyComment(e.Text)
		if topic != "" {
			a.count(shop, room, "", fQuestion+topic, 1, ts)
		}
		k := commentsKey(shop, room)
		a.comments[k] = append(a.comments[k], Comment{TS: ts.UnixMilli(), User: commentUser(e.User, e.Extra), Text: e.Text, Topic: topic})
		a.commentRooms[k] = room
	case ingest.TypeFollow:
		a.count(shop, room, "", fFollows, 1, ts)
	case ingest.TypeLike:
		a.count(shop, room, "", fLikes, 1, ts)
	case ingest.TypeShare:
		a.count(shop, room, "", fShares, 1, ts)
	case ingest.TypeAdSpend:
		a.count(shop, room, "", fAdSpend, e.Amount, ts)
	}
	// pin and unpin do not set the pinned product here: the room's Stage decides it (it ignores a
	// late pin, for one) and tells the engine (Engine.SetPinned), so the tick and the prompter agree.
}

// addOrder counts paid orders as sales and refunds beside them; other statuses are not live
// numbers.
func (a *batchAgg) addOrder(shop string, e *ingest.Event) {
	switch e.Status {
	case ingest.StatusPaid:
		a.count(shop, e.Room, e.Product, fOrders, 1, e.TS)
		a.count(shop, e.Room, e.Product, fGMV, e.Amount, e.TS)
		a.distinct(shop, e.Room, e.Product, hllBuyers, e.User, e.TS)
		if e.User == "" {
			a.count(shop, e.Room, e.Product, fAnonOrders, 1, e.TS)
		}
	case ingest.StatusRefunded:
		a.count(shop, e.Room, "", fRefunds, 1, e.TS)
		a.count(shop, e.Room, "", fRefundFen, e.Amount, e.TS)
	}
}

// write queues every change on pipe, with TTLs so Redis stays bounded.
func (a *batchAgg) write(ctx context.Context, pipe redis.Pipeliner) {
	ttl := BucketTTL
	for ak, fields := range a.incr {
		k := ak.key()
		for f, d := range fields {
			pipe.HIncrBy(ctx, k, f.String(), d)
		}
		pipe.Expire(ctx, k, ttl)
	}
	for ak, g := range a.gauges {
		k := ak.key()
		pipe.HSet(ctx, k, fOnline, g.value)
		pipe.Expire(ctx, k, ttl)
	}
	for ak, users := range a.hll {
		k := ak.key()
		pipe.PFAdd(ctx, k, users...)
		pipe.Expire(ctx, k, ttl)
	}
	for k, cs := range a.comments {
		if len(cs) > maxComments {
			cs = cs[len(cs)-maxComments:]
		}
		vals := make([]any, len(cs))
		for i, c := range cs {
			b, _ := json.Marshal(c)
			vals[i] = b
		}
		pipe.LPush(ctx, k, vals...)
		pipe.LTrim(ctx, k, 0, maxComments-1)
		pipe.Expire(ctx, k, ttl)
	}
	for k, levels := range a.stock {
		pipe.HSet(ctx, k, levels)
	}
	for k, set := range a.late {
		ms := make([]any, 0, len(set))
		for m := range set {
			ms = append(ms, m)
		}
		pipe.SAdd(ctx, k, ms...)
		pipe.Expire(ctx, k, ttl)
	}
	for r, first := range a.first {
		k := burstKey(r.shop, r.room)
		// NX: the first batch of a burst decides; the TTL lets a later burst start afresh.
		pipe.SetNX(ctx, k, first, 2*autoStartRecent)
	}
	for r, ts := range a.active {
		// GT: a late or replayed event never moves a room's last activity back.
		pipe.ZAddArgs(ctx, activeRoomsKey, redis.ZAddArgs{GT: true, Members: []redis.Z{{Score: ts, Member: r.id()}}})
	}
}
