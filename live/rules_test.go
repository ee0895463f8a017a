package live

import (
	"slices"
	"testing"
)

func TestRules(t *testing.T) {
	s := DefaultSettings()
	s.TargetROI = 3
	prod := func(id string, clicks, orders int64) ProductWindow {
		return ProductWindow{Product: id, Clicks: clicks, Orders: orders}
	}
	for _, c := range []struct {
		name string
		d    roomData
		want []string // rule:product
	}{
		{"100 clicks is not more than 100", roomData{Products: []ProductWindow{prod("p1", 100, 0)}}, nil},
		{"101 clicks and no sale", roomData{Products: []ProductWindow{prod("p1", 101, 0)}}, []string{"no_sale:p1"}},
		{"101 clicks and a sale", roomData{Products: []ProductWindow{prod("p1", 101, 1)}}, nil},
		{"two products", roomData{Products: []ProductWindow{prod("p1", 500, 0), prod("p2", 150, 0), prod("p3", 150, 2)}},
			[]string{"no_sale:p1", "no_sale:p2"}},
		{"online down 31%", roomData{PrevFull: true, OnlinePrev: 100, OnlineLast: 69}, []string{"online_drop:"}},
		{"online down exactly 30%", roomData{PrevFull: true, OnlinePrev: 100, OnlineLast: 70}, nil},
		{"online drop before a full previous window", roomData{PrevFull: false, OnlinePrev: 100, OnlineLast: 10}, nil},
		{"online drop in a near-empty room", roomData{PrevFull: true, OnlinePrev: 5, OnlineLast: 1}, nil},
		{"ROI below target", roomData{Last: Metrics{GMV: 29999, AdSpend: 10000}}, []string{"low_roi:"}},
		{"ROI at target", roomData{Last: Metrics{GMV: 30000, AdSpend: 10000}}, nil},
		{"no ad spend, no ROI flag", roomData{Last: Metrics{GMV: 0, AdSpend: 0}}, nil},
		{"pinned stock 9", roomData{Pinned: "p1", Stock: map[string]int64{"p1": 9}}, []string{"low_stock:p1"}},
		{"pinned stock 10", roomData{Pinned: "p1", Stock: map[string]int64{"p1": 10}}, nil},
		{"stock low but not pinned", roomData{Pinned: "p2", Stock: map[string]int64{"p1": 1}}, nil},
		{"pinned stock unknown", roomData{Pinned: "p1"}, nil},
	} {
		var got []string
		for _, x := range evaluate(c.d, s) {
			got = append(got, x.key())
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	off := DefaultSettings()
	if len(evaluate(roomData{Last: Metrics{GMV: 1, AdSpend: 10000}}, off)) != 0 {
		t.Error("ROI rule fires with no target set")
	}
	custom := DefaultSettings()
	custom.NoSaleClicks = 20
	if len(evaluate(roomData{Products: []ProductWindow{prod("p1", 21, 0)}}, custom)) != 1 {
		t.Error("per-room click threshold ignored")
	}
}

func TestEveryRuleHasResponses(t *testing.T) {
	for _, r := range []string{RuleNoSale, RuleOnlineDrop, RuleLowROI, RuleLowStock} {
		if len(responses[r]) == 0 {
			t.Errorf("rule %s has no suggested responses", r)
		}
	}
	if responses[RuleNoSale][1].Text != "加赠：下单送…" {
		t.Errorf("gift wording: %q", responses[RuleNoSale][1].Text)
	}
}
