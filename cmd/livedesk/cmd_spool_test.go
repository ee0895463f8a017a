package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestSpoolReplayOrphan: the spool of an instance that never returns holds three batches, one of
// which the instance stored just before it died. `livedesk spool replay --dir` stores the other
// two once and empties the directory.
func TestSpoolReplayOrphan(t *testing.T) {
	ctx := context.Background()
	opts, conn := localtest.Database(t)
	dir := t.TempDir()
	spool, err := ingest.OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Now().Add(-time.Hour).Truncate(time.Second)
	batch := func(n int) []ingest.Event {
		var out []ingest.Event
		for i := range 10 {
			out = append(out, ingest.Event{Shop: "shopA", Room: "r1", ID: fmt.Sprintf("b%d-%d", n, i), Type: "enter", User: "u", TS: ts, Received: ts})
		}
		return out
	}
	for n := range 3 {
		if err := spool.Write(fmt.Sprintf("batch%d", n), batch(n)); err != nil {
			t.Fatal(err)
		}
	}
	// Batch 0 reached ClickHouse before the instance died (its file was not removed yet).
	b, err := conn.PrepareBatch(ctx, "INSERT INTO events (shop, room, ts, id, type, user, received, batch)")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range batch(0) {
		if err := b.Append(e.Shop, e.Room, e.TS, e.ID, e.Type, e.User, e.Received, "batch0"); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	args := []string{"spool", "replay", "--dir", dir, "--clickhouse-addr", opts.Addr, "--clickhouse-db", opts.Database}
	if code := run(ctx, args, &out, &errb); code != 0 {
		t.Fatalf("spool replay: exit %d: %s %s", code, out.String(), errb.String())
	}
	var rows, ids uint64
	if err := conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM events WHERE shop = 'shopA'").Scan(&rows, &ids); err != nil {
		t.Fatal(err)
	}
	if rows != 30 || ids != 30 {
		t.Fatalf("rows %d, ids %d after replay, want 30 and 30 (%s)", rows, ids, out.String())
	}
	if left, _ := spool.Pending(); len(left) != 0 {
		t.Fatalf("left in the spool: %v", left)
	}
}
