package live

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/livedesk/livedesk"
)

// Rule is a live rule as data: when every condition holds for a subject of its scope over its
// window, a flag is raised naming the rule and the numbers that made it fire. The operator writes
// them in the control room (rules editor) or through PUT /api/v1/rooms/{room}/rules.
type Rule struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Scope is what the rule looks at: ScopeProduct (every product with activity in the window),
	// ScopePinned (the product being presented), ScopeRoom (the room), ScopeTopic (every buyer
	// question topic) or one product id.
	Scope     string     `json:"scope"`
	WindowS   int        `json:"window_s"`
	When      []Cond     `json:"when"`
	CooldownS int        `json:"cooldown_s"`
	Enabled   bool       `json:"enabled"`
	Responses []Response `json:"responses"`
	// Notify sends each raised flag of the rule to the shop's group-bot webhook (飞书 / 企业微信).
	Notify bool `json:"notify"`
}

// Cond is one condition of a rule: metric op value. Topic narrows the question metrics to one
// topic ("" = any topic; with ScopeTopic the subject's topic).
type Cond struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
	Topic  string  `json:"topic,omitempty"`
}

// Rule scopes.
const (
	ScopeProduct = "product"
	ScopePinned  = "pinned"
	ScopeRoom    = "room"
	ScopeTopic   = "topic"
)

// Rule limits.
const (
	MinRuleWindowS = 60
	MaxRuleWindowS = 3600
	MaxRules       = 50
	MaxConds       = 8
	MaxResponses   = 6
	MaxRuleName    = 40
	MaxCooldownS   = 24 * 3600
)

// Ops are the comparison operators of a condition.
var Ops = []string{">", ">=", "<", "<=", "=", "!="}

// Response kinds: a cue to the prompter, or an action on the stage.
const (
	RespCue       = "cue"
	RespPinNext   = "pin_next"
	RespPin       = "pin"
	RespFlashSale = "flash_sale"
	RespCoupon    = "coupon"
)

// MetricDef describes a metric a condition can use.
type MetricDef struct {
	Key  string `json:"key"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
	Unit string `json:"unit"` // count, pct, yuan, ratio, minutes
	// Topic says the metric takes an optional question topic.
	Topic bool `json:"topic,omitempty"`
}

// Metric keys.
const (
	MClicks          = "clicks"
	MImpressions     = "impressions"
	MCTR             = "ctr"
	MPaidOrders      = "paid_orders"
	MBuyers          = "buyers"
	MGMV             = "gmv"
	MCVR             = "cvr"
	MComments        = "comments"
	MQuestions       = "questions"
	MUnanswered      = "unanswered_questions"
	MOnline          = "online"
	MOnlineChangePct = "online_change_pct"
	MAdSpend         = "ad_spend"
	MROI             = "roi"
	MStock           = "stock"
	MMinutesPresent  = "minutes_presented"
	MStockoutMinutes = "projected_stockout_minutes"
	MCTRVsStartPct   = "ctr_vs_start_pct"
)

// RuleMetrics are the metrics of rule conditions with their zh-CN and English labels, in the
// editor's order. Rates are percentages (ctr 2 = 2%), money is yuan, ROI a plain ratio.
var RuleMetrics = []MetricDef{
	{MClicks, "点击数", "Clicks", "count", false},
	{MImpressions, "曝光数", "Impressions", "count", false},
	{MCTR, "点击率 %", "CTR %", "pct", false},
	{MPaidOrders, "支付订单数", "Paid orders", "count", false},
	{MBuyers, "购买人数", "Buyers", "count", false},
	{MGMV, "成交额（元）", "GMV (¥)", "yuan", false},
	{MCVR, "转化率 %", "Conversion %", "pct", false},
	{MComments, "评论数", "Comments", "count", false},
	{MQuestions, "提问数", "Questions", "count", true},
	{MUnanswered, "未回答提问数", "Unanswered questions", "count", true},
	{MOnline, "在线人数（窗口平均）", "Online (window average)", "count", false},
	{MOnlineChangePct, "在线人数变化 %（对比上一窗口）", "Online change % (vs previous window)", "pct", false},
	{MAdSpend, "投放消耗（元）", "Ad spend (¥)", "yuan", false},
	{MROI, "投产比 ROI", "ROI", "ratio", false},
	{MStock, "库存", "Stock", "count", false},
	{MMinutesPresent, "已讲解分钟数", "Minutes presented", "minutes", false},
	{MStockoutMinutes, "预计售罄分钟数", "Projected stock-out (minutes)", "minutes", false},
	{MCTRVsStartPct, "点击率相对讲解开始 %", "CTR vs start of presentation %", "pct", false},
}

// MetricByKey returns the definition of a metric.
func MetricByKey(k string) (MetricDef, bool) {
	for _, m := range RuleMetrics {
		if m.Key == k {
			return m, true
		}
	}
	return MetricDef{}, false
}

// MetricLabel returns the metric's label in lang ("en", else zh-CN); the key itself when unknown.
func MetricLabel(k, lang string) string {
	m, ok := MetricByKey(k)
	if !ok {
		return k
	}
	if lang == "en" {
		return m.EN
	}
	return m.ZH
}

// ruleErr is a validation error naming the rule and the field.
func ruleErr(i int, r Rule, field, en, zh string) error {
	name := r.Name
	if name == "" {
		name = r.ID
	}
	if name == "" {
		name = "#" + strconv.Itoa(i+1)
	}
	f := "rules[" + strconv.Itoa(i) + "]." + field
	return livedesk.Invalid(f, fmt.Sprintf("rule %q: %s: %s", name, field, en), fmt.Sprintf("规则「%s」：%s：%s", name, field, zh))
}

// ValidateRules checks a room's rule set and fills in what may be left out (ids from the
// names, response keys, cue texts). The error names the rule and the field.
func ValidateRules(rules []Rule) ([]Rule, error) {
	if len(rules) > MaxRules {
		return nil, livedesk.Invalid("rules", fmt.Sprintf("at most %d rules", MaxRules), fmt.Sprintf("最多 %d 条规则", MaxRules))
	}
	out := make([]Rule, len(rules))
	seen := map[string]bool{}
	for i, r := range rules {
		r.Name = strings.TrimSpace(r.Name)
		r.ID = strings.TrimSpace(r.ID)
		if r.ID == "" {
			r.ID = "r" + strconv.Itoa(i+1)
			for seen[r.ID] {
				r.ID += "x"
			}
		}
		switch {
		case livedesk.ValidID(r.ID) != nil || len(r.ID) > 40:
			return nil, ruleErr(i, r, "id", "letters, digits, - _ . only, at most 40", "只能包含字母、数字和 - _ .，最多 40 个字符")
		case seen[r.ID]:
			return nil, ruleErr(i, r, "id", "used by another rule", "与另一条规则重复")
		case r.Name == "" || utf8.RuneCountInString(r.Name) > MaxRuleName:
			return nil, ruleErr(i, r, "name", fmt.Sprintf("required, at most %d characters", MaxRuleName), fmt.Sprintf("必填，最多 %d 个字符", MaxRuleName))
		case r.WindowS < MinRuleWindowS || r.WindowS > MaxRuleWindowS:
			return nil, ruleErr(i, r, "window_s", "must be between 60 s and 60 min", "须在 60 秒到 60 分钟之间")
		case r.CooldownS < 0 || r.CooldownS > MaxCooldownS:
			return nil, ruleErr(i, r, "cooldown_s", "must be between 0 and 24 h", "须在 0 到 24 小时之间")
		case len(r.When) == 0 || len(r.When) > MaxConds:
			return nil, ruleErr(i, r, "when", fmt.Sprintf("1 to %d conditions", MaxConds), fmt.Sprintf("须有 1 到 %d 个条件", MaxConds))
		case len(r.Responses) > MaxResponses:
			return nil, ruleErr(i, r, "responses", fmt.Sprintf("at most %d", MaxResponses), fmt.Sprintf("最多 %d 个", MaxResponses))
		}
		seen[r.ID] = true
		switch r.Scope {
		case ScopeProduct, ScopePinned, ScopeRoom, ScopeTopic:
		default:
			if r.Scope == "" || livedesk.ValidID(r.Scope) != nil {
				return nil, ruleErr(i, r, "scope", "product, pinned, room, topic or a product id", "须为 product、pinned、room、topic 或一个商品 ID")
			}
		}
		r.When = append([]Cond(nil), r.When...)
		for j, c := range r.When {
			f := "when[" + strconv.Itoa(j) + "]"
			m, ok := MetricByKey(c.Metric)
			if !ok {
				return nil, ruleErr(i, r, f+".metric", "unknown metric "+strconv.Quote(c.Metric), "未知指标 "+strconv.Quote(c.Metric))
			}
			if !validOp(c.Op) {
				return nil, ruleErr(i, r, f+".op", "must be one of > >= < <= = !=", "须为 > >= < <= = != 之一")
			}
			if c.Value != c.Value || c.Value > 1e12 || c.Value < -1e12 {
				return nil, ruleErr(i, r, f+".value", "not a number in range", "不是有效的数值")
			}
			if c.Topic != "" && (!m.Topic || livedesk.TopicLabel(c.Topic, "zh") == "") {
				return nil, ruleErr(i, r, f+".topic", "unknown question topic or metric without topics", "未知的提问类别，或该指标不分类别")
			}
		}
		r.Responses = append([]Response(nil), r.Responses...)
		keys := map[string]bool{}
		for j := range r.Responses {
			if err := validateResponse(i, j, r, &r.Responses[j], keys); err != nil {
				return nil, err
			}
		}
		if r.Responses == nil {
			r.Responses = []Response{}
		}
		out[i] = r
	}
	return out, nil
}

func validOp(op string) bool {
	for _, o := range Ops {
		if o == op {
			return true
		}
	}
	return false
}

// validateResponse checks one suggested response and fills in its key and wording.
func validateResponse(i, j int, r Rule, x *Response, keys map[string]bool) error {
	f := "responses[" + strconv.Itoa(j) + "]"
	if x.Kind == "" {
		x.Kind = RespCue
	}
	x.Text = strings.TrimSpace(x.Text)
	if x.Key == "" {
		x.Key = x.Kind + strconv.Itoa(j+1)
	}
	if livedesk.ValidID(x.Key) != nil || keys[x.Key] {
		return ruleErr(i, r, f+".key", "missing or used twice", "缺失或重复")
	}
	keys[x.Key] = true
	if x.Product != "" && livedesk.ValidID(x.Product) != nil {
		return ruleErr(i, r, f+".product", "not a product id", "不是有效的商品 ID")
	}
	if utf8.RuneCountInString(x.Text) > 200 {
		return ruleErr(i, r, f+".text", "longer than 200 characters", "超过 200 个字符")
	}
	switch x.Kind {
	case RespCue:
		if x.Text == "" {
			return ruleErr(i, r, f+".text", "a cue needs its text", "提示须有内容")
		}
	case RespPinNext, RespPin:
		if x.Kind == RespPin && x.Product == "" {
			return ruleErr(i, r, f+".product", "name the product to pin", "须指定要上架讲解的商品")
		}
	case RespFlashSale:
		switch {
		case x.PriceFen <= 0 || x.PriceFen > livedesk.MaxMoneyFen:
			return ruleErr(i, r, f+".price_fen", "price must be more than ¥0.00", "价格必须大于 ¥0.00")
		case x.Qty <= 0 || x.Qty > 1_000_000:
			return ruleErr(i, r, f+".qty", "quantity must be 1 or more", "数量必须至少为 1")
		case x.DurationS < 10 || x.DurationS > 7200:
			return ruleErr(i, r, f+".duration_s", "between 10 s and 2 h", "须在 10 秒到 2 小时之间")
		}
	case RespCoupon:
		switch {
		case x.DiscountFen <= 0 || x.DiscountFen > livedesk.MaxMoneyFen:
			return ruleErr(i, r, f+".discount_fen", "discount must be more than ¥0.00", "优惠金额必须大于 ¥0.00")
		case x.ThresholdFen < 0 || (x.ThresholdFen > 0 && x.ThresholdFen <= x.DiscountFen):
			return ruleErr(i, r, f+".threshold_fen", "must be more than the discount (or 0)", "门槛必须高于优惠金额（或为 0）")
		case x.Qty <= 0 || x.Qty > 1_000_000:
			return ruleErr(i, r, f+".qty", "quantity must be 1 or more", "数量必须至少为 1")
		}
	default:
		return ruleErr(i, r, f+".kind", "cue, pin_next, pin, flash_sale or coupon", "须为 cue、pin_next、pin、flash_sale 或 coupon")
	}
	if x.Text == "" {
		x.Text = responseText(*x)
	}
	return nil
}

// responseText is the zh-CN wording of an action response (what the prompter is told).
func responseText(x Response) string {
	switch x.Kind {
	case RespPinNext:
		return "换下一款"
	case RespPin:
		return "换讲 " + x.Product
	case RespFlashSale:
		return "秒杀 ¥" + livedesk.FormatYuan(x.PriceFen) + " × " + strconv.FormatInt(x.Qty, 10) + " 件，" +
			strconv.FormatInt(x.DurationS, 10) + " 秒"
	case RespCoupon:
		t := "无门槛减" + livedesk.FormatYuanShort(x.DiscountFen)
		if x.ThresholdFen > 0 {
			t = "满" + livedesk.FormatYuanShort(x.ThresholdFen) + "减" + livedesk.FormatYuanShort(x.DiscountFen)
		}
		return "发券：" + t
	}
	return x.Text
}
