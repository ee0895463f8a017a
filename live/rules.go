package live

import (
	"math"
	"strconv"
)

// candidate is a flag condition that holds at this tick.
type candidate struct {
	Rule    string
	Product string
	Detail  map[string]int64
}

// key identifies the flag of a rule (and product): at most one active flag per key.
func (c candidate) key() string { return c.Rule + ":" + c.Product }

// minOnlineForDrop keeps the online-drop rule quiet in a nearly empty room.
const minOnlineForDrop = 10

// evaluate runs every rule on one tick's data. It is pure: tests feed it roomData directly.
//   - no_sale: a product with MORE than NoSaleClicks clicks and no paid order in the window;
//   - online_drop: average online in the window below (100 − OnlineDropPct)% of the previous
//     window's, when the previous window lies wholly in the session and averaged ≥ 10;
//   - low_roi: the window had ad spend and its ROI is below TargetROI (> 0);
//   - low_stock: the pinned product's known stock is below LowStock.
func evaluate(d roomData, s Settings) []candidate {
	var out []candidate
	for _, p := range d.Products {
		if p.Clicks > int64(s.NoSaleClicks) && p.Orders == 0 {
			out = append(out, candidate{Rule: RuleNoSale, Product: p.Product, Detail: map[string]int64{
				"clicks": p.Clicks, "orders": 0, "threshold": int64(s.NoSaleClicks), "window_s": int64(s.WindowS)}})
		}
	}
	if d.PrevFull && d.OnlinePrev >= minOnlineForDrop &&
		d.OnlineLast < d.OnlinePrev*(1-float64(s.OnlineDropPct)/100) {
		out = append(out, candidate{Rule: RuleOnlineDrop, Detail: map[string]int64{
			"online_last": int64(math.Round(d.OnlineLast)), "online_prev": int64(math.Round(d.OnlinePrev)),
			"drop_pct": int64(math.Round((1 - d.OnlineLast/d.OnlinePrev) * 100)), "threshold_pct": int64(s.OnlineDropPct),
			"window_s": int64(s.WindowS)}})
	}
	if s.TargetROI > 0 && d.Last.AdSpend > 0 {
		roi := float64(d.Last.GMV) / float64(d.Last.AdSpend)
		if roi < s.TargetROI {
			out = append(out, candidate{Rule: RuleLowROI, Detail: map[string]int64{
				"gmv": d.Last.GMV, "ad_spend": d.Last.AdSpend, "roi_milli": int64(math.Round(roi * 1000)),
				"target_milli": int64(math.Round(s.TargetROI * 1000)), "window_s": int64(s.WindowS)}})
		}
	}
	if d.Pinned != "" {
		if n, ok := d.Stock[d.Pinned]; ok && n < int64(s.LowStock) {
			out = append(out, candidate{Rule: RuleLowStock, Product: d.Pinned, Detail: map[string]int64{
				"stock": n, "threshold": int64(s.LowStock)}})
		}
	}
	return out
}

// responses are the suggested responses of each rule (wording from seeds/000: 调整讲解话术,
// 临时加赠 "下单送…"; plus switching product and checking price and stock).
var responses = map[string][]Response{
	RuleNoSale: {
		{"pitch", "调整讲解话术"}, {"gift", "加赠：下单送…"}, {"next", "换下一款"}, {"check", "检查价格和库存"},
	},
	RuleOnlineDrop: {
		{"pitch", "调整讲解话术"}, {"gift", "加赠：下单送…"}, {"next", "换下一款"},
	},
	RuleLowROI: {
		{"ads", "检查投放计划和出价"}, {"pitch", "调整讲解话术"}, {"next", "换下一款"},
	},
	RuleLowStock: {
		{"restock", "库存紧张，提醒补货"}, {"next", "换下一款"}, {"check", "检查价格和库存"},
	},
}

// flagID names one raising of a flag.
func flagID(c candidate, raisedMS int64) string {
	return c.key() + ":" + strconv.FormatInt(raisedMS, 10)
}

// Responses returns the suggested responses of a rule (nil for an unknown rule).
func Responses(rule string) []Response { return responses[rule] }
