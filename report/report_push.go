package report

import (
	"fmt"
	"sort"

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
func pickPush(products []ProductRow, stock map[string]int64) []PushPick {
	sellers := make([]ProductRow, 0, len(products))
	for _, p := range products {
		if p.Orders > 0 {
			sellers = append(sellers, p)
		}
	}
	sort.SliceStable(sellers, func(i, j int) bool {
		if sellers[i].GMV != sellers[j].GMV {
			return sellers[i].GMV > sellers[j].GMV
		}
		if sellers[i].Units != sellers[j].Units {
			return sellers[i].Units > sellers[j].Units
		}
		return sellers[i].Product < sellers[j].Product
	})
	rank := map[string]int{}
	for i, p := range sellers {
		rank[p.Product] = i + 1
	}
	var deep, short []PushPick
	for _, p := range sellers {
		s, known := stock[p.Product]
		pick := PushPick{Product: p.Product, GMV: p.GMV, Orders: p.Orders, Units: p.Units, Stock: s, StockKnown: known}
		sales := fmt.Sprintf("本场成交 ¥%s，第 %d 名，%d 单 %d 件", livedesk.FormatYuan(p.GMV), rank[p.Product], p.Orders, p.Units)
		salesEN := fmt.Sprintf("sold ¥%s today (#%d), %d orders, %d items", livedesk.FormatYuan(p.GMV), rank[p.Product], p.Orders, p.Units)
		need := max(int64(PushSafetyStock), p.Units)
		switch {
		case !known:
			pick.ReasonZH = sales + "；库存未知，开播前请核对"
			pick.ReasonEN = salesEN + "; stock unknown, check it before the stream"
			deep = append(deep, pick)
		case s >= need:
			pick.ReasonZH = fmt.Sprintf("%s；库存 %d 件，够再卖 %.1f 场（按本场件数）", sales, s, float64(s)/float64(max(p.Units, 1)))
			pick.ReasonEN = fmt.Sprintf("%s; %d in stock, enough for %.1f more streams at today's rate", salesEN, s, float64(s)/float64(max(p.Units, 1)))
			deep = append(deep, pick)
		default:
			pick.ReasonZH = fmt.Sprintf("%s；但库存仅 %d 件（需至少 %d），先补货再主推", sales, s, need)
			pick.ReasonEN = fmt.Sprintf("%s; but only %d in stock (needs %d): restock before leading with it", salesEN, s, need)
			short = append(short, pick)
		}
	}
	out := append(deep, short...)
	if len(out) > PushPicks {
		out = out[:PushPicks]
	}
	if out == nil {
		out = []PushPick{}
	}
	return out
}
