package ingest

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

type ctxKey struct{}

// recordObserver remembers what it saw and the context value it was called with.
type recordObserver struct {
	mu     sync.Mutex
	ids    []string
	values []any
	gate   chan struct{} // when set, each Observe waits for it
}

func (r *recordObserver) Observe(ctx context.Context, shop string, events []Event) {
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

// TestAsyncObserver: Observe returns before the wrapped observer runs; only kept events pass;
// batches keep their order and their context values; Close delivers everything queued.
func TestAsyncObserver(t *testing.T) {
	rec := &recordObserver{gate: make(chan struct{})}
	a := NewAsyncObserver(rec, func(e *Event) bool { return e.Type == TypeStock }, 8, nil)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "marked"))
	for i := 0; i < 5; i++ {
		a.Observe(ctx, "s1", []Event{{ID: fmt.Sprintf("c%d", i), Type: TypeClick}, {ID: fmt.Sprintf("k%d", i), Type: TypeStock}})
	}
	a.Observe(ctx, "s1", []Event{{ID: "only-clicks", Type: TypeClick}})
	cancel() // the request is over; queued batches must still be applied
	rec.mu.Lock()
	if len(rec.ids) != 0 {
		t.Fatalf("Observe waited for the wrapped observer: %v", rec.ids)
	}
	rec.mu.Unlock()
	close(rec.gate)
	a.Close()
	want := []string{"s1/k0", "s1/k1", "s1/k2", "s1/k3", "s1/k4"}
	if fmt.Sprint(rec.ids) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", rec.ids, want)
	}
	if len(rec.values) != 5 || rec.values[0] != "marked" {
		t.Fatalf("context values not kept: %v", rec.values)
	}
	a.Observe(context.Background(), "s2", []Event{{ID: "late", Type: TypeStock}})
	if rec.ids[len(rec.ids)-1] != "s2/late" {
		t.Fatalf("a batch after Close was lost: %v", rec.ids)
	}
}
