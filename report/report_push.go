package report

import (
	"fmt"

	"github.com/livedesk/livedesk"
)

// Stock thresholds for 次日主推 (DESIGN.md defaults: safety stock 20, below 10 = 即将售罄).
const (
	PushSafetyStock = 20
	PushPicks       = 3
)

// pickPush chooses the products to lead with tomorrow: the best sellers of the session (by paid
// GMV, then units) whose stock can carry another stream — at least the safety stock and at least
// what sold today. Stock unknown to the catalog does not exclude a product, but the reason says
// so. When fewer than three qualify, hot sellers short of stock fill the list with "restock
// first" as the reason, so the manager sees them rather than a shorter list.
// Amounts in the reasons are written in cur, the shop's currency.
func pickPush(products []ProductRow, stock map[string]int64, cur livedesk.Currency) []PushPick {
	sales := make([]livedesk.PushSales, 0, len(products))
	for _, p := range products {
		sales = append(sales, livedesk.PushSales{Product: p.Product, GMV: p.GMV, Orders: p.Orders, Units: p.Units})
	}
	out := []PushPick{}
	for _, c := range livedesk.PickPush(sales, stock, PushSafetyStock, PushPicks) {
		pick := PushPick{Product: c.Product, GMV: c.GMV, Orders: c.Orders, Units: c.Units, Stock: c.Stock, StockKnown: c.StockKnown}
		sales := fmt.Sprintf("本场成交 %s，第 %d 名，%d 单 %d 件", cur.Format(c.GMV), c.Rank, c.Orders, c.Units)
		salesEN := fmt.Sprintf("sold %s today (#%d), %d orders, %d items", cur.Format(c.GMV), c.Rank, c.Orders, c.Units)
		switch {
		case !c.StockKnown:
			pick.ReasonZH = sales + "；库存未知，开播前请核对"
			pick.ReasonEN = salesEN + "; stock unknown, check it before the stream"
		case !c.Short:
			pick.ReasonZH = fmt.Sprintf("%s；库存 %d 件，够再卖 %.1f 场（按本场件数）", sales, c.Stock, float64(c.Stock)/float64(max(c.Units, 1)))
			pick.ReasonEN = fmt.Sprintf("%s; %d in stock, enough for %.1f more streams at today's rate", salesEN, c.Stock, float64(c.Stock)/float64(max(c.Units, 1)))
		default:
			pick.ReasonZH = fmt.Sprintf("%s；但库存仅 %d 件（需至少 %d），先补货再主推", sales, c.Stock, c.Need)
			pick.ReasonEN = fmt.Sprintf("%s; but only %d in stock (needs %d): restock before leading with it", salesEN, c.Stock, c.Need)
		}
		out = append(out, pick)
	}
	return out
}
