package ingest

import (
	"context"
	"log/slog"
	"sync"
)

// AsyncObserver runs an Observer in one background goroutine, off the acknowledgement path. It is
// for observers that do slow I/O (ClickHouse writes) and whose effect may trail the 2xx by a moment,
// such as the prompter's stage and catalog stock levels.
//
// Invariants: only events Keep selects are passed on (a batch with none costs nothing); batches
// reach the wrapped observer in the order they were observed, with the observing context's values
// (not its cancellation); Close delivers everything queued before it returns. Delivery is at most
// once: batches still queued when the process dies are not applied, which is acceptable only for
// state that can be rebuilt from the events table, where those events are already durable.
type AsyncObserver struct {
	next  Observer
	keep  func(*Event) bool
	log   *slog.Logger
	queue chan asyncBatch
	done  chan struct{}
	once  sync.Once
	mu    sync.RWMutex
	shut  bool
}

type asyncBatch struct {
	ctx    context.Context
	shop   string
	events []Event
}

// NewAsyncObserver starts the worker. keep selects the events next cares about (nil keeps all);
// queue is how many batches may wait (Observe blocks beyond that, which bounds memory).
func NewAsyncObserver(next Observer, keep func(*Event) bool, queue int, log *slog.Logger) *AsyncObserver {
	if queue <= 0 {
		queue = 1024
	}
	a := &AsyncObserver{next: next, keep: keep, log: log, queue: make(chan asyncBatch, queue), done: make(chan struct{})}
	go a.run()
	return a
}

// Observe queues the kept events of a batch and returns at once (unless the queue is full).
func (a *AsyncObserver) Observe(ctx context.Context, shop string, events []Event) {
	var kept []Event
	for i := range events {
		if a.keep == nil || a.keep(&events[i]) {
			kept = append(kept, events[i])
		}
	}
	if len(kept) == 0 {
		return
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.shut {
		a.next.Observe(ctx, shop, kept) // after Close: apply in line rather than lose it
		return
	}
	a.queue <- asyncBatch{ctx: context.WithoutCancel(ctx), shop: shop, events: kept}
}

func (a *AsyncObserver) run() {
	defer close(a.done)
	for b := range a.queue {
		a.apply(b)
	}
}

func (a *AsyncObserver) apply(b asyncBatch) {
	defer func() {
		if r := recover(); r != nil && a.log != nil {
			a.log.Error("ingest: async observer panic", "panic", r, "shop", b.shop)
		}
	}()
	a.next.Observe(b.ctx, b.shop, b.events)
}

// Close stops taking batches and returns once every queued batch has been applied.
func (a *AsyncObserver) Close() {
	a.once.Do(func() {
		a.mu.Lock()
		a.shut = true
		close(a.queue)
		a.mu.Unlock()
		<-a.done
	})
}
