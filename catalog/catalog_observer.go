package catalog

import (
	"context"
	"log/slog"

	"github.com/livedesk/livedesk/ingest"
)

// StockListener hears about stock levels after they are stored (Actions uses it to refresh the
// prompter of a room presenting that product).
type StockListener interface {
	StockChanged(ctx context.Context, shop string, levels []StockLevel)
}

// StockObserver is the ingest.Observer that stores `stock` events in the catalog: one INSERT per
// ingest batch holding the newest level of each product in it.
type StockObserver struct {
	Catalog   *Catalog
	Listeners []StockListener
	Log       *slog.Logger
}

// Observe implements ingest.Observer. A failed write is logged: the events themselves are already
// durable in the events table, so the level can be rebuilt from them.
func (o *StockObserver) Observe(ctx context.Context, shop string, events []ingest.Event) {
	var levels []StockLevel
	at := map[string]int{}
	for _, e := range events {
		if e.Type != ingest.TypeStock || e.Product == "" {
			continue
		}
		l := StockLevel{Product: e.Product, Stock: e.Value, At: e.TS}
		if i, ok := at[e.Product]; ok {
			if !e.TS.Before(levels[i].At) {
				levels[i] = l
			}
			continue
		}
		at[e.Product] = len(levels)
		levels = append(levels, l)
	}
	if len(levels) == 0 {
		return
	}
	if err := o.Catalog.SetStock(ctx, shop, levels); err != nil {
		o.log().Error("catalog: store stock events", "shop", shop, "err", err)
		return
	}
	for _, l := range o.Listeners {
		l.StockChanged(ctx, shop, levels)
	}
}

func (o *StockObserver) log() *slog.Logger {
	if o.Log != nil {
		return o.Log
	}
	return slog.Default()
}
