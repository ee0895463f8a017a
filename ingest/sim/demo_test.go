package sim

import (
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// TestDemoShop: the demo's earlier sessions and shop day are valid wire events, never in the
// future, with unique ids, and hold what each daily job looks for.
func TestDemoShop(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 3, 10, 14, 30, 0, 0, loc)
	past := PastSessions("demo", "live1", 42, now, loc, 7, 10*time.Minute)
	if len(past) != 7 {
		t.Fatalf("%d past sessions, want 7", len(past))
	}
	var pastEvents []ingest.Event
	for i, p := range past {
		if p.Start.In(loc).Hour() != 20 || !p.End.Before(now) || (i > 0 && !p.Start.After(past[i-1].End)) {
			t.Fatalf("session %d: %v – %v", i, p.Start.In(loc), p.End.In(loc))
		}
		pastEvents = append(pastEvents, p.Events...)
	}
	day := ShopDay("demo", "live1", 42, now, pastEvents)
	all := append(append([]ingest.Event{}, pastEvents...), day...)
	var body []byte
	ids := map[string]bool{}
	count := map[string]int{}
	for i := range all {
		e := &all[i]
		if e.TS.After(now) || ids[e.ID] {
			t.Fatalf("event %s at %v: in the future or a duplicate id", e.ID, e.TS)
		}
		ids[e.ID] = true
		count[e.Type+"/"+e.Status]++
		body = AppendJSON(body, e)
	}
	evs, rej := ingest.Parse(body, "demo", now)
	if len(rej) > 0 || len(evs) != len(all) {
		t.Fatalf("%d of %d events parse; first reject %v", len(evs), len(all), rej)
	}
	paid, shipped := count["order/paid"], count["order/shipped"]
	t.Logf("%d past events, %d shop-day events: %v", len(pastEvents), len(day), count)
	if shipped < paid*8/10 || shipped >= paid {
		t.Fatalf("%d of %d paid orders shipped: want most, not all", shipped, paid)
	}
	for _, k := range []string{"review/", "cs_message/", "coupon/", "order/refund_requested", "order/delivered", "stock/"} {
		if count[k] == 0 {
			t.Errorf("no %s events", k)
		}
	}
}

// TestDemoPastOrdersSettle: every order placed in an earlier session is paid or cancelled (only
// the shop day's deliberate few stay unpaid), so the unpaid job finds the demo's cases, not noise.
func TestDemoPastOrdersSettle(t *testing.T) {
	loc := time.UTC
	now := time.Date(2026, 3, 10, 14, 30, 0, 0, loc)
	settled, created := map[string]bool{}, map[string]bool{}
	for _, p := range PastSessions("demo", "live1", 9, now, loc, 3, 5*time.Minute) {
		for _, e := range p.Events {
			if e.Type != ingest.TypeOrder {
				continue
			}
			if e.Status == ingest.StatusCreated {
				created[e.Order] = true
			} else {
				settled[e.Order] = true
			}
		}
	}
	for o := range created {
		if !settled[o] {
			t.Errorf("order %s of a past session was never paid or cancelled", o)
		}
	}
	if len(created) == 0 {
		t.Fatal("no orders in the past sessions")
	}
}
