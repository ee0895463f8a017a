package live

import (
	"context"
	"fmt"
	"time"

	"github.com/livedesk/livedesk/ingest"
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
	rows, err := e.ch.Query(ctx, `SELECT id, type, ts, ts_ms, user, product, status, amount, value, text
		FROM events FINAL WHERE shop = ? AND room = ? AND ts >= ? AND ts <= ? ORDER BY ts, ts_ms`,
		shop, room, from.UTC().Truncate(time.Second), now.UTC())
	if err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	seen := map[string]bool{} // products whose HLL keys were cleared
	var batch []ingest.Event
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var agg batchAgg
		agg.init()
		agg.noLate = true
		p := e.rdb.Pipeline()
		for i := range batch {
			ev := &batch[i]
			if ev.Product != "" && !seen[ev.Product] {
				seen[ev.Product] = true
				for _, sp := range spans {
					for _, b := range (span{bucketStart(from, sp), bucketStart(now, sp) + sp}).buckets(sp) {
						p.Del(ctx, hllKey(shop, room, hllClickers, ev.Product, sp, b), hllKey(shop, room, hllBuyers, ev.Product, sp, b))
					}
				}
			}
			agg.add(shop, ev, now)
		}
		agg.write(ctx, p)
		n += len(batch)
		batch = batch[:0]
		_, err := p.Exec(ctx)
		return err
	}
	for rows.Next() {
		var ev ingest.Event
		var ms uint16
		if err := rows.Scan(&ev.ID, &ev.Type, &ev.TS, &ms, &ev.User, &ev.Product, &ev.Status, &ev.Amount, &ev.Value, &ev.Text); err != nil {
			return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
		}
		if ev.Type == ingest.TypeStock {
			continue // stock is per shop and kept by its own hash
		}
		ev.Shop, ev.Room = shop, room
		ev.TS = ev.TS.UTC().Add(time.Duration(ms) * time.Millisecond)
		batch = append(batch, ev)
		if len(batch) >= rebuildChunk {
			if err := flush(); err != nil {
				return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	if err := e.restorePinned(ctx, shop, room); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: pinned product: %w", shop, room, err)
	}
	if err := e.rdb.Set(ctx, markerKey(shop, room), start.Unix(), BucketTTL).Err(); err != nil {
		return fmt.Errorf("live: rebuild %s/%s: %w", shop, room, err)
	}
	e.Log.Info("live: rebuilt room from ClickHouse", "shop", shop, "room", room, "events", n, "took", time.Since(start))
	return nil
}
