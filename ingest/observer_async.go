package ingest

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// AsyncObserver runs an Observer in one background goroutine, off the acknowledgement path. It is
// for observers that do slow I/O (ClickHouse writes) and whose effect may trail the 2xx by a moment,
// such as the prompter's stage and catalog stock levels.
//
// Invariants: only events Keep selects are passed on (a batch with none costs nothing); a shop's
// events reach the wrapped observer in the order they were observed; Close delivers everything
// queued before it returns. Delivery is at most once: batches still queued when the process dies
// are not applied, which is acceptable only for state that can be rebuilt from the events table,
// where those events are already durable.
//
// Coalescing: the worker takes everything queued at once and hands each shop's events to the
// wrapped observer in one call, with the context (values, not cancellation) of that shop's first
// queued batch. With Every set it also waits that long between two rounds, so the wrapped
// observer runs at most 1/Every times a second per shop however fast requests arrive: under load
// one ClickHouse read and write covers hundreds of requests instead of one each (at 64,000
// events/s the per-request rounds of the stage and stock observers took most of a ClickHouse core).
type AsyncObserver struct {
	next  Observer
	opts  AsyncOptions
	queue chan asyncBatch
	done  chan struct{}
	once  sync.Once
	mu    sync.RWMutex
	shut  bool
}

// AsyncOptions configures an AsyncObserver.
type AsyncOptions struct {
	// Keep selects the events the wrapped observer cares about, with the observing context
	// (nil keeps all). It runs in Observe, on the request's goroutine.
	Keep func(ctx context.Context, e *Event) bool
	// Queue is how many batches may wait (Observe blocks beyond that, which bounds memory).
	// Default 1024.
	Queue int
	// Every is the least time between the starts of two rounds (0: no pause).
	Every time.Duration
	// Log receives panics of the wrapped observer (nil: slog.Default).
	Log *slog.Logger
}

type asyncBatch struct {
	ctx    context.Context
	shop   string
	events []Event
}

// NewAsyncObserver starts the worker.
func NewAsyncObserver(next Observer, opts AsyncOptions) *AsyncObserver {
	if opts.Queue <= 0 {
		opts.Queue = 1024
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	a := &AsyncObserver{next: next, opts: opts, queue: make(chan asyncBatch, opts.Queue), done: make(chan struct{})}
	go a.run()
	return a
}

// Observe queues the kept events of a batch and returns at once (unless the queue is full).
func (a *AsyncObserver) Observe(ctx context.Context, shop string, events []Event) {
	var kept []Event
	for i := range events {
		if a.opts.Keep == nil || a.opts.Keep(ctx, &events[i]) {
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
		began := time.Now()
		round := []asyncBatch{b}
	drain:
		for {
			select {
			case more, ok := <-a.queue:
				if !ok {
					break drain
				}
				round = append(round, more)
			default:
				break drain
			}
		}
		for _, g := range coalesce(round) {
			a.apply(g)
		}
		if wait := a.opts.Every - time.Since(began); wait > 0 {
			time.Sleep(wait) // Close waits at most this long longer
		}
	}
}

// coalesce joins the batches of each shop, in order, under the context of the shop's first batch;
// shops come out in the order they first appear.
func coalesce(round []asyncBatch) []asyncBatch {
	if len(round) == 1 {
		return round
	}
	var out []asyncBatch
	at := map[string]int{}
	for _, b := range round {
		i, ok := at[b.shop]
		if !ok {
			at[b.shop] = len(out)
			out = append(out, asyncBatch{ctx: b.ctx, shop: b.shop, events: append([]Event(nil), b.events...)})
			continue
		}
		out[i].events = append(out[i].events, b.events...)
	}
	return out
}

func (a *AsyncObserver) apply(b asyncBatch) {
	defer func() {
		if r := recover(); r != nil {
			a.opts.Log.Error("ingest: async observer panic", "panic", r, "shop", b.shop)
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
