package live

import (
	"strconv"
	"time"
)

// candidate is a flag condition that holds at this tick.
type candidate struct {
	Rule      string
	Product   string
	Topic     string
	Detail    map[string]int64
	Name      string
	When      []FiredCond
	WindowS   int
	Responses []Response
	CooldownS int
	Notify    bool
}

// key identifies the flag of a rule (and product or topic): at most one active flag per key.
func (c candidate) key() string {
	if c.Topic != "" {
		return c.Rule + ":" + c.Product + ":" + c.Topic
	}
	return c.Rule + ":" + c.Product
}

// minOnlineForDrop keeps the online-change metric undefined in a nearly empty room.
const minOnlineForDrop = 10

// Built-in and default rule ids. The first four were the fixed rules; the last three are the
// default rules no console had.
const (
	RuleStockout        = "stockout_soon"    // the pinned product sells out within 10 minutes at the window's rate
	RuleCTRFalling      = "ctr_falling"      // the last 2 minutes' CTR under half the first 2 minutes' of the presentation
	RuleQuestionsPiling = "questions_piling" // ≥ 5 unanswered questions of one topic in 2 minutes
)

// cue is a cue response.
func cue(key, text string) Response { return Response{Key: key, Text: text, Kind: RespCue} }

// responses are the suggested responses of the default rules (wording from seeds/000: 调整讲解话术,
// 临时加赠 "下单送…"; plus switching product and checking price and stock).
var responses = map[string][]Response{
	RuleNoSale: {
		cue("pitch", "调整讲解话术"), cue("gift", "加赠：下单送…"), {Key: "next", Text: "换下一款", Kind: RespPinNext},
		cue("check", "检查价格和库存"),
	},
	RuleOnlineDrop: {
		cue("pitch", "调整讲解话术"), cue("gift", "加赠：下单送…"), {Key: "next", Text: "换下一款", Kind: RespPinNext},
	},
	RuleLowROI: {
		cue("ads", "检查投放计划和出价"), cue("pitch", "调整讲解话术"), {Key: "next", Text: "换下一款", Kind: RespPinNext},
	},
	RuleLowStock: {
		cue("restock", "库存紧张，提醒补货"), {Key: "next", Text: "换下一款", Kind: RespPinNext}, cue("check", "检查价格和库存"),
	},
	RuleStockout: {
		cue("restock", "库存快卖完了，提醒补货或准备下一款"), {Key: "next", Text: "换下一款", Kind: RespPinNext},
	},
	RuleCTRFalling: {
		cue("pitch", "点击在下降：换个卖点讲"), {Key: "next", Text: "换下一款", Kind: RespPinNext},
	},
	RuleQuestionsPiling: {
		cue("answer", "很多人在问同一个问题，请集中回答"),
	},
}

// DefaultRules are the rules a room starts with: the four built-in rules with the thresholds of
// s (the seed rule is {scope: product, window_s: 300, when: [clicks > 100, paid_orders = 0]}) and
// the three new ones. Every one is an ordinary, editable rule.
func DefaultRules(s Settings) []Rule {
	w := s.WindowS
	rs := []Rule{
		{ID: RuleNoSale, Name: RuleNames[RuleNoSale][0], Scope: ScopeProduct, WindowS: w,
			When: []Cond{{Metric: MClicks, Op: ">", Value: float64(s.NoSaleClicks)}, {Metric: MPaidOrders, Op: "=", Value: 0}}},
		{ID: RuleOnlineDrop, Name: RuleNames[RuleOnlineDrop][0], Scope: ScopeRoom, WindowS: w,
			When: []Cond{{Metric: MOnlineChangePct, Op: "<", Value: -float64(s.OnlineDropPct)}}},
		{ID: RuleLowROI, Name: RuleNames[RuleLowROI][0], Scope: ScopeRoom, WindowS: w, Enabled: s.TargetROI > 0,
			When: []Cond{{Metric: MROI, Op: "<", Value: s.TargetROI}}},
		{ID: RuleLowStock, Name: RuleNames[RuleLowStock][0], Scope: ScopePinned, WindowS: w,
			When: []Cond{{Metric: MStock, Op: "<", Value: float64(s.LowStock)}}},
		{ID: RuleStockout, Name: RuleNames[RuleStockout][0], Scope: ScopePinned, WindowS: 300,
			When: []Cond{{Metric: MStockoutMinutes, Op: "<", Value: 10}}},
		{ID: RuleCTRFalling, Name: RuleNames[RuleCTRFalling][0], Scope: ScopePinned, WindowS: 120,
			When: []Cond{{Metric: MMinutesPresent, Op: ">=", Value: 4}, {Metric: MCTRVsStartPct, Op: "<", Value: 50}}},
		{ID: RuleQuestionsPiling, Name: RuleNames[RuleQuestionsPiling][0], Scope: ScopeTopic, WindowS: 120,
			When: []Cond{{Metric: MUnanswered, Op: ">=", Value: 5}}},
	}
	for i := range rs {
		if rs[i].ID != RuleLowROI {
			rs[i].Enabled = true
		}
		rs[i].Responses = append([]Response(nil), responses[rs[i].ID]...)
	}
	return rs
}

// RuleNames are the default rules' names in English (pages show a default rule by its id in the
// user's language; an operator's own rule by the name they gave it).
var RuleNames = map[string][2]string{
	RuleNoSale:          {"高点击无成交", "Clicks but no sale"},
	RuleOnlineDrop:      {"在线人数下滑", "Online viewers dropping"},
	RuleLowROI:          {"ROI 低于目标", "ROI below target"},
	RuleLowStock:        {"讲解商品库存不足", "Presented product low on stock"},
	RuleStockout:        {"讲解结束前会售罄", "Sells out before the presentation ends"},
	RuleCTRFalling:      {"讲解中点击率下滑", "CTR falling during presentation"},
	RuleQuestionsPiling: {"同类提问堆积", "Questions piling up"},
}

// RuleName returns the name of a flag's rule in lang: a default rule whose stored name is still
// the default is translated; any other name is the operator's own.
func RuleName(rule, name, lang string) string {
	if n, ok := RuleNames[rule]; ok && (name == "" || name == n[0] || name == n[1]) {
		if lang == "en" {
			return n[1]
		}
		return n[0]
	}
	if name == "" {
		return rule
	}
	return name
}

// evaluate runs the four built-in rules with the thresholds of s over one tick's data (the
// settings window). Pure: tests feed it roomData directly.
func evaluate(d roomData, s Settings) []candidate {
	return evalRules(DefaultRules(s)[:4], inputFromRoom(d, s.WindowS, time.Time{}))
}

// flagID names one raising of a flag.
func flagID(c candidate, raisedMS int64) string {
	return c.key() + ":" + strconv.FormatInt(raisedMS, 10)
}

// Responses returns the suggested responses of a default rule (nil for an unknown rule).
func Responses(rule string) []Response { return responses[rule] }
