package sim

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

var start = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestSameSeedSameStream(t *testing.T) {
	cfg := Config{Shop: "s1", Room: "r1", Seed: 7, Start: start}
	a := Generate(cfg, 10*time.Minute)
	// The same stream drawn in uneven steps is identical.
	g := New(cfg)
	var b []ingest.Event
	for d := time.Duration(0); d < 10*time.Minute; d += 1700 * time.Millisecond {
		b = append(b, g.Advance(d)...)
	}
	b = append(b, g.Advance(10*time.Minute)...)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("stream differs between one call (%d events) and steps (%d events)", len(a), len(b))
	}
	c := Generate(Config{Shop: "s1", Room: "r1", Seed: 8, Start: start}, 10*time.Minute)
	if reflect.DeepEqual(a, c) {
		t.Fatal("another seed gave the same stream")
	}
	ids := map[string]bool{}
	for i, e := range a {
		if ids[e.ID] {
			t.Fatalf("id %s repeated", e.ID)
		}
		ids[e.ID] = true
		if i > 0 && e.TS.Before(a[i-1].TS) {
			t.Fatalf("event %d goes back in time", i)
		}
	}
}

// TestRealisticStream checks the shape of 30 simulated minutes for several seeds, including the
// no-sale scenario: >100 clicks on one product within 5 minutes, no paid order, early on.
func TestRealisticStream(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3, 42, 99} {
		evs := Generate(Config{Shop: "s1", Room: "r1", Seed: seed, Start: start}, 30*time.Minute)
		byType := map[string]int{}
		status := map[string]int{}
		var questions, gmv int64
		for _, e := range evs {
			byType[e.Type]++
			if e.Type == ingest.TypeOrder {
				status[e.Status]++
				if e.Status == ingest.StatusPaid {
					gmv += e.Amount
				}
			}
			if e.Type == ingest.TypeComment && strings.ContainsAny(e.Text, "码货钱质券优") {
				questions++
			}
		}
		t.Logf("seed %d: %d events %v orders %v GMV ¥%.2f questions %d", seed, len(evs), byType, status, float64(gmv)/100, questions)
		for _, typ := range []string{"enter", "leave", "online", "impression", "click", "order", "comment", "follow", "like", "share", "ad_spend", "pin", "unpin", "stock"} {
			if byType[typ] == 0 {
				t.Errorf("seed %d: no %s events", seed, typ)
			}
		}
		if byType["ad_spend"] != 30 {
			t.Errorf("seed %d: %d ad_spend events in 30 minutes, want 30", seed, byType["ad_spend"])
		}
		if status["paid"] == 0 || status["cancelled"] == 0 || status["created"] < status["paid"] {
			t.Errorf("seed %d: order statuses %v", seed, status)
		}
		if questions < 20 {
			t.Errorf("seed %d: only %d buyer questions", seed, questions)
		}
		ctr := float64(byType["click"]) / float64(byType["impression"])
		if ctr < 0.03 || ctr > 0.2 {
			t.Errorf("seed %d: CTR %.3f is not realistic", seed, ctr)
		}
		if at, ok := noSaleWindow(evs); !ok {
			t.Errorf("seed %d: no product drew >100 clicks in 5 minutes without a sale", seed)
		} else if at > 6*time.Minute {
			t.Errorf("seed %d: the no-sale scenario comes only after %v", seed, at)
		}
	}
}

// noSaleWindow finds the first time some product has >100 clicks in the 5 minutes before it and no
// paid order in them.
func noSaleWindow(evs []ingest.Event) (time.Duration, bool) {
	clicks := map[string][]time.Time{}
	paid := map[string][]time.Time{}
	for _, e := range evs {
		switch {
		case e.Type == ingest.TypeClick:
			clicks[e.Product] = append(clicks[e.Product], e.TS)
		case e.Type == ingest.TypeOrder && e.Status == ingest.StatusPaid:
			paid[e.Product] = append(paid[e.Product], e.TS)
		}
		if e.Type != ingest.TypeClick {
			continue
		}
		from := e.TS.Add(-5 * time.Minute)
		n := 0
		for _, c := range clicks[e.Product] {
			if c.After(from) {
				n++
			}
		}
		sold := false
		for _, p := range paid[e.Product] {
			if p.After(from) {
				sold = true
			}
		}
		if n > 100 && !sold {
			return e.TS.Sub(start), true
		}
	}
	return 0, false
}

// TestWireRoundTrip: every generated event, encoded, passes ingest.Parse unchanged.
func TestWireRoundTrip(t *testing.T) {
	evs := Generate(Config{Shop: "s1", Room: "r1", Seed: 5, Start: time.Now().Add(-20 * time.Minute)}, 15*time.Minute)
	var body []byte
	for i := range evs {
		body = AppendJSON(body, &evs[i])
	}
	got, rejects := ingest.Parse(body, "s1", time.Now())
	if len(rejects) > 0 {
		t.Fatalf("rejects: %v", rejects[:min(len(rejects), 5)])
	}
	if len(got) != len(evs) {
		t.Fatalf("parsed %d of %d", len(got), len(evs))
	}
	for i := range got {
		got[i].Received = time.Time{}
		if !reflect.DeepEqual(got[i], evs[i]) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got[i], evs[i])
		}
	}
}

func TestAppendStringEscapes(t *testing.T) {
	ev := ingest.Event{ID: "a\"b\\c", Type: "comment", TS: start, Room: "r", Text: "换行\n\t制表\x7f\x01"} // ids refuse control characters; text keeps them
	got, rejects := ingest.Parse(AppendJSON(nil, &ev), "s", start)
	if len(rejects) != 0 || got[0].ID != ev.ID || got[0].Text != ev.Text {
		t.Fatalf("got %+v %v", got, rejects)
	}
}
