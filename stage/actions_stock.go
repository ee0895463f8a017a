package stage

import (
	"context"
	"encoding/json"

	"github.com/livedesk/livedesk/catalog"
)

// StockChanged implements StockListener: every room of the shop presenting one of the products
// gets its prompter's stock updated (stored and published). Rooms whose stage cannot be read are
// logged and skipped; stock is also in every tick.
func (a *Actions) StockChanged(ctx context.Context, shop string, levels []catalog.StockLevel) {
	level := map[string]int64{}
	for _, l := range levels {
		level[l.Product] = l.Stock
	}
	a.refreshStages(ctx, shop, func(sp *StageProduct) bool {
		n, ok := level[sp.ID]
		if !ok || n == sp.Stock {
			return false
		}
		sp.setStock(n)
		return true
	})
}

// ProductsChanged refreshes the prompter of every room presenting one of the edited products
// (title, prices, selling points, stock), so an edit during the stream shows at once.
func (a *Actions) ProductsChanged(ctx context.Context, shop string, ids []string) {
	ps, err := a.Catalog.GetMany(ctx, shop, ids)
	if err != nil {
		a.log().Error("stage: product → stage", "shop", shop, "err", err)
		return
	}
	a.refreshStages(ctx, shop, func(sp *StageProduct) bool {
		p, ok := ps[sp.ID]
		if !ok {
			return false
		}
		*sp = *stageProduct(p)
		return true
	})
}

// refreshStages applies update to the pinned product of every room of shop; rooms where it
// reports a change are stored and published.
func (a *Actions) refreshStages(ctx context.Context, shop string, update func(sp *StageProduct) bool) {
	rows, err := a.CH.Query(ctx, "SELECT room, body FROM room_stage FINAL WHERE shop = ?", shop)
	if err != nil {
		a.log().Error("stage: refresh stages", "shop", shop, "err", err)
		return
	}
	var rooms []string
	for rows.Next() {
		var room, body string
		if err := rows.Scan(&room, &body); err != nil {
			break
		}
		var st Stage
		if json.Unmarshal([]byte(body), &st) != nil || st.Product == nil {
			continue
		}
		if update(st.Product) {
			rooms = append(rooms, room)
		}
	}
	rows.Close()
	for _, room := range rooms {
		unlock := a.lock(shop, room)
		st, err := loadStage(ctx, a, shop, room)
		if err == nil && st.Product != nil && update(st.Product) {
			now := a.now()
			st.Updated = ms(now)
			err = a.store(ctx, shop, st, now)
		}
		unlock()
		if err != nil {
			a.log().Error("stage: refresh stages", "shop", shop, "room", room, "err", err)
		}
	}
}
