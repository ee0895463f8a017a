package live

import (
	"math"
	"sort"
	"time"

	"github.com/livedesk/livedesk"
)

// ruleView is one window length's numbers: the room and each product over the last window
// (10-second buckets, the current one partial, clipped to the session start), the average
// online of that window and the one before it, and the questions per topic.
type ruleView struct {
	Room                    counts
	RoomClickers, RoomBuyer int64
	Products                map[string]*prodView
	OnlineLast, OnlinePrev  float64
	PrevFull                bool
	// Unanswered counts the window's questions per topic asked after the topic was last
	// marked answered on the prompter.
	Unanswered map[string]int64
	// subjects are the products in id order, made once per tick for the product-scope rules.
	subjects []subject
}

// prodView is one product's counters over a window.
type prodView struct {
	c                counts
	clickers, buyers int64
}

// ruleInput is everything the rules see at one tick. Pure data: tests build it directly.
type ruleInput struct {
	Now      time.Time
	Views    map[int]*ruleView // by window seconds
	Pinned   string
	PinnedAt time.Time // zero when unknown
	Stock    map[string]int64
	// Start is the pinned product over the first window of its presentation, by window seconds
	// (absent until the presentation is at least that long).
	Start map[int]*prodView
}

// subject is what a rule is evaluated for: a product, the room, or a question topic.
type subject struct{ product, topic string }

// evalRules evaluates every enabled rule over in and returns the conditions that hold. It
// allocates only for the subjects a rule fires for.
func evalRules(rules []Rule, in ruleInput) []candidate {
	var out []candidate
	var seen [MaxConds]float64
	for _, r := range rules {
		if !r.Enabled || len(r.When) > MaxConds {
			continue
		}
		v := in.Views[r.WindowS]
		if v == nil {
			continue
		}
		for _, sub := range subjects(r, in, v) {
			ok := true
			for i, c := range r.When {
				x, defined := metricValue(c, sub, r, in, v)
				if !defined || !compare(x, c.Op, c.Value) {
					ok = false
					break
				}
				seen[i] = x
			}
			if !ok {
				continue
			}
			when := make([]FiredCond, len(r.When))
			detail := make(map[string]int64, len(r.When)+1)
			detail["window_s"] = int64(r.WindowS)
			for i, c := range r.When {
				when[i] = FiredCond{Metric: c.Metric, Op: c.Op, Value: c.Value, Actual: round3(seen[i]), Topic: c.Topic}
				detail[c.Metric] = int64(math.Round(seen[i]))
			}
			out = append(out, candidate{Rule: r.ID, Product: sub.product, Topic: sub.topic, Detail: detail,
				Name: r.Name, When: when, WindowS: r.WindowS, Responses: r.Responses, CooldownS: r.CooldownS, Notify: r.Notify})
		}
	}
	return out
}

// subjects lists what the rule is evaluated for.
func subjects(r Rule, in ruleInput, v *ruleView) []subject {
	switch r.Scope {
	case ScopeRoom:
		return []subject{{}}
	case ScopePinned:
		if in.Pinned == "" {
			return nil
		}
		return []subject{{product: in.Pinned}}
	case ScopeTopic:
		out := make([]subject, 0, len(livedesk.Topics))
		for _, t := range livedesk.Topics {
			out = append(out, subject{topic: t.Key})
		}
		return out
	case ScopeProduct:
		if v.subjects == nil || len(v.subjects) != len(v.Products) {
			ids := make([]string, 0, len(v.Products))
			for p := range v.Products {
				ids = append(ids, p)
			}
			sort.Strings(ids)
			v.subjects = make([]subject, len(ids))
			for i, p := range ids {
				v.subjects[i] = subject{product: p}
			}
		}
		return v.subjects
	}
	return []subject{{product: r.Scope}}
}

// compare applies op.
func compare(x float64, op string, v float64) bool {
	switch op {
	case ">":
		return x > v
	case ">=":
		return x >= v
	case "<":
		return x < v
	case "<=":
		return x <= v
	case "=":
		return math.Abs(x-v) < 1e-9
	case "!=":
		return math.Abs(x-v) >= 1e-9
	}
	return false
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// ratio is num ÷ den × scale, undefined when den is 0.
func ratio(num, den int64, scale float64) (float64, bool) {
	if den == 0 {
		return 0, false
	}
	return float64(num) / float64(den) * scale, true
}

// metricValue is the condition's metric for the subject; false when it is undefined (a rate
// over nothing, stock unknown, no sales to project from): an undefined metric never fires.
// Product metrics of a room or topic subject are the room's; stock, presentation and stock-out
// metrics of a room or topic subject are the pinned product's.
func metricValue(c Cond, sub subject, r Rule, in ruleInput, v *ruleView) (float64, bool) {
	pc, clickers, buyers := v.Room, v.RoomClickers, v.RoomBuyer
	if sub.product != "" {
		pc, clickers, buyers = counts{}, 0, 0
		if p := v.Products[sub.product]; p != nil {
			pc, clickers, buyers = p.c, p.clickers, p.buyers
		}
	}
	product := sub.product
	if product == "" {
		product = in.Pinned
	}
	topic := c.Topic
	if topic == "" {
		topic = sub.topic
	}
	switch c.Metric {
	case MClicks:
		return float64(pc.Clicks), true
	case MImpressions:
		return float64(pc.Impressions), true
	case MCTR:
		return ratio(pc.Clicks, pc.Impressions, 100)
	case MPaidOrders:
		return float64(pc.Orders), true
	case MBuyers:
		return float64(buyers), true
	case MGMV:
		return float64(pc.GMV) / 100, true
	case MCVR:
		return ratio(buyers, clickers, 100)
	case MComments:
		return float64(v.Room.Comments), true
	case MQuestions:
		return float64(topicSum(v.Room.Questions, topic)), true
	case MUnanswered:
		return float64(topicSum(v.Unanswered, topic)), true
	case MOnline:
		return v.OnlineLast, true
	case MOnlineChangePct:
		if !v.PrevFull || v.OnlinePrev < minOnlineForDrop {
			return 0, false
		}
		return (v.OnlineLast - v.OnlinePrev) / v.OnlinePrev * 100, true
	case MAdSpend:
		return float64(v.Room.AdSpend) / 100, true
	case MROI:
		return ratio(v.Room.GMV, v.Room.AdSpend, 1)
	case MStock:
		n, ok := in.Stock[product]
		return float64(n), ok && product != ""
	case MMinutesPresent:
		if product == "" || product != in.Pinned || in.PinnedAt.IsZero() {
			return 0, product != ""
		}
		return in.Now.Sub(in.PinnedAt).Minutes(), true
	case MStockoutMinutes:
		n, ok := in.Stock[product]
		p := v.Products[product]
		if !ok || product == "" || p == nil || p.c.Orders == 0 {
			return 0, false
		}
		perMin := float64(p.c.Orders) / (float64(r.WindowS) / 60)
		return float64(n) / perMin, true
	case MCTRVsStartPct:
		s, p := in.Start[r.WindowS], v.Products[product]
		if product == "" || product != in.Pinned || s == nil || p == nil {
			return 0, false
		}
		first, ok1 := ratio(s.c.Clicks, s.c.Impressions, 1)
		last, ok2 := ratio(p.c.Clicks, p.c.Impressions, 1)
		if !ok1 || !ok2 || first == 0 {
			return 0, false
		}
		return last / first * 100, true
	}
	return 0, false
}

// topicSum is one topic's count, or every topic's when topic is "".
func topicSum(m map[string]int64, topic string) int64 {
	if topic != "" {
		return m[topic]
	}
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
