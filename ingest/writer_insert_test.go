package ingest

import (
	"context"
	"testing"
	"time"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestInsertBlocksOnePart: an INSERT sent in blocks of flushRows is still one INSERT to the
// server: its rows land as one part (merges stopped, so nothing hides a second part), every row
// under its own batch id and fields.
func TestInsertBlocksOnePart(t *testing.T) {
	opts, conn := localtest.Database(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := conn.Exec(ctx, "SYSTEM STOP MERGES "+opts.Database+".events"); err != nil {
		t.Fatal(err)
	}
	evs := testEvents("blk", 2*flushRows+123)
	for i := range evs {
		evs[i].Amount = int64(i)
	}
	half := len(evs) / 2
	if err := insertChunks(ctx, conn, []chunk{{batch: "b1", events: evs[:half]}, {batch: "b2", events: evs[half:]}}); err != nil {
		t.Fatal(err)
	}
	expectRows(t, conn, uint64(len(evs)))
	var parts uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.parts WHERE database = ? AND table = 'events' AND active", opts.Database).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	if parts != 1 {
		t.Errorf("%d parts after one INSERT of %d rows in blocks of %d; want 1", parts, len(evs), flushRows)
	}
	var b1, b2, sum uint64
	q := "SELECT countIf(batch = 'b1'), countIf(batch = 'b2'), toUInt64(sum(amount)) FROM events WHERE shop = 'w'"
	if err := conn.QueryRow(ctx, q).Scan(&b1, &b2, &sum); err != nil {
		t.Fatal(err)
	}
	n := uint64(len(evs))
	if b1 != uint64(half) || b2 != n-uint64(half) || sum != n*(n-1)/2 {
		t.Errorf("batches %d + %d, amounts sum %d; want %d + %d, %d", b1, b2, sum, half, n-uint64(half), n*(n-1)/2)
	}

}
