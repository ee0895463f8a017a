package live

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// leadingEngine runs an engine whose 1 s tick is stretched to an hour (only batch ticks run on
// their own) on its own Redis and ClickHouse until the test ends, and returns it once it leads
// and has ticked once. now, when set, is its clock.
func leadingEngine(t *testing.T, now func() time.Time) (*Engine, *hub.Hub) {
	t.Helper()
	_, ch := localtest.Database(t)
	_, rdb := localtest.Redis(t)
	h, err := hub.New(context.Background(), rdb, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	e := NewEngine(rdb, ch, h, quietLog)
	e.Tick = time.Hour
	e.Now = now
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); e.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, "the engine leads and ticked once", func() bool { return e.LastTick() != 0 })
	return e, h
}

// TestBatchTicksPublishWithoutWaitingForTheTick: with the 1 s tick stretched to an hour, a batch
// of events still reaches the room's screens (its product in the published snapshot) and a batch
// that crosses the no-sale rule raises the flag, both from the batch alone (with PublishGap -1
// the test fails: nothing is published until the tick).
func TestBatchTicksPublishWithoutWaitingForTheTick(t *testing.T) {
	e, h := leadingEngine(t, nil)
	ctx := context.Background()

	latest := func() Snapshot {
		b, _ := h.Latest(context.Background(), "s1", "r1", "tick")
		var env struct {
			Data Snapshot `json:"data"`
		}
		_ = json.Unmarshal(b, &env)
		return env.Data
	}
	clicks := func(product string, from, n int) []ingest.Event {
		var evs []ingest.Event
		for i := from; i < from+n; i++ {
			evs = append(evs, ingest.Event{Shop: "s1", Room: "r1", ID: fmt.Sprintf("%s-%d", product, i),
				Type: ingest.TypeClick, TS: time.Now(), User: fmt.Sprintf("u%d", i), Product: product})
		}
		return evs
	}
	hasProduct := func(s Snapshot, p string) bool {
		for _, r := range s.Products {
			if r.Product == p {
				return true
			}
		}
		return false
	}
	e.Counters().Observe(ctx, "s1", clicks("p1", 0, 1))
	waitFor(t, "the batch's product on screen before any second tick", func() bool { return hasProduct(latest(), "p1") })
	// 100 clicks: no flag; the crossing click: flagged by its batch.
	e.Counters().Observe(ctx, "s1", clicks("p2", 0, 100))
	waitFor(t, "p2 on screen", func() bool { return hasProduct(latest(), "p2") })
	if s := latest(); len(s.Flags) != 0 {
		t.Fatalf("100 clicks flagged: %+v", s.Flags)
	}
	e.Counters().Observe(ctx, "s1", clicks("p2", 100, 1))
	waitFor(t, "the crossing batch raises the no-sale flag", func() bool {
		s := latest()
		return len(s.Flags) == 1 && s.Flags[0].Product == "p2" && s.Flags[0].Rule == RuleNoSale
	})
}

// TestBusyRoomSkipsTheSecondTick: once a batch tick of a room succeeded, the 1 s tick passes
// over the room for half a tick (it would repeat what the batch tick just did while holding the
// room's lock), and ticks it again after that. A room no batch ticked is never passed over.
func TestBusyRoomSkipsTheSecondTick(t *testing.T) {
	clock := time.Now().UTC()
	e, _ := leadingEngine(t, func() time.Time { return clock })
	ctx := context.Background()

	id := roomID("s1", "r1")
	if e.busyRoom(id, clock) {
		t.Fatal("a room no batch ticked is busy")
	}
	e.Counters().Observe(ctx, "s1", []ingest.Event{{Shop: "s1", Room: "r1", ID: "c1", Type: ingest.TypeClick,
		TS: clock, User: "u1", Product: "p1"}})
	waitFor(t, "the batch tick succeeded", func() bool { return e.busyRoom(id, clock) })
	for _, c := range []struct {
		after time.Duration
		busy  bool
	}{
		{0, true},
		{e.Tick/2 - time.Second, true},
		{e.Tick/2 + time.Second, false},
		{e.Tick, false},
	} {
		if got := e.busyRoom(id, clock.Add(c.after)); got != c.busy {
			t.Errorf("%v after the batch tick: busy %v, want %v", c.after, got, c.busy)
		}
	}
	if e.busyRoom(roomID("s1", "r2"), clock) {
		t.Error("another room of the shop is busy")
	}
}
