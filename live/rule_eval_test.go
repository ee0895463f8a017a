package live

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
)

// ruleTestInput is one room at a fixed clock: product p1 pinned 6 minutes ago, over a 5-minute
// window, with its first 2 minutes of presentation for the CTR comparison.
func ruleTestInput() ruleInput {
	now := time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)
	v := &ruleView{
		Room: counts{Impressions: 1000, Clicks: 150, Orders: 4, GMV: 39600, Comments: 30, AdSpend: 20000,
			Questions: map[string]int64{"size": 6, "price": 2}},
		RoomClickers: 120, RoomBuyer: 4,
		Products: map[string]*prodView{
			"p1": {c: counts{Impressions: 400, Clicks: 20, Orders: 5, GMV: 49500}, clickers: 18, buyers: 5},
			"p2": {c: counts{Impressions: 200, Clicks: 0}},
		},
		OnlineLast: 150, OnlinePrev: 200, PrevFull: true,
		Unanswered: map[string]int64{"size": 5, "price": 1},
	}
	return ruleInput{Now: now, Views: map[int]*ruleView{300: v}, Pinned: "p1", PinnedAt: now.Add(-6 * time.Minute),
		Stock: map[string]int64{"p1": 12, "p2": 0},
		Start: map[int]*prodView{300: {c: counts{Impressions: 100, Clicks: 20}}}}
}

// TestMetricValues: every metric's value for the pinned product p1 and for the room, at a fixed
// clock, and each operator around it (below, equal, above).
func TestMetricValues(t *testing.T) {
	in := ruleTestInput()
	for _, c := range []struct {
		metric, topic string
		scope         string
		want          float64
		defined       bool
	}{
		{MClicks, "", "p1", 20, true},
		{MClicks, "", ScopeRoom, 150, true},
		{MImpressions, "", "p1", 400, true},
		{MCTR, "", "p1", 5, true},
		{MCTR, "", "p2", 0, true},
		{MCTR, "", "p9", 0, false}, // no impressions: undefined
		{MPaidOrders, "", "p1", 5, true},
		{MBuyers, "", "p1", 5, true},
		{MBuyers, "", ScopeRoom, 4, true},
		{MGMV, "", "p1", 495, true},
		{MCVR, "", "p1", 5.0 / 18 * 100, true},
		{MCVR, "", "p2", 0, false},
		{MComments, "", ScopeRoom, 30, true},
		{MQuestions, "", ScopeRoom, 8, true},
		{MQuestions, "size", ScopeRoom, 6, true},
		{MUnanswered, "size", ScopeRoom, 5, true},
		{MUnanswered, "", ScopeRoom, 6, true},
		{MOnline, "", ScopeRoom, 150, true},
		{MOnlineChangePct, "", ScopeRoom, -25, true},
		{MAdSpend, "", ScopeRoom, 200, true},
		{MROI, "", ScopeRoom, 1.98, true},
		{MStock, "", "p1", 12, true},
		{MStock, "", "p9", 0, false},
		{MMinutesPresent, "", "p1", 6, true},
		{MMinutesPresent, "", "p2", 0, true},
		{MStockoutMinutes, "", "p1", 12, true}, // 5 orders in 5 minutes: 1 a minute, 12 in stock
		{MStockoutMinutes, "", "p2", 0, false}, // no sales: no projection
		{MCTRVsStartPct, "", "p1", 25, true},   // 5% now against 20% at the start
		{MCTRVsStartPct, "", "p2", 0, false},   // not the presented product
	} {
		sub := subject{product: c.scope}
		if c.scope == ScopeRoom {
			sub = subject{}
		}
		r := Rule{ID: "t", Name: "t", Scope: c.scope, WindowS: 300, Enabled: true}
		got, ok := metricValue(Cond{Metric: c.metric, Topic: c.topic}, sub, r, in, in.Views[300])
		if ok != c.defined || (ok && abs(got-c.want) > 1e-6) {
			t.Errorf("%s/%s on %s: %v %v, want %v %v", c.metric, c.topic, c.scope, got, ok, c.want, c.defined)
			continue
		}
		if !ok {
			// An undefined metric never fires, whatever the operator.
			for _, op := range Ops {
				r.When = []Cond{{Metric: c.metric, Op: op, Value: 0, Topic: c.topic}}
				if len(evalRules([]Rule{r}, in)) != 0 {
					t.Errorf("%s %s fired while undefined", c.metric, op)
				}
			}
			continue
		}
		for _, oc := range []struct {
			op                  string
			below, equal, above bool // the value against a threshold below, equal to, above it
		}{
			{">", true, false, false}, {">=", true, true, false}, {"<", false, false, true},
			{"<=", false, true, true}, {"=", false, true, false}, {"!=", true, false, true},
		} {
			for i, th := range []float64{c.want - 1, c.want, c.want + 1} {
				r.When = []Cond{{Metric: c.metric, Op: oc.op, Value: th, Topic: c.topic}}
				fired := len(evalRules([]Rule{r}, in)) == 1
				want := []bool{oc.below, oc.equal, oc.above}[i]
				if fired != want {
					t.Errorf("%s %s %v (value %v): fired %v", c.metric, oc.op, th, c.want, fired)
				}
			}
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestRuleScopesAndFlagNumbers: product scope looks at every product, topic scope at every
// topic, a disabled rule never fires, and the candidate carries the numbers that fired it.
func TestRuleScopesAndFlagNumbers(t *testing.T) {
	in := ruleTestInput()
	rules := []Rule{
		{ID: "few_clicks", Name: "点击少", Scope: ScopeProduct, WindowS: 300, Enabled: true,
			When: []Cond{{Metric: MClicks, Op: "<", Value: 50}, {Metric: MImpressions, Op: ">=", Value: 100}}},
		{ID: "q", Name: "提问", Scope: ScopeTopic, WindowS: 300, Enabled: true,
			When: []Cond{{Metric: MUnanswered, Op: ">=", Value: 5}}},
		{ID: "off", Name: "关", Scope: ScopeRoom, WindowS: 300, Enabled: false,
			When: []Cond{{Metric: MClicks, Op: ">", Value: 0}}},
		{ID: "other_window", Name: "别的窗口", Scope: ScopeRoom, WindowS: 600, Enabled: true,
			When: []Cond{{Metric: MClicks, Op: ">", Value: 0}}},
	}
	got := map[string]candidate{}
	for _, c := range evalRules(rules, in) {
		got[c.key()] = c
	}
	if len(got) != 3 {
		t.Fatalf("candidates %v", got)
	}
	c, ok := got["few_clicks:p1"]
	if !ok || c.Name != "点击少" || len(c.When) != 2 || c.When[0].Actual != 20 || c.When[1].Actual != 400 || c.Detail["clicks"] != 20 {
		t.Errorf("few_clicks:p1 = %+v", c)
	}
	if _, ok := got["few_clicks:p2"]; !ok {
		t.Error("p2 (0 clicks, 200 impressions) should fire")
	}
	if c, ok := got["q::size"]; !ok || c.Topic != "size" || c.When[0].Actual != 5 {
		t.Errorf("questions of one topic: %+v", got)
	}
}

// TestSeedRuleAsData: the seed rule is {scope: product, window_s: 300, when: [clicks > 100,
// paid_orders = 0]}, and the defaults pass validation unchanged.
func TestSeedRuleAsData(t *testing.T) {
	rs := DefaultRules(DefaultSettings())
	seed := rs[0]
	if seed.ID != RuleNoSale || seed.Scope != ScopeProduct || seed.WindowS != 300 || len(seed.When) != 2 ||
		seed.When[0] != (Cond{Metric: MClicks, Op: ">", Value: 100}) || seed.When[1] != (Cond{Metric: MPaidOrders, Op: "=", Value: 0}) {
		t.Fatalf("seed rule %+v", seed)
	}
	v, err := ValidateRules(rs)
	if err != nil || len(v) != 7 {
		t.Fatalf("defaults do not validate: %v", err)
	}
	for _, m := range RuleMetrics {
		if m.ZH == "" || m.EN == "" {
			t.Errorf("metric %s lacks a label", m.Key)
		}
	}
}

// TestValidateBadRules: each bad rule is refused with an error naming the rule and the field.
func TestValidateBadRules(t *testing.T) {
	good := func() Rule {
		return Rule{ID: "x", Name: "我的规则", Scope: ScopeProduct, WindowS: 300, Enabled: true,
			When: []Cond{{Metric: MClicks, Op: ">", Value: 20}}}
	}
	for _, c := range []struct {
		name  string
		edit  func(r *Rule)
		field string
	}{
		{"window too short", func(r *Rule) { r.WindowS = 59 }, "rules[0].window_s"},
		{"window too long", func(r *Rule) { r.WindowS = 3601 }, "rules[0].window_s"},
		{"no name", func(r *Rule) { r.Name = " " }, "rules[0].name"},
		{"bad scope", func(r *Rule) { r.Scope = "p 1" }, "rules[0].scope"},
		{"unknown metric", func(r *Rule) { r.When[0].Metric = "likes_per_hour" }, "rules[0].when[0].metric"},
		{"bad op", func(r *Rule) { r.When[0].Op = "=>" }, "rules[0].when[0].op"},
		{"no conditions", func(r *Rule) { r.When = nil }, "rules[0].when"},
		{"topic on clicks", func(r *Rule) { r.When[0].Topic = "size" }, "rules[0].when[0].topic"},
		{"unknown topic", func(r *Rule) { r.When[0] = Cond{Metric: MQuestions, Op: ">", Value: 1, Topic: "weather"} }, "rules[0].when[0].topic"},
		{"negative cooldown", func(r *Rule) { r.CooldownS = -1 }, "rules[0].cooldown_s"},
		{"empty cue", func(r *Rule) { r.Responses = []Response{{Kind: RespCue}} }, "rules[0].responses[0].text"},
		{"flash sale without price", func(r *Rule) {
			r.Responses = []Response{{Kind: RespFlashSale, Qty: 10, DurationS: 300}}
		}, "rules[0].responses[0].price_fen"},
		{"flash sale too long", func(r *Rule) {
			r.Responses = []Response{{Kind: RespFlashSale, PriceFen: 990, Qty: 10, DurationS: 3 * 3600}}
		}, "rules[0].responses[0].duration_s"},
		{"coupon threshold under discount", func(r *Rule) {
			r.Responses = []Response{{Kind: RespCoupon, DiscountFen: 1000, ThresholdFen: 500, Qty: 1}}
		}, "rules[0].responses[0].threshold_fen"},
		{"pin without product", func(r *Rule) { r.Responses = []Response{{Kind: RespPin}} }, "rules[0].responses[0].product"},
		{"unknown kind", func(r *Rule) { r.Responses = []Response{{Kind: "refund_all", Text: "x"}} }, "rules[0].responses[0].kind"},
	} {
		r := good()
		c.edit(&r)
		_, err := ValidateRules([]Rule{r})
		var le *livedesk.Error
		if !errors.As(err, &le) || le.Field != c.field || !(strings.Contains(le.MessageZH, "「我的规则」") || strings.Contains(le.MessageZH, "「x」")) {
			t.Errorf("%s: %v (field %q), want field %s naming the rule", c.name, err, fieldOf(le), c.field)
		}
	}
	r1, r2 := good(), good()
	if _, err := ValidateRules([]Rule{r1, r2}); err == nil || !strings.Contains(err.Error(), "another rule") {
		t.Errorf("duplicate id: %v", err)
	}
	ok, err := ValidateRules([]Rule{{Name: "秒杀", Scope: ScopePinned, WindowS: 60, Enabled: true,
		When:      []Cond{{Metric: MClicks, Op: ">", Value: 20}},
		Responses: []Response{{Kind: RespFlashSale, PriceFen: 990, Qty: 50, DurationS: 300}}}})
	if err != nil || ok[0].ID == "" || ok[0].Responses[0].Key == "" || ok[0].Responses[0].Text != "秒杀 ¥9.90 × 50 件，300 秒" {
		t.Errorf("filled in: %+v %v", ok, err)
	}
}

func fieldOf(e *livedesk.Error) string {
	if e == nil {
		return ""
	}
	return e.Field
}

// TestCover: windows up to 10 minutes are 10-second buckets; longer ones use whole minutes in
// the middle.
func TestCover(t *testing.T) {
	fine, mins := cover(span{1000, 1300})
	if len(fine) != 30 || mins != nil {
		t.Errorf("5 minutes: %d fine, %d minutes", len(fine), len(mins))
	}
	fine, mins = cover(span{1010, 1010 + 3600})
	// 1010…1020 in 10-second buckets, whole minutes 1020…4560, then 4560…4610 in 10-second buckets
	var total int64
	for range fine {
		total += spanFine
	}
	total += int64(len(mins)) * spanMinute
	if total != 3600 || len(mins) != 59 {
		t.Errorf("60 minutes: %d fine, %d minutes, %d s", len(fine), len(mins), total)
	}
}

// BenchmarkEvalRules: the seven default rules and one operator rule over a room with 200 active
// products (the pure part of a tick's rule work; the Redis reads are in the tick's pipeline).
func BenchmarkEvalRules(b *testing.B) {
	in := ruleTestInput()
	v := in.Views[300]
	for i := 0; i < 200; i++ {
		v.Products[fmt.Sprintf("p%03d", i)] = &prodView{c: counts{Impressions: int64(100 + i), Clicks: int64(i), Orders: int64(i % 3)}}
	}
	in.Views[120] = v
	in.Views[60] = v
	rules := append(DefaultRules(DefaultSettings()), Rule{ID: "mine", Name: "mine", Scope: ScopeProduct, WindowS: 60, Enabled: true,
		When: []Cond{{Metric: MClicks, Op: ">", Value: 20}, {Metric: MPaidOrders, Op: "=", Value: 0}}})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n += len(evalRules(rules, in))
	}
	if n == 0 {
		b.Fatal("nothing fired")
	}
}
