package live

import (
	"context"
	"testing"
	"time"

	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/ingest"
)

func TestOtherRulesAndSnooze(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	s := DefaultSettings()
	s.TargetROI = 3
	if err := te.e.UpdateSettings(ctx, "s1", "r1", s); err != nil {
		t.Fatal(err)
	}
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	online := func(at time.Duration, v int64) ingest.Event {
		e := te.ev(ingest.TypeOnline, at, "", "")
		e.Value = v
		return e
	}
	var evs []ingest.Event
	for i := 0; i < 60; i++ { // 10 minutes of gauges: 200 for 5 minutes, then 100
		v := int64(200)
		if i >= 30 {
			v = 100
		}
		evs = append(evs, online(time.Duration(i)*10*time.Second+time.Second, v))
	}
	stock := te.ev(ingest.TypeStock, time.Second, "", "p9")
	stock.Room, stock.Value = "", 7
	ad := te.ev(ingest.TypeAdSpend, 9*time.Minute, "", "")
	ad.Amount = 10000
	evs = append(evs, stock, te.ev(ingest.TypePin, 9*time.Minute, "", "p9"), ad,
		te.order(9*time.Minute, "z", "p9", ingest.StatusPaid, 20000))
	te.feed(evs...)
	te.at(10*time.Minute + 5*time.Second)
	snap := te.tick()
	for _, r := range []struct{ rule, product string }{{RuleOnlineDrop, ""}, {RuleLowROI, ""}, {RuleLowStock, "p9"}} {
		if flagOf(snap, r.rule, r.product) == nil {
			t.Errorf("rule %s not raised: %+v", r.rule, snap.Flags)
		}
	}
	if snap.Current.Online != 100 || snap.Pinned != "p9" || !snap.Ads.BelowTarget {
		t.Errorf("online %d pinned %q ads %+v", snap.Current.Online, snap.Pinned, snap.Ads)
	}
	f := flagOf(snap, RuleLowStock, "p9")
	if err := te.e.SnoozeFlag(ctx, "s1", "r1", f.ID, 10*time.Minute, "op"); err != nil {
		t.Fatal(err)
	}
	if err := te.e.SnoozeFlag(ctx, "s1", "r1", f.ID, time.Second, "op"); err == nil {
		t.Error("a 1-second snooze was accepted")
	}
	te.at(10*time.Minute + 6*time.Second)
	if g := flagOf(te.tick(), RuleLowStock, "p9"); g == nil || g.State != FlagSnoozed {
		t.Fatalf("snoozed: %+v", g)
	}
	te.at(20*time.Minute + 7*time.Second)
	if g := flagOf(te.tick(), RuleLowStock, "p9"); g == nil || g.State != FlagRaised {
		t.Fatalf("snooze over, condition holds: %+v", g)
	}
	if err := te.e.RespondFlag(ctx, "s1", "r1", f.ID, "next", "op"); err != nil {
		t.Fatal(err)
	}
	if err := te.e.RespondFlag(ctx, "s1", "r1", f.ID, "bogus", "op"); err == nil {
		t.Error("unknown response accepted")
	}
	if err := te.e.AckFlag(ctx, "s1", "r1", "nope", "op"); err != ErrNoFlag {
		t.Errorf("ack of unknown flag: %v", err)
	}
	// 下播 clears the session's flags, and the report sees each clear against the session.
	sess, err := te.e.EndSession(ctx, "s1", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := te.rdb.HLen(ctx, flagsKey("s1", "r1")).Result(); n != 0 {
		t.Errorf("%d flags left after 下播", n)
	}
	var cleared uint64
	if err := te.ch.QueryRow(ctx, "SELECT count() FROM flag_events WHERE action = 'cleared' AND session = ?", sess.ID).Scan(&cleared); err != nil || cleared != 3 {
		t.Errorf("cleared rows for the session: %d %v", cleared, err)
	}
}

// TestLowStockFromCatalog: the pinned product's stock comes from the catalog when no stock event
// reported it.
func TestLowStockFromCatalog(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	cat := catalog.NewCatalog(te.ch)
	if err := cat.Save(ctx, "s1", []catalog.Product{{ID: "p5", Title: "连衣裙", Price: 9900, ListPrice: 19900, Stock: 3}}); err != nil {
		t.Fatal(err)
	}
	te.e.Catalog = cat
	te.feed(te.ev(ingest.TypePin, time.Second, "", "p5"), te.ev(ingest.TypeClick, time.Second, "u", "p5"))
	te.at(2 * time.Second)
	s := te.tick()
	f := flagOf(s, RuleLowStock, "p5")
	if f == nil || f.Detail["stock"] != 3 || s.Products[0].Stock == nil || *s.Products[0].Stock != 3 {
		t.Fatalf("low stock from the catalog: flags %+v products %+v", s.Flags, s.Products)
	}
	// A stock event overrides the catalog's level and clears the flag.
	st := te.ev(ingest.TypeStock, 3*time.Second, "", "p5")
	st.Room, st.Value = "", 50
	te.feed(st)
	te.at(4 * time.Second)
	if s = te.tick(); flagOf(s, RuleLowStock, "p5") != nil {
		t.Fatalf("restocked, flag should clear: %+v", s.Flags)
	}
}
