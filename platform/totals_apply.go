package platform

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

// Totals turns running totals into events. The totals already turned into events are kept per
// (shop, room, key) in ClickHouse (room_totals), so a restart or another instance continues from
// them; one document per room is applied at a time (a Redis lock).
//
// An increase of a count (views, impressions, clicks, orders) becomes that many events whose ids
// are the counts' ordinals ("tot:<room>:<epoch>:<product>:clicks:1041"): the same reading sent
// twice, or two instances racing, make the same ids and count once, and a lost write of the
// new total only makes the next document repeat ids ingest has seen. A total lower than the
// previous one is a reset (the dashboard started again), never a negative count: the epoch goes
// up and the new value counts from zero. GMV is spread over the orders of the same increase (a
// GMV rise without new orders waits for them); ad spend becomes one ad_spend event of the
// increase; online is a gauge. Events from totals carry no user, so the people counts they
// would need (viewers, clickers, buyers) are shown as not available.
type Totals struct {
	Events Submitter
	CH     driver.Conn
	Redis  redis.UniversalClient
	Now    func() time.Time
	// MaxUnits bounds the events one total makes in one document (default 100,000); the rest
	// of a larger increase is made by the next document.
	MaxUnits int64
}

// TotalsResult is what one document came to.
type TotalsResult struct {
	At         time.Time `json:"at"`
	Accepted   int       `json:"accepted"`
	Duplicates int       `json:"duplicates"`
	Resets     []string  `json:"resets,omitempty"`   // totals that went down (counted again from zero)
	Deferred   []string  `json:"deferred,omitempty"` // totals whose increase was larger than one document makes
}

// previous is a stored total.
type previous struct {
	value int64
	epoch uint32
}

// Apply applies a totals document body to room of shop.
func (t *Totals) Apply(ctx context.Context, shop, room string, body []byte) (TotalsResult, error) {
	if err := livedesk.ValidRoom(room); err != nil {
		return TotalsResult{}, livedesk.Invalid("room", "room: "+err.Error(), "直播间："+err.Error())
	}
	now := t.now()
	at, readings, online, haveOnline, err := parseTotals(body, now)
	if err != nil {
		return TotalsResult{}, err
	}
	var extra []ingest.Event
	if haveOnline {
		extra = append(extra, ingest.Event{Shop: shop, ID: "tot:" + room + ":online:" + strconv.FormatInt(at.UnixMilli(), 10),
			Type: ingest.TypeOnline, TS: at, Room: room, Value: online, Extra: totalsExtra})
	}
	return t.apply(ctx, shop, room, at, readings, extra)
}

// totalsExtra marks events made from totals.
const totalsExtra = `{"src":"totals"}`

func (t *Totals) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// apply turns readings into events against the stored totals, stores the events, then the
// new totals.
func (t *Totals) apply(ctx context.Context, shop, room string, at time.Time, readings []reading, extra []ingest.Event) (TotalsResult, error) {
	at = at.UTC().Truncate(time.Millisecond)
	res := TotalsResult{At: at}
	lock, err := redislock.New(t.Redis).Obtain(ctx, "ld:platform:"+livedesk.ShopTag(shop)+":totals:lock:"+room, 30*time.Second,
		&redislock.Options{RetryStrategy: redislock.LimitRetry(redislock.LinearBackoff(100*time.Millisecond), 100)})
	if err != nil {
		if errors.Is(err, redislock.ErrNotObtained) {
			return res, livedesk.Errorf(livedesk.EUNAVAILABLE, "another totals document of room %s is being applied; retry", room)
		}
		return res, fmt.Errorf("platform: totals: lock: %w", err)
	}
	defer lock.Release(context.WithoutCancel(ctx))
	prev, err := t.read(ctx, shop, room)
	if err != nil {
		return res, err
	}
	max := t.MaxUnits
	if max <= 0 {
		max = 100_000
	}
	events := extra
	next := map[string]previous{}
	// GMV goes with the orders of its product, so orders are done first.
	byKey := map[string]reading{}
	for _, r := range readings {
		byKey[r.key] = r
	}
	for _, r := range readings {
		if r.kind == totGMV {
			continue
		}
		p, had := prev[r.key]
		if !had && r.baseline {
			next[r.key] = previous{value: r.value} // the first reading: where counting starts
			continue
		}
		if r.value < p.value {
			p = previous{epoch: p.epoch + 1}
			res.Resets = append(res.Resets, readingName(r))
			next[r.key] = p // the reset is kept even when nothing else changes
		}
		d := r.value - p.value
		if d == 0 {
			continue
		}
		if r.kind == totAdSpend {
			events = append(events, t.event(shop, room, at, ingest.TypeAdSpend, "", p.epoch, r.key, strconv.FormatInt(p.value, 10)+"-"+strconv.FormatInt(r.value, 10), d))
			next[r.key] = previous{value: r.value, epoch: p.epoch}
			continue
		}
		n := d
		if n > max {
			n = max
			res.Deferred = append(res.Deferred, readingName(r))
		}
		var gmv []int64
		if r.kind == totOrders {
			gmv = t.spreadGMV(r.product, n, byKey, prev, next, &res)
		}
		for k := int64(1); k <= n; k++ {
			ord := strconv.FormatInt(p.value+k, 10)
			switch r.kind {
			case totViews:
				events = append(events, t.event(shop, room, at, ingest.TypeEnter, "", p.epoch, r.kind, ord, 0))
			case totImpressions:
				events = append(events, t.event(shop, room, at, ingest.TypeImpression, r.product, p.epoch, r.kind, ord, 0))
			case totClicks:
				events = append(events, t.event(shop, room, at, ingest.TypeClick, r.product, p.epoch, r.kind, ord, 0))
			case totOrders:
				e := t.event(shop, room, at, ingest.TypeOrder, r.product, p.epoch, r.kind, ord, gmv[k-1])
				e.Order, e.Status, e.Qty = e.ID, ingest.StatusPaid, 1
				events = append(events, e)
			}
		}
		next[r.key] = previous{value: p.value + n, epoch: p.epoch}
	}
	// GMV readings of products whose orders did not go up: only a reset is recorded; the rise
	// waits for its orders.
	for _, r := range readings {
		if r.kind != totGMV {
			continue
		}
		if _, done := next[r.key]; done {
			continue
		}
		if p := prev[r.key]; r.value < p.value {
			next[r.key] = previous{epoch: p.epoch + 1}
			res.Resets = append(res.Resets, readingName(r))
		}
	}
	for i := 0; i < len(events); i += 20_000 {
		got, err := t.Events.Submit(ctx, events[i:min(len(events), i+20_000)])
		if err != nil {
			return TotalsResult{}, fmt.Errorf("platform: totals: %w", err)
		}
		res.Accepted += got.Accepted
		res.Duplicates += got.Duplicates
	}
	if err := t.write(ctx, shop, room, at, next); err != nil {
		return TotalsResult{}, err
	}
	return res, nil
}

// spreadGMV divides product's GMV increase over its n new orders (the remainder on the first);
// it records the GMV total it used in next.
func (t *Totals) spreadGMV(product string, n int64, byKey map[string]reading, prev, next map[string]previous, res *TotalsResult) []int64 {
	out := make([]int64, n)
	k := productKey(product, totGMV)
	r, ok := byKey[k]
	if !ok {
		return out
	}
	p := prev[k]
	if r.value < p.value {
		p = previous{epoch: p.epoch + 1}
		res.Resets = append(res.Resets, readingName(r))
	}
	d := r.value - p.value
	next[k] = previous{value: r.value, epoch: p.epoch}
	if d <= 0 {
		return out
	}
	each := d / n
	for i := range out {
		out[i] = each
	}
	out[0] += d - each*n
	return out
}

func readingName(r reading) string {
	if r.product != "" {
		return r.product + "." + r.kind
	}
	return "room." + r.kind
}

// event is one event made from totals; its id is the count's ordinal (or the spend's span).
func (t *Totals) event(shop, room string, at time.Time, typ, product string, epoch uint32, kind, ord string, amount int64) ingest.Event {
	id := "tot:" + room + ":" + strconv.FormatUint(uint64(epoch), 10) + ":"
	if product != "" {
		id += product + ":"
	}
	return ingest.Event{Shop: shop, ID: id + kind + ":" + ord, Type: typ, TS: at, Room: room, Product: product,
		Amount: amount, Extra: totalsExtra}
}

// read returns the stored totals of room.
func (t *Totals) read(ctx context.Context, shop, room string) (map[string]previous, error) {
	rows, err := t.CH.Query(ctx, `SELECT key, value, epoch FROM room_totals FINAL WHERE shop = ? AND room = ?`, shop, room)
	if err != nil {
		return nil, fmt.Errorf("platform: totals: read: %w", err)
	}
	defer rows.Close()
	out := map[string]previous{}
	for rows.Next() {
		var k string
		var p previous
		if err := rows.Scan(&k, &p.value, &p.epoch); err != nil {
			return nil, fmt.Errorf("platform: totals: read: %w", err)
		}
		out[k] = p
	}
	return out, rows.Err()
}

// write stores the changed totals.
func (t *Totals) write(ctx context.Context, shop, room string, at time.Time, next map[string]previous) error {
	if len(next) == 0 {
		return nil
	}
	batch, err := t.CH.PrepareBatch(ctx, "INSERT INTO room_totals (shop, room, key, value, epoch, at, version)")
	if err != nil {
		return fmt.Errorf("platform: totals: store: %w", err)
	}
	defer batch.Close()
	v := uint64(time.Now().UnixNano())
	for k, p := range next {
		if err := batch.Append(shop, room, k, p.value, p.epoch, at, v); err != nil {
			return fmt.Errorf("platform: totals: store: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("platform: totals: store: %w", err)
	}
	return nil
}
