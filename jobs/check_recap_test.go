package jobs

import (
	"context"
	"fmt"
	"testing"

	"github.com/livedesk/livedesk/ingest"
)

// TestRecapFromRawEvents stores fixture days (one missing) and checks the morning recap's
// figures, averages over the days with data, the return-rate task and the retention list.
func TestRecapFromRawEvents(t *testing.T) {
	f := newFixture(t, sh(2026, 3, 10, 0, 0))
	// Days 03-02 … 03-08 (03-05 missing): each 10 entries, 100 impressions, 10 clicks, one paid order of ¥100.
	for d := 2; d <= 8; d++ {
		if d == 5 {
			continue
		}
		at := sh(2026, 3, d, 20, 0)
		for i := 0; i < 10; i++ {
			f.ev(at, ingest.Event{Type: ingest.TypeEnter, Room: "r", User: fmt.Sprintf("v%d", i), Source: "feed"})
		}
		f.order(at, fmt.Sprintf("o%d", d), "paid", "u1", 10000)
	}
	// Yesterday 03-09: 20 entries (15 feed, 5 paid), product P: 10 paid orders, 2 refunded.
	at := sh(2026, 3, 9, 15, 0)
	for i := 0; i < 20; i++ {
		src := "feed"
		if i >= 15 {
			src = "paid"
		}
		f.ev(at, ingest.Event{Type: ingest.TypeEnter, Room: "r", User: fmt.Sprintf("w%d", i), Source: src})
	}
	for i := 0; i < 10; i++ {
		id := fmt.Sprintf("p%d", i)
		f.ev(at, ingest.Event{Type: ingest.TypeOrder, Order: id, Status: "paid", User: fmt.Sprintf("b%d", i), Product: "P", Amount: 5000, Qty: 1, Source: "paid"})
		if i < 2 {
			f.ev(at.Add(3600e9), ingest.Event{Type: ingest.TypeOrder, Order: id, Status: "refunded", User: fmt.Sprintf("b%d", i), Amount: 5000})
		}
	}
	f.ev(at, ingest.Event{Type: ingest.TypeAdSpend, Room: "r", Amount: 10000})
	f.run(sh(2026, 3, 10, 8, 30), "morning_recap")
	r, ok, err := f.runner.Store.Recap(context.Background(), shop, RecapMorning, "2026-03-09")
	if err != nil || !ok {
		t.Fatalf("recap: %v %v", ok, err)
	}
	val := func(k string) float64 { return *r.Metric(k).Value }
	if val(MViews) != 20 || val(MGMV) != 50000 || val(MPaid) != 10 || val(MRefunds) != 10000 || val(MAdSpend) != 10000 || val(MROI) != 5 {
		t.Fatalf("day figures: %+v", r.Counts)
	}
	m := r.Metric(MGMV)
	if m.Days7 != 6 || *m.Avg7 != 10000 || *m.Avg30 != 10000 {
		t.Fatalf("GMV averages over days with data: %+v avg7=%v", m, *m.Avg7)
	}
	if len(r.Sources) != 2 || r.Sources[0].Source != "feed" || r.Sources[0].Views != 15 || r.Sources[1].GMV != 50000 {
		t.Fatalf("sources: %+v", r.Sources)
	}
	if len(r.HighReturn) != 1 || r.HighReturn[0].Product != "P" {
		t.Fatalf("high return: %+v", r.HighReturn)
	}
	if got := f.open(TypeReturnRate); len(got) != 1 {
		t.Fatalf("return-rate tasks: %v", got)
	}
	list, err := f.runner.Store.Retention(context.Background(), shop, sh(2026, 2, 9, 0, 0), sh(2026, 3, 10, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	// u1 (6 orders) and b2…b9; b0 and b1 refunded everything.
	if len(list) != 9 {
		t.Fatalf("retention list: %d customers: %+v", len(list), list)
	}
	for _, c := range list {
		if c.User == "u1" && (c.Orders != 6 || c.Spend != 60000) {
			t.Fatalf("u1: %+v", c)
		}
		if c.User == "b0" || c.User == "b1" {
			t.Fatalf("refunded customer listed: %+v", c)
		}
	}
}
