package live

import (
	"context"
	"fmt"
	"time"

	"github.com/livedesk/livedesk/catalog"
)

// StockSource gives catalog stock levels for products no stock event has reported yet (the
// catalog's *Catalog satisfies it). Optional: Engine.Catalog may be nil.
type StockSource interface {
	GetMany(ctx context.Context, shop string, ids []string) (map[string]catalog.Product, error)
}

// catalogStockTTL is how long catalog stock levels are trusted before they are read again.
const catalogStockTTL = time.Minute

// fillStock looks up, in the catalog, the stock of the pinned product and of the window's
// products that neither a stock event nor the cache knows, caches the answers in Redis and
// patches d. At most one catalog query per room per catalogStockTTL for a given product set.
func (e *Engine) fillStock(ctx context.Context, shop string, d *roomData) error {
	if e.Catalog == nil {
		return nil
	}
	var missing []string
	want := func(p string) {
		if _, ok := d.Stock[p]; !ok && p != "" && !d.StockChecked[p] {
			missing = append(missing, p)
			d.StockChecked[p] = true
		}
	}
	want(d.Pinned)
	for _, p := range d.Products {
		want(p.Product)
	}
	if len(missing) == 0 {
		return nil
	}
	ps, err := e.Catalog.GetMany(ctx, shop, missing)
	if err != nil {
		return fmt.Errorf("live: catalog stock %s: %w", shop, err)
	}
	vals := map[string]any{}
	for _, id := range missing {
		if p, ok := ps[id]; ok {
			vals[id] = p.Stock
			d.Stock[id] = p.Stock
		} else {
			vals[id] = -1
		}
	}
	pipe := e.rdb.Pipeline()
	pipe.HSet(ctx, catalogStockKey(shop), vals)
	pipe.Expire(ctx, catalogStockKey(shop), catalogStockTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("live: catalog stock %s: %w", shop, err)
	}
	for i := range d.Products {
		if n, ok := d.Stock[d.Products[i].Product]; ok {
			d.Products[i].Stock = &n
		}
	}
	return nil
}
