package live

import (
	"context"
	"encoding/json"
)

// StockChanged implements StockListener: every room of the shop presenting one of the products
// gets its prompter's stock updated (stored and published). Rooms whose stage cannot be read are
// logged and skipped; stock is also in every tick.
func (a *Actions) StockChanged(ctx context.Context, shop string, levels []StockLevel) {
	level := map[string]int64{}
	for _, l := range levels {
		level[l.Product] = l.Stock
	}
	rows, err := a.CH.Query(ctx, "SELECT room, body FROM room_stage FINAL WHERE shop = ?", shop)
	if err != nil {
		a.log().Error("live: stock → stage", "shop", shop, "err", err)
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
		if n, ok := level[st.Product.ID]; ok && n != st.Product.Stock {
			rooms = append(rooms, room)
		}
	}
	rows.Close()
	for _, room := range rooms {
		unlock := a.lock(shop, room)
		st, err := loadStage(ctx, a, shop, room)
		if err == nil && st.Product != nil {
			if n, ok := level[st.Product.ID]; ok {
				st.Product.setStock(n)
				now := a.now()
				st.Updated = ms(now)
				err = a.store(ctx, shop, st, now)
			}
		}
		unlock()
		if err != nil {
			a.log().Error("live: stock → stage", "shop", shop, "room", room, "err", err)
		}
	}
}
