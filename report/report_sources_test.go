package report

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestReportSources: entries by source per session and per minute (a stored copy counted once,
// unsourced entries kept apart), paid orders and GMV by the source their order events name, and
// the sources sheet in the shop's zone and currency.
func TestReportSources(t *testing.T) {
	ctx := context.Background()
	_, ch := localtest.Database(t)
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	span := SessionSpan{Shop: "s1", Room: "r1", Session: "x1", Start: start, End: start.Add(5 * time.Minute)}
	n := 0
	ev := func(at time.Duration, typ, user, source string) ingest.Event {
		n++
		return ingest.Event{Shop: "s1", Room: "r1", ID: fmt.Sprintf("e%d", n), Type: typ, TS: start.Add(at), User: user,
			Source: source, Received: start.Add(at)}
	}
	order := func(at time.Duration, id, source string, amount int64) ingest.Event {
		e := ev(at, ingest.TypeOrder, "b-"+id, source)
		e.Order, e.Status, e.Amount, e.Qty, e.Product = id, ingest.StatusPaid, amount, 1, "p1"
		return e
	}
	events := []ingest.Event{
		ev(5*time.Second, ingest.TypeEnter, "a", "feed"), ev(6*time.Second, ingest.TypeEnter, "b", "feed"),
		ev(7*time.Second, ingest.TypeEnter, "c", "feed"), ev(8*time.Second, ingest.TypeEnter, "d", "paid"),
		ev(9*time.Second, ingest.TypeEnter, "e", ""),
		ev(70*time.Second, ingest.TypeEnter, "f", "search"), ev(71*time.Second, ingest.TypeEnter, "g", "search"),
		order(80*time.Second, "o1", "paid", 1000), order(81*time.Second, "o2", "", 500), order(82*time.Second, "o3", "feed", 300),
	}
	insertRaw(t, ch, "b1", events)
	insertRaw(t, ch, "b2", []ingest.Event{events[0], events[9]}) // stored copies
	r, err := (&Builder{CH: ch}).Build(ctx, span)
	if err != nil {
		t.Fatal(err)
	}
	if r.Headline.GMV != 1800 || r.Sources == nil {
		t.Fatalf("GMV %d, sources %+v", r.Headline.GMV, r.Sources)
	}
	got := ""
	for _, s := range r.Sources.Session {
		got += fmt.Sprintf("%s:%d/%.0f/%.0f:%d:%d ", s.Source, s.Entries, s.Share.Num, s.Share.Den, s.Orders, s.GMV)
	}
	if want := "feed:3/3/7:1:300 search:2/2/7:0:0 paid:1/1/7:1:1000 :1/1/7:1:500 "; got != want {
		t.Fatalf("session sources\n got %s\nwant %s", got, want)
	}
	if len(r.Sources.Minutes) != 2 || fmt.Sprint(r.Sources.Minutes[0].Entries) != "map[:1 feed:3 paid:1]" ||
		fmt.Sprint(r.Sources.Minutes[1].Entries) != "map[search:2]" || !r.Sources.Minutes[1].T.Equal(start.Add(time.Minute)) {
		t.Fatalf("minutes %+v", r.Sources.Minutes)
	}

	la, _ := time.LoadLocation("America/Los_Angeles")
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, r, "en", la, livedesk.CurrencyOf("USD")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("Traffic sources")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 || rows[1][0] != "Feed" || rows[1][1] != "3" || rows[3][0] != "Paid (ads)" || rows[3][4] != "$10.00" ||
		rows[4][0] != "Unknown" || rows[7][0] != "Minute" || rows[8][0] != "2026-11-20 04:00" || rows[9][2] != "2" {
		t.Fatalf("sources sheet %q", rows)
	}
	gmv, _ := f.GetCellValue("Summary", "B7")
	if gmv != "$18.00" {
		t.Fatalf("summary GMV cell %q, want $18.00", gmv)
	}
	// A VND shop: whole đồng, symbol after.
	buf.Reset()
	if err := WriteXLSX(&buf, r, "zh", la, livedesk.CurrencyOf("VND")); err != nil {
		t.Fatal(err)
	}
	if f, err = excelize.OpenReader(&buf); err != nil {
		t.Fatal(err)
	}
	if gmv, _ := f.GetCellValue("概览", "B7"); gmv != "1,800₫" {
		t.Fatalf("VND summary GMV cell %q, want 1,800₫", gmv)
	}
}
