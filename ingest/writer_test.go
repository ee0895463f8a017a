package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func testEvents(prefix string, n int) []Event {
	out := make([]Event, n)
	ts := time.Now().UTC().Truncate(time.Millisecond)
	for i := range out {
		out[i] = Event{Shop: "w", ID: fmt.Sprintf("%s-%d", prefix, i), Type: TypeClick, TS: ts, Received: ts, Room: "r", User: "u", Product: "p"}
	}
	return out
}

// TestSpoolReplayExactlyOnce: spooled batches reach ClickHouse once each, including a batch that
// a crash left half inserted; writes while ClickHouse is stopped are spooled (durable) and
// replayed once it is back on the same port.
func TestSpoolReplayExactlyOnce(t *testing.T) {
	ch := localtest.ClickHouseServer(t)
	ctx := context.Background()
	opts := schema.Options{Addr: ch.Addr, Database: "w"}
	conn, err := schema.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := schema.Migrate(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	spool, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Left by a previous process: three spooled batches, the second already half inserted when
	// it crashed, and an incomplete temp file whose events were never acknowledged.
	for i := range 3 {
		id := newBatchID()
		evs := testEvents(fmt.Sprintf("old%d", i), 1000)
		if err := spool.Write(id, evs); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := InsertBatch(ctx, conn, id, evs[:500]); err != nil {
				t.Fatal(err)
			}
		}
	}
	os.WriteFile(spool.dir+"/zzz.ndjson.tmp", []byte("{half"), 0o644)
	spool, _ = OpenSpool(spool.dir) // reopening drops the temp file
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	w := NewWriter(conn, spool, log, WriterConfig{RetryEvery: 100 * time.Millisecond})
	defer w.Close()
	waitSpoolEmpty(t, spool, w)
	expectRows(t, conn, 3000)

	ch.Stop()
	if err := w.Write(ctx, testEvents("down", 700)); err != nil {
		t.Fatalf("write with ClickHouse stopped: %v", err)
	}
	if st := w.Stats(); st.SpooledRows != 700 || !w.Down() {
		t.Fatalf("not spooled: %+v", st)
	}
	if err := w.Write(ctx, testEvents("down2", 300)); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	ch2, err := localdb.StartClickHouse(rctx, ch.Dir, ch.Port)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ch2.Stop)
	waitSpoolEmpty(t, spool, w)
	if err := w.Write(ctx, testEvents("up", 100)); err != nil {
		t.Fatal(err)
	}
	expectRows(t, conn, 4100)
	if st := w.Stats(); st.ReplayedRows != 2500+1000 {
		t.Fatalf("replayed %d rows, want 3500 (2500 old + 1000 while down)", st.ReplayedRows)
	}
}

func waitSpoolEmpty(t *testing.T, s *Spool, w *Writer) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ids, _ := s.Pending()
		if len(ids) == 0 && !w.Down() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool still holds %d batches", len(ids))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func expectRows(t *testing.T, conn driver.Conn, want uint64) {
	t.Helper()
	var rows, ids uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), uniqExact(id) FROM events WHERE shop = 'w'").Scan(&rows, &ids); err != nil {
		t.Fatal(err)
	}
	if rows != want || ids != want {
		t.Fatalf("%d rows, %d distinct ids; want %d of each", rows, ids, want)
	}
}

// TestSpillUnderLoad: with an INSERT running and a backlog, batches are fsynced to the spool and
// acknowledged at once, then inserted by the replayer; every event lands exactly once, and the
// OnReplay hooks see each spilled event once, after it is stored.
func TestSpillUnderLoad(t *testing.T) { spillUnderLoad(t, WriterConfig{SpillAt: 1}) }

// TestSpillOverMemoryBound: with SpillMemory at one byte every spilled batch is kept on disk
// only and read back from its file by the replayer, each row still stored exactly once and
// announced once, and no spilled batch's events held in memory meanwhile.
func TestSpillOverMemoryBound(t *testing.T) {
	spillUnderLoad(t, WriterConfig{SpillAt: 1, SpillMemory: 1})
}

func spillUnderLoad(t *testing.T, cfg WriterConfig) {
	_, conn := localtest.Database(t)
	spool, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	w := NewWriter(conn, spool, log, cfg)
	defer w.Close()
	var memMax int64
	var hookMu sync.Mutex
	hooked := map[string]int{}
	var notStored error
	w.OnReplay(func(ctx context.Context, batches [][]Event) {
		hookMu.Lock()
		defer hookMu.Unlock()
		for _, evs := range batches {
			for _, e := range evs {
				hooked[e.ID]++
			}
		}
		var n uint64
		last := batches[len(batches)-1]
		if err := conn.QueryRow(ctx, "SELECT count() FROM events WHERE shop = 'spill' AND id = ?", last[len(last)-1].ID).Scan(&n); err != nil || n != 1 {
			notStored = fmt.Errorf("hook ran before the rows were stored: %d rows, %v", n, err)
		}
	})
	total := 0
	for round := 0; round < 50 && w.Stats().SpilledRows == 0; round++ {
		errs := make(chan error, 20)
		for i := range 20 {
			go func(i int) {
				evs := testEvents(fmt.Sprintf("r%d-%d", round, i), 500)
				for j := range evs {
					evs[j].Shop = "spill"
				}
				errs <- w.Write(context.Background(), evs)
				w.memMu.Lock()
				memMax = max(memMax, w.memBytes)
				w.memMu.Unlock()
			}(i)
		}
		for range 20 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		total += 20 * 500
	}
	st := w.Stats()
	if st.SpilledRows == 0 {
		t.Fatalf("nothing spilled: %+v", st)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.Sync(sctx); err != nil {
		t.Fatal(err)
	}
	var rows, ids uint64
	if err := conn.QueryRow(context.Background(), "SELECT count(), uniqExact(id) FROM events WHERE shop = 'spill'").Scan(&rows, &ids); err != nil {
		t.Fatal(err)
	}
	if rows != uint64(total) || ids != uint64(total) {
		t.Fatalf("%d rows, %d distinct ids; want %d", rows, ids, total)
	}
	if w.spilled.Load() != 0 || len(w.mem) != 0 || w.memBytes != 0 || w.queuedB.Load() != 0 {
		t.Fatalf("spilled events not released: %d, %d batches, %d bytes, %d bytes queued", w.spilled.Load(), len(w.mem), w.memBytes, w.queuedB.Load())
	}
	if cfg.SpillMemory == 1 && memMax != 0 {
		t.Fatalf("%d bytes of spilled batches held in memory over a 1-byte bound", memMax)
	}
	hookMu.Lock()
	defer hookMu.Unlock()
	if notStored != nil {
		t.Fatal(notStored)
	}
	if int64(len(hooked)) != st.SpilledRows {
		t.Fatalf("OnReplay saw %d events, %d were spilled", len(hooked), st.SpilledRows)
	}
	for id, n := range hooked {
		if n != 1 {
			t.Fatalf("OnReplay saw %s %d times", id, n)
		}
	}
	t.Logf("writer %+v", w.Stats())
}
