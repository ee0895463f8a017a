package livedesk

import "sort"

// PushSales is one product's sales over a span (a session, a day), for choosing tomorrow's
// 主推 products.
type PushSales struct {
	Product string
	GMV     int64 // minor units
	Orders  int64
	Units   int64
}

// PushChoice is one product PickPush chose: its sales, its rank among the sellers (1 = most
// GMV), its stock and whether the stock is deep enough (Short: restock before leading with it).
type PushChoice struct {
	PushSales
	Rank       int
	Stock      int64
	StockKnown bool
	Need       int64 // the stock it needs: max(safety, units sold)
	Short      bool
}

// PickPush chooses up to n products to lead with next: the best sellers (by GMV, then units)
// whose stock can carry another span like this one — at least safety and at least what sold.
// Unknown stock does not exclude a product. When fewer than n qualify, hot sellers short of
// stock fill the list (Short), so the manager sees them rather than a shorter list. The
// post-stream report and the daily recaps both use it.
func PickPush(sales []PushSales, stock map[string]int64, safety int64, n int) []PushChoice {
	sellers := make([]PushSales, 0, len(sales))
	for _, p := range sales {
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
	var deep, short []PushChoice
	for i, p := range sellers {
		s, known := stock[p.Product]
		c := PushChoice{PushSales: p, Rank: i + 1, Stock: s, StockKnown: known, Need: max(safety, p.Units)}
		if known && s < c.Need {
			c.Short = true
			short = append(short, c)
			continue
		}
		deep = append(deep, c)
	}
	out := append(deep, short...)
	if len(out) > n {
		out = out[:n]
	}
	return out
}
