package live

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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
	a.Tick, b.Tick = 100*time.Millisecond, 100*time.Millisecond
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
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
