package jobs

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
	"github.com/livedesk/livedesk/shops"
)

// TestTwoShopsRunAtTheirOwnLocalTimes: a shop in Ho Chi Minh City (VND) and one in Los Angeles
// (USD), zones and currencies from shops.Settings, one scheduler on a controllable clock. Each
// morning recap fires at 08:30 of its own zone, recaps its own local yesterday (an order at
// 23:30 Los Angeles time belongs to that day there, though it is the next day in UTC) and
// writes money in its own currency.
func TestTwoShopsRunAtTheirOwnLocalTimes(t *testing.T) {
	_, conn := localtest.Database(t)
	ctx := context.Background()
	hcm, la := mustLoc("Asia/Ho_Chi_Minh"), mustLoc("America/Los_Angeles")
	settings := shops.New(conn, shanghai)
	if _, err := settings.Save(ctx, "shopvn", "Asia/Ho_Chi_Minh", "VND", "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := settings.Save(ctx, "shopus", "America/Los_Angeles", "usd", "admin"); err != nil {
		t.Fatal(err)
	}
	spool, err := ingest.OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w := ingest.NewWriter(conn, spool, log, ingest.WriterConfig{})
	t.Cleanup(w.Close)
	order := func(shop, id string, at time.Time, amount int64) {
		t.Helper()
		e := ingest.Event{ID: id, Shop: shop, Type: ingest.TypeOrder, Order: id, Status: "paid", User: "u-" + id,
			Product: "p1", Amount: amount, Qty: 1, TS: at.UTC(), Received: at.UTC()}
		if err := w.Write(ctx, []ingest.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	// 2026-03-09 local: VND 1,250,000 đồng in HCM; $12.34 + $0.99 in LA, the second at 23:30.
	order("shopvn", "v1", time.Date(2026, 3, 9, 14, 0, 0, 0, hcm), 1250000)
	order("shopus", "u1", time.Date(2026, 3, 9, 14, 0, 0, 0, la), 1234)
	order("shopus", "u2", time.Date(2026, 3, 9, 23, 30, 0, 0, la), 99)
	// 2026-03-10 local in HCM (= the 9th in LA until 09:00 UTC): not in either recap of the 9th.
	order("shopvn", "v2", time.Date(2026, 3, 10, 0, 30, 0, 0, hcm), 7)

	start := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	clock := clockwork.NewFakeClockAt(start)
	pub := &captured{}
	r := &Runner{Store: NewStore(conn), Registry: NewRegistry(MorningRecapJob()), Clock: clock, Publisher: pub, Log: log,
		Location: func(s string) *time.Location { return settings.Zone(ctx, s) },
		Currency: func(s string) livedesk.Currency { return settings.Currency(ctx, s) }}
	settings.Now = clock.Now
	sc := &Scheduler{Runner: r, Log: log, SyncEvery: 24 * time.Hour,
		Shops: func(context.Context) ([]string, error) { return []string{"shopvn", "shopus"}, nil }}
	if err := sc.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sc.Stop)
	vnAt, usAt := time.Date(2026, 3, 10, 8, 30, 0, 0, hcm), time.Date(2026, 3, 10, 8, 30, 0, 0, la)
	if got := sc.NextRun("shopvn", "morning_recap"); !got.Equal(vnAt) {
		t.Fatalf("shopvn next recap %s, want 08:30 Ho Chi Minh (%s)", got.UTC(), vnAt.UTC())
	}
	if got := sc.NextRun("shopus", "morning_recap"); !got.Equal(usAt) {
		t.Fatalf("shopus next recap %s, want 08:30 Los Angeles (%s)", got.UTC(), usAt.UTC())
	}
	runs := func(shop string) []Run {
		t.Helper()
		rs, err := r.Store.Runs(ctx, shop, "morning_recap", 10)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// advanceTo moves the clock to at once the scheduler armed its three timers (two recaps and
	// the settings sync), then waits for shop's run to be recorded.
	advanceTo := func(at time.Time, shop string) Run {
		t.Helper()
		bctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := clock.BlockUntilContext(bctx, 3); err != nil {
			t.Fatalf("scheduler never armed its timers: %v", err)
		}
		clock.Advance(at.Sub(clock.Now()))
		deadline := time.Now().Add(15 * time.Second)
		for {
			if rs := runs(shop); len(rs) > 0 && rs[0].Status != "" && rs[0].Status != "running" {
				return rs[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no recap run after %s", shop, at)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	run := advanceTo(vnAt, "shopvn")
	if run.Status != "ok" || !run.Started.Equal(vnAt) {
		t.Fatalf("shopvn run %+v, want ok at %s", run, vnAt.UTC())
	}
	if rs := runs("shopus"); len(rs) != 0 {
		t.Fatalf("shopus ran at 08:30 Ho Chi Minh time: %+v", rs)
	}
	run = advanceTo(usAt, "shopus")
	if run.Status != "ok" || !run.Started.Equal(usAt) {
		t.Fatalf("shopus run %+v, want ok at %s", run, usAt.UTC())
	}
	if rs := runs("shopvn"); len(rs) != 1 {
		t.Fatalf("shopvn ran %d times by 08:30 Los Angeles time", len(rs))
	}
	for _, c := range []struct {
		shop, zone, cur, gmv string
		paid                 int64
	}{
		{"shopvn", "Asia/Ho_Chi_Minh", "VND", "1,250,000₫", 1},
		{"shopus", "America/Los_Angeles", "USD", "$13.33", 2},
	} {
		rc, ok, err := r.Store.Recap(ctx, c.shop, RecapMorning, "2026-03-09")
		if err != nil || !ok {
			t.Fatalf("%s recap of 2026-03-09: %v %v", c.shop, ok, err)
		}
		if rc.Zone != c.zone || rc.Currency != c.cur || rc.Counts.Paid != c.paid {
			t.Errorf("%s recap: zone %s currency %s paid %d", c.shop, rc.Zone, rc.Currency, rc.Counts.Paid)
		}
		if s := RecapSummary(rc, livedesk.CurrencyOf(rc.Currency)); !strings.Contains(s, "GMV "+c.gmv) {
			t.Errorf("%s summary %q, want GMV %s", c.shop, s, c.gmv)
		}
	}
	var texts []string
	for _, m := range pub.kind(NotifyKind) {
		texts = append(texts, m.shop+": "+string(m.body))
	}
	joined := strings.Join(texts, "\n")
	if !strings.Contains(joined, "1,250,000₫") || !strings.Contains(joined, "$13.33") || strings.Contains(joined, "¥") {
		t.Errorf("notifications not in the shops' currencies:\n%s", joined)
	}
}
