package live

import (
	"context"
	"fmt"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/redis/go-redis/v9"
)

// rebuildChunk is how many events are written to Redis per pipeline during a rebuild.
const rebuildChunk = 20000

// rebuild recomputes the room's buckets from ClickHouse events in [from, now] and then sets
// the room's marker. It runs when the marker is missing: Redis was lost or restarted (or the
// room is new). The room's keys in the range are deleted first, so the result equals what the
// counters would hold had they seen every stored event once.
//
// Known limit: an event stored while the rebuild runs may be counted twice or not at all in the
// live numbers (never in ClickHouse, which stays exact); the next rebuild corrects it.
func (e *Engine) rebuild(ctx context.Context, shop, room string, from, now time.Time) error {
	start := time.Now()
	// Whole minutes from the one holding from: the readers read whole buckets, and fine and
	// minute buckets must be rebuilt from the same events.
	from = time.Unix(bucketStart(from, spanMinute), 0).UTC()
	pipe := e.rdb.Pipeline()
	for _, sp := range spans {
		for _, b := range (span{bucketStart(from, sp), bucketStart(now, sp) + sp}).buckets(sp) {
			pipe.Del(ctx, bucketKey(shop, room, sp, b), productBucketKey(shop, room, sp, b))
			for _, k := range hllKinds {
				pipe.Del(ctx, hllKey(shop, room, k, "", sp, b))
			}
		}
	}
	pipe.Del(ctx, commentsKey(shop, room))
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	rows, err := e.ch.Query(ctx, `SELECT id, type, ts, ts_ms, user, product, status, amount, value, text, if(type = 'comment', extra, ''), source
		FROM events FINAL WHERE shop = ? AND room = ? AND ts >= ? AND ts <= ? ORDER BY ts, ts_ms`,
		shop, room, from.UTC().Truncate(time.Second), now.UTC())
	if err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	w := &rebuildWriter{e: e, shop: shop, room: room, from: from, now: now, seen: map[string]bool{}}
	for rows.Next() {
		var ev ingest.Event
		var ms uint16
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.TS, &ms, &ev.User, &ev.Product, &ev.Status, &ev.Amount, &ev.Value, &ev.Text, &ev.Extra, &ev.Source); err != nil {
			return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
		}
		if ev.Type == ingest.TypeStock {
			continue // stock is per shop and kept by its own hash
		}
		ev.Shop, ev.Room = shop, room
		ev.TS = ev.TS.UTC().Add(time.Duration(ms) * time.Millisecond)
		w.batch = append(w.batch, ev)
		if len(w.batch) >= rebuildChunk {
			if err := w.flush(ctx); err != nil {
				return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	if err := w.flush(ctx); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	if err := e.restorePinned(ctx, shop, room); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: pinned product: %w", shop, room, err)
	}
	if err := e.rdb.Set(ctx, markerKey(shop, room), start.Unix(), BucketTTL).Err(); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	e.Log.Info("live: rebuilt room from ClickHouse", "shop", shop, "room", room, "events", w.n, "took", time.Since(start))
	return nil
}

// rebuildWriter writes a rebuild's events into the room's Redis buckets in chunks.
type rebuildWriter struct {
	e          *Engine
	shop, room string
	from, now  time.Time
	seen       map[string]bool // products whose HLL keys were cleared
	batch      []ingest.Event  // events not written yet
	n          int             // events written
}

// flush writes the pending batch in one pipeline. The first time a product shows up its
// distinct-clicker and distinct-buyer HLLs over [from, now] are deleted first (the product keys
// are unknown before the events name them).
func (w *rebuildWriter) flush(ctx context.Context) error {
	if len(w.batch) == 0 {
		return nil
	}
	var agg batchAgg
	agg.init()
	agg.noLate = true
	p := w.e.rdb.Pipeline()
	for i := range w.batch {
		ev := &w.batch[i]
		if ev.Product != "" && !w.seen[ev.Product] {
			w.seen[ev.Product] = true
			w.clearProductHLLs(ctx, p, ev.Product)
		}
		agg.add(w.shop, ev, w.now)
	}
	if w.e.names != nil { // questions attach to products as they did when they arrived
		(&Counters{names: w.e.names, Now: w.e.now}).attachProducts(ctx, w.shop, &agg)
	}
	agg.write(ctx, p)
	w.n += len(w.batch)
	w.batch = w.batch[:0]
	_, err := p.Exec(ctx)
	return err
}

// clearProductHLLs queues the deletion of the product's distinct-user HLLs in every span's
// buckets over [from, now].
func (w *rebuildWriter) clearProductHLLs(ctx context.Context, p redis.Pipeliner, product string) {
	for _, sp := range spans {
		for _, b := range (span{bucketStart(w.from, sp), bucketStart(w.now, sp) + sp}).buckets(sp) {
			p.Del(ctx, hllKey(w.shop, w.room, hllClickers, product, sp, b), hllKey(w.shop, w.room, hllBuyers, product, sp, b))
		}
	}
}
