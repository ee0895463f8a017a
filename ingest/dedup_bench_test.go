package ingest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// BenchmarkClaim claims and commits 1,000 new ids per op on a private Redis, with the shop's
// dedup epoch settled (older than the TTL: Redis alone answers).
func BenchmarkClaim(b *testing.B) {
	_, rdb := localtest.Redis(b)
	d := NewDedup(rdb)
	old := epochLayout + strconv.FormatInt(time.Now().Add(-2*DedupTTL).UnixMilli(), 10)
	if err := rdb.Set(context.Background(), epochKey("shop"), old, 0).Err(); err != nil {
		b.Fatal(err)
	}
	benchClaims(b, d, "shop", "")
}

// BenchmarkClaimThreeGenerations is BenchmarkClaim for a shop that has been busy for days: the
// two generations before the claim's each hold 200,000 committed ids, so every new id is also
// looked up in both (the steady state of a shop that ingests every day).
func BenchmarkClaimThreeGenerations(b *testing.B) {
	_, rdb := localtest.Redis(b)
	d := NewDedup(rdb)
	now := time.Now()
	old := epochLayout + strconv.FormatInt(now.Add(-2*DedupTTL).UnixMilli(), 10)
	if err := rdb.Set(context.Background(), epochKey("shop"), old, 0).Err(); err != nil {
		b.Fatal(err)
	}
	evs := make([]Event, 1000)
	for age := 2; age >= 1; age-- {
		at := now.Add(-time.Duration(age) * generationLen(d.ttl))
		d.now = func() time.Time { return at }
		for k := 0; k < 200_000; k += len(evs) {
			for i := range evs {
				evs[i].ID = "old-" + strconv.Itoa(age) + "-" + strconv.Itoa(k+i)
			}
			c, err := d.Claim(context.Background(), "shop", evs)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Commit(context.Background(), c); err != nil {
				b.Fatal(err)
			}
		}
	}
	d.now = nil
	benchClaims(b, d, "shop", "")
}

// BenchmarkClaimYoungEpoch is BenchmarkClaim in the TTL after Redis lost its memory (or a new
// shop): every batch of new ids is also looked up in ClickHouse, in a table already holding
// 1,000,000 of the shop's events over the last 48 hours in 4 rooms.
func BenchmarkClaimYoungEpoch(b *testing.B) {
	_, rdb := localtest.Redis(b)
	_, conn := localtest.Database(b)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	const stored = 1_000_000
	evs := make([]Event, 0, 100_000)
	for i := range stored {
		evs = append(evs, Event{Shop: "shop", Room: "room" + strconv.Itoa(i%4), Type: TypeClick,
			ID: "old-" + strconv.Itoa(i), User: "u", Product: "p",
			TS: now.Add(-time.Duration(stored-i) * 170 * time.Millisecond), Received: now})
		if len(evs) == cap(evs) {
			if err := InsertBatch(ctx, conn, "bench", evs); err != nil {
				b.Fatal(err)
			}
			evs = evs[:0]
		}
	}
	d := NewDedup(rdb)
	d.Stored = StoredIDs(conn)
	benchClaims(b, d, "shop", "room1")
}

func benchClaims(b *testing.B, d *Dedup, shop, room string) {
	evs := make([]Event, 1000)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		ts := time.Now().UTC().Truncate(time.Millisecond)
		for i := range evs {
			n++
			evs[i].ID = "sim-1-room1-" + strconv.Itoa(n)
			evs[i].Room, evs[i].TS = room, ts
		}
		c, err := d.Claim(context.Background(), shop, evs)
		if err != nil || len(c.Fresh) != len(evs) {
			b.Fatal(err)
		}
		if err := d.Commit(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
}
