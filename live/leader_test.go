package live

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestOneLeaderAcrossInstances runs two engines (two "instances", separate Redis clients) on one
// Redis and ClickHouse: exactly one publishes ticks; when it stops, the other takes over.
func TestOneLeaderAcrossInstances(t *testing.T) {
	_, ch := localtest.Database(t)
	_, rdb := localtest.Redis(t)
	rdb2 := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
	t.Cleanup(func() { rdb2.Close() })
	h, err := hub.New(context.Background(), rdb, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	a := NewEngine(rdb, ch, h, quietLog)
	b := NewEngine(rdb2, ch, h, quietLog)
	// 250 ms ticks: a 750 ms lock. With 100 ms ticks (a 300 ms lock) a CI machine running other
	// test packages delayed the refresh past the lock's end and b took over, correctly.
	a.Tick, b.Tick = 250*time.Millisecond, 250*time.Millisecond
	a.Counters().Observe(context.Background(), "s1", []ingest.Event{{Shop: "s1", Room: "r1", ID: "e1",
		Type: ingest.TypeEnter, TS: time.Now(), User: "u"}})
	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneA := make(chan struct{})
	go func() { defer close(doneA); a.Run(ctxA) }()
	seq := func() int64 { b, _ := h.Latest(context.Background(), "s1", "r1", "tick"); return hub.EnvelopeSeq(b) }
	waitFor(t, "a leads", func() bool { return a.LastTick() != 0 })
	go b.Run(ctxB)
	// Run holds the leader lock for lockTTLTicks ticks and refreshes it every tick. Let a publish
	// (one tick message a tick, a minutes message at most once a minute) for three lock lifetimes
	// and more: b, trying once a tick, would have led by then had a's lock lapsed.
	const lockTTLTicks = 3 // Run: ttl := 3 * e.Tick
	from := seq()
	waitFor(t, "a ticks on", func() bool { return seq() >= from+3*lockTTLTicks+1 })
	if b.LastTick() != 0 {
		t.Fatal("two leaders at once")
	}
	stopA()
	<-doneA
	before := seq()
	waitFor(t, "b takes over and publishes", func() bool { return b.LastTick() != 0 && seq() > before })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// slowStock is a catalog that takes d to answer: it makes one tick of the room slower than the
// leader lock's TTL.
type slowStock struct {
	d     time.Duration
	calls atomic.Int32
}

func (s *slowStock) GetMany(context.Context, string, []string) (map[string]catalog.Product, error) {
	s.calls.Add(1)
	time.Sleep(s.d)
	return nil, nil
}

// TestSlowTickKeepsTheLead: a tick that runs longer than the leader lock's TTL (here a catalog
// that answers in 2 s, against a 750 ms lock) does not hand the lead to another instance; the
// lock is refreshed while the tick runs.
func TestSlowTickKeepsTheLead(t *testing.T) {
	_, ch := localtest.Database(t)
	_, rdb := localtest.Redis(t)
	rdb2 := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
	t.Cleanup(func() { rdb2.Close() })
	a := NewEngine(rdb, ch, nil, quietLog)
	b := NewEngine(rdb2, ch, nil, quietLog)
	a.Tick, b.Tick = 250*time.Millisecond, 250*time.Millisecond
	slow := &slowStock{d: 2 * time.Second}
	a.Catalog = slow
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	doneA := make(chan struct{})
	go func() { defer close(doneA); a.Run(ctx) }()
	waitFor(t, "a leads", func() bool { return a.LastTick() != 0 })
	go b.Run(ctx)
	a.Counters().Observe(context.Background(), "s1", []ingest.Event{{Shop: "s1", Room: "r1", ID: "c1",
		Type: ingest.TypeClick, Product: "p1", TS: time.Now(), User: "u"}})
	waitFor(t, "a's slow tick starts", func() bool { return slow.calls.Load() > 0 })
	time.Sleep(slow.d + time.Second) // the slow tick and a few more
	if b.LastTick() != 0 {
		t.Fatal("b led while a's slow tick ran: the lock lapsed")
	}
	stop()
	<-doneA
}
