package ingest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

type ctxKey struct{}

// recordObserver remembers what it saw and the context value it was called with.
type recordObserver struct {
	mu     sync.Mutex
	ids    []string
	values []any
	gate   chan struct{} // when set, each Observe waits for it
	in     chan struct{} // when set, each Observe first signals on it (buffered)
}

func (r *recordObserver) Observe(ctx context.Context, shop string, events []Event) {
	if r.in != nil {
		r.in <- struct{}{}
	}
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range events {
		r.ids = append(r.ids, shop+"/"+e.ID)
	}
	r.values = append(r.values, ctx.Value(ctxKey{}))
}

// TestAsyncObserver: Observe returns before the wrapped observer runs; only kept events pass (Keep
// sees the request's context); a shop's events keep their order; batches queued meanwhile are
// coalesced per shop under the context of the shop's first batch; Close delivers everything queued.
func TestAsyncObserver(t *testing.T) {
	rec := &recordObserver{gate: make(chan struct{}), in: make(chan struct{}, 8)}
	keep := func(ctx context.Context, e *Event) bool { return e.Type == TypeStock && ctx.Value(ctxKey{}) != "skip" }
	a := NewAsyncObserver(rec, AsyncOptions{Keep: keep, Queue: 16})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "marked"))
	// The first batch is taken at once and blocks on the gate; the rest queue up behind it.
	a.Observe(ctx, "s1", []Event{{ID: "k0", Type: TypeStock}})
	<-rec.in
	for i := 1; i < 5; i++ {
		a.Observe(ctx, "s1", []Event{{ID: fmt.Sprintf("c%d", i), Type: TypeClick}, {ID: fmt.Sprintf("k%d", i), Type: TypeStock}})
		a.Observe(context.WithValue(ctx, ctxKey{}, "other"), "s2", []Event{{ID: fmt.Sprintf("k%d", i), Type: TypeStock}})
	}
	a.Observe(ctx, "s1", []Event{{ID: "only-clicks", Type: TypeClick}})
	a.Observe(context.WithValue(ctx, ctxKey{}, "skip"), "s1", []Event{{ID: "skipped", Type: TypeStock}})
	cancel() // the request is over; queued batches must still be applied
	rec.mu.Lock()
	if len(rec.ids) != 0 {
		t.Fatalf("Observe waited for the wrapped observer: %v", rec.ids)
	}
	rec.mu.Unlock()
	close(rec.gate)
	a.Close()
	want := []string{"s1/k0", "s1/k1", "s1/k2", "s1/k3", "s1/k4", "s2/k1", "s2/k2", "s2/k3", "s2/k4"}
	if fmt.Sprint(rec.ids) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", rec.ids, want)
	}
	// Three calls: k0 alone, then s1's four queued batches as one and s2's four as one.
	if fmt.Sprint(rec.values) != "[marked marked other]" {
		t.Fatalf("calls and their context values: %v, want [marked marked other]", rec.values)
	}
	a.Observe(context.Background(), "s2", []Event{{ID: "late", Type: TypeStock}})
	if rec.ids[len(rec.ids)-1] != "s2/late" {
		t.Fatalf("a batch after Close was lost: %v", rec.ids)
	}
}

// TestAsyncObserverEvery: with Every set, batches observed during the pause after a round are
// applied together in the next round, not one call each.
func TestAsyncObserverEvery(t *testing.T) {
	rec := &recordObserver{}
	a := NewAsyncObserver(rec, AsyncOptions{Every: 200 * time.Millisecond})
	for i := range 20 {
		a.Observe(context.Background(), "s1", []Event{{ID: fmt.Sprint(i)}})
		time.Sleep(5 * time.Millisecond)
	}
	a.Close()
	if len(rec.ids) != 20 {
		t.Fatalf("delivered %d of 20 events", len(rec.ids))
	}
	// 20 batches over ~100 ms: the first round takes one, the next everything else.
	if len(rec.values) > 3 {
		t.Fatalf("%d calls for 20 batches observed within one pause", len(rec.values))
	}
}
