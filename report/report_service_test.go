package report

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestReportsBuildAndRebuildOnLateEvents: a session that ended gets its report from the sweep
// (no hook call: as after a crash), and a late event marks it dirty and is in the rebuilt report;
// so does an event received before the end whose row reached ClickHouse only after the build
// (acknowledged from the spool, then replayed).
func TestReportsBuildAndRebuildOnLateEvents(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, ch := localtest.Database(t)
	_, rdb := localtest.Redis(t)
	end := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	span := SessionSpan{Shop: "s1", Room: "r1", Session: "sess-late", Start: end.Add(-10 * time.Minute), End: end}
	f := makeFixture(2, span, 800)
	f.load(t, ch)
	b, err := ch.PrepareBatch(ctx, "INSERT INTO stream_sessions (shop, room, id, started, ended, auto, ended_by, version)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append("s1", "r1", "sess-late", span.Start, span.End, uint8(0), "operator", uint64(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	store := &Store{CH: ch}
	s := &Service{Builder: &Builder{CH: ch, Store: store}, Store: store, Redis: rdb,
		Sessions: live.NewEngine(rdb, ch, nil, slog.Default()),
		Sweep:    100 * time.Millisecond, LateDelay: 200 * time.Millisecond}
	go s.Run(ctx)
	first := waitReport(t, store, "sess-late", func(r *Report) bool { return true })
	// A late paid order inside the session.
	late := ingest.Event{Shop: "s1", Room: "r1", ID: "late-1", Type: ingest.TypeOrder, TS: span.Start.Add(time.Minute),
		User: "ulate", Product: "p1", Order: "late-o1", Status: ingest.StatusPaid, Amount: 12345, Qty: 1, Received: time.Now().UTC()}
	insertRaw(t, ch, "late", []ingest.Event{late})
	s.Observe(ctx, "s1", []ingest.Event{late})
	second := waitReport(t, store, "sess-late", func(r *Report) bool { return r.Built.After(first.Built) })
	if second.Headline.GMV != first.Headline.GMV+12345 || second.Headline.Orders != first.Headline.Orders+1 {
		t.Fatalf("late order not in the rebuild: GMV %d → %d, orders %d → %d", first.Headline.GMV, second.Headline.GMV,
			first.Headline.Orders, second.Headline.Orders)
	}
	if second.Quality.Late != first.Quality.Late+1 {
		t.Fatalf("late events %d → %d", first.Quality.Late, second.Quality.Late)
	}
	list, err := store.List(ctx, "s1", "r1", 10)
	if err != nil || len(list) != 1 || list[0].GMV != second.Headline.GMV {
		t.Fatalf("list %+v %v", list, err)
	}

	spilled := late
	spilled.ID, spilled.Order, spilled.Amount, spilled.Received = "spilled-1", "spilled-o1", 500, span.End.Add(-2*time.Second)
	insertRaw(t, ch, "replayed", []ingest.Event{spilled})
	s.Replayed(ctx, [][]ingest.Event{{spilled}})
	third := waitReport(t, store, "sess-late", func(r *Report) bool { return r.Built.After(second.Built) })
	if third.Headline.GMV != second.Headline.GMV+500 {
		t.Fatalf("replayed order not in the rebuild: GMV %d → %d", second.Headline.GMV, third.Headline.GMV)
	}
}

func waitReport(t *testing.T, store *Store, session string, ok func(*Report) bool) *Report {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		r, found, err := store.Load(context.Background(), "s1", session)
		if err != nil {
			t.Fatal(err)
		}
		if found && ok(r) {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("report of %s not (re)built in time", session)
	return nil
}

// TestReportCompareWithPreviousSessions: the comparison averages the previous sessions' stored
// headlines (at most 7) and gives the differences.
func TestReportCompareWithPreviousSessions(t *testing.T) {
	ctx := context.Background()
	_, ch := localtest.Database(t)
	store := &Store{CH: ch}
	b := &Builder{CH: ch, Store: store}
	base := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	var prev []*Report
	for i := 0; i < 9; i++ {
		span := SessionSpan{Shop: "s1", Room: "r1", Session: "d" + string(rune('a'+i)), Start: base.Add(time.Duration(i) * 24 * time.Hour)}
		span.End = span.Start.Add(5 * time.Minute)
		makeFixture(int64(10+i), span, 300).load(t, ch)
		r, err := b.Build(ctx, span)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
		prev = append(prev, r)
	}
	last := prev[8]
	if len(last.Compare.Sessions) != 7 || last.Compare.Sessions[0] != "dh" || last.Compare.Sessions[6] != "db" {
		t.Fatalf("compared with %v", last.Compare.Sessions)
	}
	var sum float64
	for _, r := range prev[1:8] {
		sum += float64(r.Headline.GMV)
	}
	row := last.Compare.Rows[0]
	if row.Metric != MetricGMV || !near(row.Average, sum/7) || !near(row.Delta, float64(last.Headline.GMV)-sum/7) {
		t.Fatalf("gmv row %+v, want average %v", row, sum/7)
	}
	if len(prev[0].Compare.Sessions) != 0 {
		t.Fatalf("first session compared with %v", prev[0].Compare.Sessions)
	}
}
