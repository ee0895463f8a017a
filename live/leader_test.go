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
	waitFor(t, "a leads", func() bool { return a.LastTick() != 0 })
	go b.Run(ctxB)
	time.Sleep(time.Second) // b tries ten times while a refreshes its lock
	if b.LastTick() != 0 {
		t.Fatal("two leaders at once")
	}
	stopA()
	<-doneA
	seq := func() int64 { b, _ := h.Latest(context.Background(), "s1", "r1", "tick"); return hub.EnvelopeSeq(b) }
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
