package live

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
	"github.com/livedesk/livedesk/stage"
)

// testBase is the start of the controlled clock in engine tests.
var testBase = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// testEngine is an Engine on real Redis and ClickHouse with a controlled clock, fed through the
// real ingest service (dedup, durable write, observers).
type testEngine struct {
	t   *testing.T
	e   *Engine
	svc *ingest.Service
	act *stage.Actions // the room's stage: pins posted as events reach it, and through it the tick
	rdb *redis.Client
	ch  driver.Conn
	mu  sync.Mutex
	clk time.Time
	seq atomic.Int64
}

func newTestEngine(t *testing.T) *testEngine {
	t.Helper()
	_, ch := localtest.Database(t)
	_, rdb := localtest.Redis(t)
	h, err := hub.New(context.Background(), rdb, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	te := &testEngine{t: t, rdb: rdb, ch: ch, clk: testBase}
	te.e = NewEngine(rdb, ch, h, quietLog)
	te.e.Now = te.now
	te.e.ExactWait = 10 * time.Second // closed minutes settle within the tick under test
	spool, err := ingest.OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := ingest.NewWriter(ch, spool, quietLog, ingest.WriterConfig{})
	t.Cleanup(w.Close)
	te.svc = &ingest.Service{Dedup: ingest.NewDedup(rdb), Writer: w, Log: quietLog, Now: te.now,
		Observers: []ingest.Observer{te.e.Counters()}}
	te.act = &stage.Actions{CH: ch, Catalog: catalog.NewCatalog(ch), Recorder: te.svc, Publisher: h, Pins: te.e, Log: quietLog, Now: te.now}
	te.svc.Observers = append(te.svc.Observers, te.act)
	te.e.Stages = te.act
	return te
}

func (te *testEngine) now() time.Time {
	te.mu.Lock()
	defer te.mu.Unlock()
	return te.clk
}

// at sets the clock to testBase + d.
func (te *testEngine) at(d time.Duration) {
	te.mu.Lock()
	te.clk = testBase.Add(d)
	te.mu.Unlock()
}

// ev builds an event of room r1 at testBase + at.
func (te *testEngine) ev(typ string, at time.Duration, user, product string) ingest.Event {
	return ingest.Event{Shop: "s1", Room: "r1", ID: fmt.Sprintf("e%d", te.seq.Add(1)), Type: typ,
		TS: testBase.Add(at), User: user, Product: product}
}

func (te *testEngine) order(at time.Duration, user, product, status string, amount int64) ingest.Event {
	e := te.ev(ingest.TypeOrder, at, user, product)
	e.Status, e.Amount, e.Order, e.Qty = status, amount, "o"+e.ID, 1
	return e
}

func (te *testEngine) feed(events ...ingest.Event) {
	te.t.Helper()
	if err := te.svc.Record(context.Background(), events); err != nil {
		te.t.Fatal(err)
	}
}

// tick runs one leader tick and returns the room's published snapshot.
func (te *testEngine) tick() Snapshot {
	te.t.Helper()
	ctx := context.Background()
	if err := te.e.TickAll(ctx); err != nil {
		te.t.Fatal(err)
	}
	b, err := te.e.Snapshot(ctx, "s1", "r1")
	if err != nil || b == nil {
		te.t.Fatalf("no snapshot: %v", err)
	}
	var env struct {
		Kind string   `json:"kind"`
		Data Snapshot `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Kind != "tick" {
		te.t.Fatalf("envelope %s: %v", b, err)
	}
	return env.Data
}

// minutes returns the room's latest published closed-minute series (KindMinutes).
func (te *testEngine) minutes() []Metrics {
	te.t.Helper()
	b, err := te.e.Minutes(context.Background(), "s1", "r1")
	if err != nil || b == nil {
		te.t.Fatalf("no minutes message: %v", err)
	}
	var env struct {
		Kind string       `json:"kind"`
		Data MinuteSeries `json:"data"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Kind != KindMinutes {
		te.t.Fatalf("envelope %s: %v", b, err)
	}
	return env.Data.Minutes
}

func flagOf(s Snapshot, rule, product string) *Flag {
	for i := range s.Flags {
		if s.Flags[i].Rule == rule && s.Flags[i].Product == product {
			return &s.Flags[i]
		}
	}
	return nil
}

func TestNoSaleFlagRaisedAndCleared(t *testing.T) {
	te := newTestEngine(t)
	var clicks []ingest.Event
	for i := 0; i < 100; i++ {
		clicks = append(clicks, te.ev(ingest.TypeClick, 60*time.Second+time.Duration(i)*time.Second, fmt.Sprintf("u%d", i%40), "p1"))
	}
	te.feed(clicks[0])
	te.at(60*time.Second + 300*time.Millisecond) // the leader sees the first live event
	te.tick()
	te.feed(clicks[1:]...)
	te.at(170 * time.Second)
	s := te.tick()
	if s.Session.State != StateLive || !s.Session.Auto {
		t.Fatalf("first live event should auto-start a session: %+v", s.Session)
	}
	if f := flagOf(s, RuleNoSale, "p1"); f != nil {
		t.Fatalf("100 clicks must not flag: %+v", f)
	}
	// The crossing click: flagged on the next tick (well within 2 s).
	te.feed(te.ev(ingest.TypeClick, 170*time.Second+500*time.Millisecond, "u99", "p1"))
	te.at(171 * time.Second)
	s = te.tick()
	f := flagOf(s, RuleNoSale, "p1")
	if f == nil || f.State != FlagRaised || f.Detail["clicks"] != 101 || len(f.Responses) != 4 {
		t.Fatalf("flag after 101 clicks: %+v", s.Flags)
	}
	if s.Products[0].Product != "p1" || s.Products[0].Flag != FlagRaised || s.Products[0].Clicks != 101 || s.Products[0].Clickers != 41 {
		t.Fatalf("product row: %+v", s.Products[0])
	}
	// Acknowledge: stays, acknowledged.
	if err := te.e.AckFlag(context.Background(), "s1", "r1", f.ID, "op"); err != nil {
		t.Fatal(err)
	}
	te.at(172 * time.Second)
	if s = te.tick(); flagOf(s, RuleNoSale, "p1").State != FlagAcknowledged {
		t.Fatalf("after ack: %+v", s.Flags)
	}
	// A sale clears it.
	te.feed(te.order(172*time.Second, "u1", "p1", ingest.StatusPaid, 9900))
	te.at(173 * time.Second)
	if s = te.tick(); flagOf(s, RuleNoSale, "p1") != nil {
		t.Fatalf("a paid order must clear the flag: %+v", s.Flags)
	}
	var rows []struct {
		Action string `ch:"action"`
	}
	if err := te.ch.Select(context.Background(), &rows, "SELECT action FROM flag_events WHERE shop = 's1' ORDER BY ts, ts_ms"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Action)
	}
	if fmt.Sprint(got) != "[raised acknowledged cleared]" {
		t.Fatalf("flag_events = %v", got)
	}
}

func TestNoSaleFlagClearsWhenWindowSlidesPast(t *testing.T) {
	te := newTestEngine(t)
	var clicks []ingest.Event
	for i := 0; i < 150; i++ {
		clicks = append(clicks, te.ev(ingest.TypeClick, time.Duration(i)*200*time.Millisecond, fmt.Sprintf("u%d", i), "p2"))
	}
	te.feed(clicks[0])
	te.tick()
	te.feed(clicks[1:]...)
	te.at(31 * time.Second)
	if s := te.tick(); flagOf(s, RuleNoSale, "p2") == nil {
		t.Fatalf("150 clicks, no sale: not flagged: %+v", s.Products)
	}
	// Keep the room active so the session goes on, but no more clicks on p2.
	te.feed(te.ev(ingest.TypeEnter, 5*time.Minute+40*time.Second, "v1", ""))
	te.at(5*time.Minute + 40*time.Second)
	s := te.tick()
	if flagOf(s, RuleNoSale, "p2") != nil {
		t.Fatalf("the clicks left the 5-minute window; flag should clear: %+v", s.Flags)
	}
}

func TestMetricsExactAndRebuildAfterRedisLoss(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	m := func(d time.Duration) time.Duration { return 10*time.Second + d }
	te.feed(
		te.ev(ingest.TypeEnter, m(0), "a", ""), te.ev(ingest.TypeEnter, m(1*time.Second), "b", ""),
		te.ev(ingest.TypeEnter, m(2*time.Second), "a", ""), te.ev(ingest.TypeLeave, m(3*time.Second), "b", ""),
		te.ev(ingest.TypeImpression, m(4*time.Second), "a", "p1"), te.ev(ingest.TypeImpression, m(4*time.Second), "b", "p1"),
		te.ev(ingest.TypeImpression, m(4*time.Second), "a", "p2"), te.ev(ingest.TypeImpression, m(5*time.Second), "b", "p2"),
		te.ev(ingest.TypeClick, m(6*time.Second), "a", "p1"), te.ev(ingest.TypeClick, m(7*time.Second), "a", "p1"),
		te.ev(ingest.TypeClick, m(8*time.Second), "b", "p2"),
		te.order(m(9*time.Second), "a", "p1", ingest.StatusPaid, 12345),
		te.order(m(9*time.Second), "a", "p1", ingest.StatusCreated, 99999),
		te.order(m(10*time.Second), "b", "p2", ingest.StatusRefunded, 500),
		func() ingest.Event {
			e := te.ev(ingest.TypeAdSpend, m(11*time.Second), "", "")
			e.Amount = 5000
			return e
		}(),
		func() ingest.Event {
			e := te.ev(ingest.TypeComment, m(12*time.Second), "c", "")
			e.Text = "<b>有S码吗？</b>"
			return e
		}(),
		te.ev(ingest.TypeFollow, m(13*time.Second), "c", ""),
	)
	te.at(70 * time.Second) // minute 0 closed
	s := te.tick()
	mins := te.minutes()
	if len(mins) != 1 || !mins[0].Exact {
		t.Fatalf("closed minutes: %+v", mins)
	}
	check := func(label string, got Metrics) {
		t.Helper()
		want := []int64{3, 2, 2, 3, 1, 4, 3, 2, 1, 1, 12345, 1, 500, 1, 1, 5000}
		have := []int64{got.Views, got.Viewers, got.Online, got.Entries, got.Leaves, got.Impressions, got.Clicks,
			got.Clickers, got.Orders, got.Buyers, got.GMV, got.Refunds, got.RefundFen, got.Comments, got.Follows, got.AdSpend}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Fatalf("%s: views viewers online entries leaves impr clicks clickers orders buyers gmv refunds refund_fen comments follows ad\n got %v\nwant %v", label, have, want)
		}
		if got.CTR.Num != 3 || got.CTR.Den != 4 || got.CVR.Num != 1 || got.CVR.Den != 2 || got.GPM.Den != 3 || got.ROI.Den != 5000 {
			t.Fatalf("%s rates: %+v %+v %+v %+v", label, got.CTR, got.CVR, got.GPM, got.ROI)
		}
	}
	check("closed minute", mins[0])
	check("session", s.SessionTotals)
	if len(s.Comments) != 1 || s.Comments[0].Text != "<b>有S码吗？</b>" || s.Comments[0].Topic != livedesk.TopicSize {
		t.Fatalf("comments %+v", s.Comments)
	}
	if s.Questions[0].Topic != livedesk.TopicSize || s.Questions[0].Count != 1 || s.Questions[0].Example == "" {
		t.Fatalf("questions %+v", s.Questions)
	}
	if s.Ads.Spend != 5000 || s.Ads.GMV != 12345 {
		t.Fatalf("ads %+v", s.Ads)
	}

	// Redis is lost: the next tick rebuilds the room from ClickHouse (the session too).
	if err := te.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	te.e.lastLoad = time.Time{}
	start := time.Now()
	s = te.tick()
	t.Logf("rebuilt in %v", time.Since(start))
	if s.Session.State != StateLive {
		t.Fatalf("session not restored from ClickHouse: %+v", s.Session)
	}
	check("closed minute after rebuild", te.minutes()[0])
	check("session after rebuild", s.SessionTotals)
	if len(s.Comments) != 1 {
		t.Fatalf("comments after rebuild %+v", s.Comments)
	}
}

// TestSessionViewersAcrossMergedMinutes checks distinct viewers over a long session, where
// closed minutes are merged into the session HyperLogLog once and newer minutes are counted live.
func TestSessionViewersAcrossMergedMinutes(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for m := 0; m < 12; m++ {
		var evs []ingest.Event
		for i := 0; i < 30; i++ {
			u := fmt.Sprintf("u%d", m*10+i) // overlaps the previous minutes' users
			distinct[u] = true
			evs = append(evs, te.ev(ingest.TypeEnter, time.Duration(m)*time.Minute+time.Duration(i)*time.Second+time.Second, u, ""))
		}
		te.feed(evs...)
		te.at(time.Duration(m)*time.Minute + 45*time.Second)
		s := te.tick()
		if !nearHLL(s.SessionTotals.Viewers, len(distinct)) || s.SessionTotals.Views != int64(30*(m+1)) {
			t.Fatalf("minute %d: viewers %d (want %d), views %d", m, s.SessionTotals.Viewers, len(distinct), s.SessionTotals.Views)
		}
	}
	// A new leader (fresh state) merges from scratch and agrees.
	te.e.rooms = map[string]*roomState{}
	if s := te.tick(); !nearHLL(s.SessionTotals.Viewers, len(distinct)) || len(te.minutes()) != 11 {
		t.Fatalf("fresh leader: viewers %d, minutes %d", s.SessionTotals.Viewers, len(te.minutes()))
	}
}

// nearHLL allows HyperLogLog's error (0.81% standard error; 2% here) around want.
func nearHLL(got int64, want int) bool {
	d := float64(got) - float64(want)
	return d*d <= (0.02*float64(want))*(0.02*float64(want))+0.25
}
