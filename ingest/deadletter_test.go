package ingest

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// comments builds n comment events with ids prefix-i; those whose index is in bad say "poison".
func comments(prefix string, n int, bad ...int) []byte {
	var b bytes.Buffer
	ts := time.Now().Add(-time.Minute).UnixMilli()
	for i := range n {
		text := "好看"
		for _, j := range bad {
			if i == j {
				text = "poison"
			}
		}
		fmt.Fprintf(&b, `{"id":"%s-%d","type":"comment","ts":%d,"room":"r1","user":"u%d","text":"%s"}`+"\n", prefix, i, ts, i, text)
	}
	return b.Bytes()
}

// TestPoisonBatch: ClickHouse refuses three rows of a batch for their content (a column
// computed on insert throws on them). The batch's other rows and every other batch are stored, the three go to the
// dead letters with a metric and a hook, ingest never stops, and a re-drive after the cause is
// fixed stores them once.
func TestPoisonBatch(t *testing.T) {
	h := newHarness(t, 16<<20)
	ctx := context.Background()
	// A column computed on insert that throws stands for any content ClickHouse refuses. (A
	// throwing materialized view would not do: the table's rows are written before the views.)
	if err := h.conn.Exec(ctx, `ALTER TABLE events ADD COLUMN poison_check UInt8 MATERIALIZED throwIf(text = 'poison')`); err != nil {
		t.Fatal(err)
	}
	var hooked atomic.Int64
	h.writer.OnDeadLetter(func(_ context.Context, b DeadBatch) { hooked.Add(int64(b.Rows)) })
	before := testutil.ToFloat64(deadRows)

	key, other := h.key("s1"), h.key("s2")
	for _, body := range [][]byte{comments("a", 200), comments("b", 100, 5, 50, 99), comments("c", 200)} {
		if code, res := h.post(key, body); code != 200 {
			t.Fatalf("post: %d %v", code, res)
		}
	}
	if code, res := h.post(other, comments("d", 100)); code != 200 {
		t.Fatalf("other shop: %d %v", code, res)
	}
	waitFor(t, func() bool {
		return h.count("SELECT count() FROM events") == 597 && hooked.Load() == 3
	}, "good rows stored and the refused ones dead-lettered")
	if got := testutil.ToFloat64(deadRows) - before; got != 3 {
		t.Fatalf("dead-letter metric rose by %v, want 3", got)
	}
	if h.writer.Down() {
		t.Fatal("the writer still takes ClickHouse for down")
	}
	// Later batches go straight in.
	if code, _ := h.post(key, comments("e", 10)); code != 200 {
		t.Fatal("post after the poison")
	}
	waitFor(t, func() bool { return h.count("SELECT count() FROM events") == 607 }, "later batch stored")

	dl, err := OpenDeadLetters(h.writer.spool.dir)
	if err != nil {
		t.Fatal(err)
	}
	list, err := dl.List()
	if err != nil || len(list) != 1 || list[0].Rows != 3 || list[0].Shops[0] != "s1" {
		t.Fatalf("dead letters: %v %+v", err, list)
	}
	evs, err := dl.Read(list[0].ID)
	if err != nil || len(evs) != 3 || evs[0].Text != "poison" {
		t.Fatalf("dead batch: %v %+v", err, evs)
	}

	// Fixed at the cause; re-driven: stored once, the dead letters empty.
	if err := h.conn.Exec(ctx, "ALTER TABLE events DROP COLUMN poison_check"); err != nil {
		t.Fatal(err)
	}
	if err := dl.Redrive(list[0].ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		return h.count("SELECT count() FROM events WHERE text = 'poison'") == 3
	}, "re-driven rows stored")
	if list, _ := dl.List(); len(list) != 0 {
		t.Fatalf("dead letters after re-drive: %+v", list)
	}
	if n := h.count("SELECT count() FROM events"); n != 610 {
		t.Fatalf("%d rows in all, want 610", n)
	}
	if err := dl.Redrive("../../etc/passwd"); err == nil {
		t.Fatal("a path was accepted as a batch id")
	}
}

// TestBatchAcrossManyMonths: one request with events in 101 different months (current ClickHouse
// refuses an INSERT block touching more than 100 partitions) is stored whole.
func TestBatchAcrossManyMonths(t *testing.T) {
	h := newHarness(t, 16<<20)
	var b bytes.Buffer
	start := time.Date(2012, 1, 15, 12, 0, 0, 0, time.UTC)
	for i := range 101 {
		ts := start.AddDate(0, i, 0).UnixMilli()
		fmt.Fprintf(&b, `{"id":"m-%d","type":"click","ts":%d,"room":"r1","user":"u","product":"p1"}`+"\n", i, ts)
	}
	if code, res := h.post(h.key("s1"), b.Bytes()); code != 200 || num(res, "accepted") != 101 {
		t.Fatalf("post: %d %v", code, res)
	}
	waitFor(t, func() bool { return h.count("SELECT count() FROM events") == 101 }, "all months stored")
	if n := h.count("SELECT uniqExact(toYYYYMM(ts)) FROM events"); n != 101 {
		t.Fatalf("%d months stored", n)
	}
}

// TestByPartitions: rows are grouped so no group touches more than max months, each row keeps
// its batch id, and a batch of one month is passed through as it is.
func TestByPartitions(t *testing.T) {
	at := func(y, m int) Event { return Event{TS: time.Date(y, time.Month(m), 3, 0, 0, 0, 0, time.UTC)} }
	one := []chunk{{batch: "x", events: []Event{at(2026, 1), at(2026, 1)}}}
	if g := byPartitions(one, 2); len(g) != 1 || len(g[0]) != 1 || len(g[0][0].events) != 2 {
		t.Fatalf("one month: %+v", g)
	}
	many := []chunk{
		{batch: "x", events: []Event{at(2026, 1), at(2026, 5), at(2026, 2)}},
		{batch: "y", events: []Event{at(2026, 3), at(2026, 1), at(2026, 4)}},
	}
	g := byPartitions(many, 2)
	if len(g) != 3 {
		t.Fatalf("%d groups, want 3", len(g))
	}
	total := 0
	for _, grp := range g {
		months := map[int]bool{}
		for _, c := range grp {
			total += len(c.events)
			for _, e := range c.events {
				months[month(e.TS)] = true
			}
		}
		if len(months) > 2 {
			t.Fatalf("a group touches %d months", len(months))
		}
	}
	if total != 6 {
		t.Fatalf("%d rows after grouping, want 6", total)
	}
}

// TestHalve: halves keep every row once, in order, with its batch id.
func TestHalve(t *testing.T) {
	cs := []chunk{{batch: "a", events: make([]Event, 3)}, {batch: "b", events: make([]Event, 4)}}
	a, b := halve(cs)
	if rowsOf(a) != 3 || rowsOf(b) != 4 || a[0].batch != "a" || b[0].batch != "b" {
		t.Fatalf("halves %d/%d", rowsOf(a), rowsOf(b))
	}
	a, b = halve([]chunk{{batch: "a", events: make([]Event, 5)}})
	if rowsOf(a) != 2 || rowsOf(b) != 3 || b[0].batch != "a" {
		t.Fatalf("split chunk %d/%d", rowsOf(a), rowsOf(b))
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
