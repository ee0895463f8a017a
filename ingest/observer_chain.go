package ingest

import "context"

// Chain is an Observer that hands each batch to its observers one after another, in order, on
// the caller's goroutine. Wrapped in one AsyncObserver it keeps an order between observers that
// two separate AsyncObservers would lose (the catalog stores a batch's stock levels before the
// stage reads them for the batch's pins).
type Chain []Observer

// Observe calls every observer of c in order.
func (c Chain) Observe(ctx context.Context, shop string, events []Event) {
	for _, o := range c {
		o.Observe(ctx, shop, events)
	}
}
