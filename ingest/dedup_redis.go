package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DedupTTL is how long an event id is remembered per shop.
const DedupTTL = 48 * time.Hour

// Dedup remembers event ids per shop in Redis (SET NX with a TTL), one pipeline per batch.
// Keys carry the shop as hash tag so a shop's keys share a cluster slot.
type Dedup struct {
	rdb redis.UniversalClient
	ttl time.Duration
}

// NewDedup returns a Dedup over rdb.
func NewDedup(rdb redis.UniversalClient) *Dedup { return &Dedup{rdb: rdb, ttl: DedupTTL} }

func dedupKey(shop, id string) string { return "ld:dedup:{" + shop + "}:" + id }

// Claim marks the ids of events as seen and returns the events not seen before (in order), how
// many were duplicates (also within the batch) and the claimed keys, to Release if the events
// then fail to become durable.
func (d *Dedup) Claim(ctx context.Context, shop string, events []Event) (fresh []Event, dups int, claimed []string, err error) {
	if len(events) == 0 {
		return nil, 0, nil, nil
	}
	pipe := d.rdb.Pipeline()
	cmds := make([]*redis.BoolCmd, len(events))
	for i := range events {
		cmds[i] = pipe.SetNX(ctx, dedupKey(shop, events[i].ID), 1, d.ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, 0, nil, fmt.Errorf("ingest: dedup: %w", err)
	}
	fresh = make([]Event, 0, len(events))
	claimed = make([]string, 0, len(events))
	for i, c := range cmds {
		if c.Val() {
			fresh = append(fresh, events[i])
			claimed = append(claimed, dedupKey(shop, events[i].ID))
		} else {
			dups++
		}
	}
	return fresh, dups, claimed, nil
}

// Release forgets claimed ids so that a retry of events that were not stored is not taken for a
// duplicate. Best effort: it uses its own short deadline.
func (d *Dedup) Release(keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pipe := d.rdb.Pipeline()
	for i := 0; i < len(keys); i += 1000 {
		j := min(i+1000, len(keys))
		pipe.Del(ctx, keys[i:j]...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ingest: dedup release: %w", err)
	}
	return nil
}
