package jobs

import (
	"math"
	"sort"
	"time"
)

// Recap kinds: the morning recap covers yesterday, the evening recap today until 21:00.
const (
	RecapMorning = "morning"
	RecapEvening = "evening"
)

// Recap metric keys, in the order the recap shows them.
const (
	MViews     = "views"      // room entries (enter events)
	MViewers   = "viewers"    // distinct users who entered
	MCTR       = "ctr"        // product clicks ÷ product impressions
	MCVR       = "cvr"        // paying users ÷ clicking users
	MGMV       = "gmv"        // paid GMV, one amount per order (minor units)
	MPaid      = "paid"       // paid orders
	MAOV       = "aov"        // GMV ÷ paid orders (minor units)
	MRefunds   = "refunds"    // refunded amount (minor units)
	MRefundCnt = "refund_cnt" // refunded orders
	MAdSpend   = "ad_spend"   // ad spend (minor units)
	MROI       = "roi"        // GMV ÷ ad spend
)

// MetricKeys lists the metrics in display order.
var MetricKeys = []string{MViews, MViewers, MCTR, MCVR, MGMV, MPaid, MAOV, MRefunds, MRefundCnt, MAdSpend, MROI}

// DayCounts are the raw sums of one shop day, from which every metric is computed. Ratios are
// computed from sums (never averaged), so a 7-day CTR is the 7 days' clicks ÷ their impressions.
type DayCounts struct {
	Day         string `json:"day"`
	Views       int64  `json:"views"`
	Viewers     int64  `json:"viewers"`
	Impressions int64  `json:"impressions"`
	Clicks      int64  `json:"clicks"`
	Clickers    int64  `json:"clickers"`
	Buyers      int64  `json:"buyers"`
	GMV         int64  `json:"gmv"`
	Paid        int64  `json:"paid"`
	Refunds     int64  `json:"refunds"`
	RefundCnt   int64  `json:"refund_cnt"`
	AdSpend     int64  `json:"ad_spend"`
}

// empty reports whether nothing at all was recorded that day (a missing day).
func (d DayCounts) empty() bool {
	return d.Views == 0 && d.Impressions == 0 && d.Clicks == 0 && d.Paid == 0 && d.RefundCnt == 0 && d.AdSpend == 0
}

func (d *DayCounts) add(o DayCounts) {
	d.Views += o.Views
	d.Viewers += o.Viewers
	d.Impressions += o.Impressions
	d.Clicks += o.Clicks
	d.Clickers += o.Clickers
	d.Buyers += o.Buyers
	d.GMV += o.GMV
	d.Paid += o.Paid
	d.Refunds += o.Refunds
	d.RefundCnt += o.RefundCnt
	d.AdSpend += o.AdSpend
}

// Metric is one figure of a day with its 7- and 30-day daily averages.
type Metric struct {
	Key    string   `json:"key"`
	Value  *float64 `json:"value"`  // nil: undefined (a ratio over 0)
	Avg7   *float64 `json:"avg7"`   // nil: no day with data in the 7 days before
	Avg30  *float64 `json:"avg30"`  //
	Days7  int      `json:"days7"`  // days with data the 7-day average is over
	Days30 int      `json:"days30"` //
	Change *float64 `json:"change"` // (value − avg7) ÷ avg7, nil when either is undefined or avg7 is 0
}

// value computes metric key of sums over n days with data (counts and money are per-day means;
// ratios are ratios of the sums). ok is false when undefined.
func value(key string, c DayCounts, n int) (float64, bool) {
	if n <= 0 {
		return 0, false
	}
	per := func(v int64) (float64, bool) { return float64(v) / float64(n), true }
	ratio := func(a, b int64) (float64, bool) {
		if b == 0 {
			return 0, false
		}
		return float64(a) / float64(b), true
	}
	switch key {
	case MViews:
		return per(c.Views)
	case MViewers:
		return per(c.Viewers)
	case MCTR:
		return ratio(c.Clicks, c.Impressions)
	case MCVR:
		return ratio(c.Buyers, c.Clickers)
	case MGMV:
		return per(c.GMV)
	case MPaid:
		return per(c.Paid)
	case MAOV:
		return ratio(c.GMV, c.Paid)
	case MRefunds:
		return per(c.Refunds)
	case MRefundCnt:
		return per(c.RefundCnt)
	case MAdSpend:
		return per(c.AdSpend)
	case MROI:
		return ratio(c.GMV, c.AdSpend)
	}
	return 0, false
}

func ptr(v float64, ok bool) *float64 {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// Metrics computes the day's metrics against the days before it. history holds the earlier
// days, newest first (history[0] is the day before); a day with nothing recorded is missing and
// left out of the averages, which are over the days that have data (Days7, Days30).
func Metrics(day DayCounts, history []DayCounts) []Metric {
	var s7, s30 DayCounts
	n7, n30 := 0, 0
	for i, h := range history {
		if i >= 30 {
			break
		}
		if h.empty() {
			continue
		}
		if i < 7 {
			s7.add(h)
			n7++
		}
		s30.add(h)
		n30++
	}
	out := make([]Metric, 0, len(MetricKeys))
	for _, k := range MetricKeys {
		m := Metric{Key: k, Value: ptr(value(k, day, 1)), Avg7: ptr(value(k, s7, n7)), Avg30: ptr(value(k, s30, n30)), Days7: n7, Days30: n30}
		if m.Value != nil && m.Avg7 != nil && *m.Avg7 != 0 {
			m.Change = ptr((*m.Value-*m.Avg7) / *m.Avg7, true)
		}
		out = append(out, m)
	}
	return out
}

// Movers returns the keys of the n metrics that moved most against their 7-day average
// (largest |change| first), skipping metrics without a change and those that moved under 10%.
func Movers(ms []Metric, n int) []string {
	var cand []Metric
	for _, m := range ms {
		if m.Change != nil && math.Abs(*m.Change) >= 0.10 {
			cand = append(cand, m)
		}
	}
	sort.SliceStable(cand, func(i, j int) bool { return math.Abs(*cand[i].Change) > math.Abs(*cand[j].Change) })
	var out []string
	for i, m := range cand {
		if i == n {
			break
		}
		out = append(out, m.Key)
	}
	return out
}

// SourceShare is one traffic source of the day: entries and their share, and the GMV of paid
// orders that carry the source.
type SourceShare struct {
	Source string  `json:"source"` // livedesk.Sources, "" = not given
	Views  int64   `json:"views"`
	Share  float64 `json:"share"` // of all entries
	GMV    int64   `json:"gmv"`
	Orders int64   `json:"orders"`
}

// ProductLine is one product of the recap's product lists.
type ProductLine struct {
	Product     string  `json:"product"`
	Title       string  `json:"title"`
	GMV         int64   `json:"gmv"`
	Paid        int64   `json:"paid"`
	Units       int64   `json:"units"`
	Returns     int64   `json:"returns"`      // orders with a refund request or refund in the span
	ReturnRate  float64 `json:"return_rate"`  // returns ÷ paid orders over the return window
	Impressions int64   `json:"impressions"`  //
	Clicks      int64   `json:"clicks"`       //
	Clickers    int64   `json:"clickers"`     //
	Buyers      int64   `json:"buyers"`       //
	WindowPaid  int64   `json:"window_paid"`  // paid orders over the return window
	WindowRet   int64   `json:"window_ret"`   // returns over the return window
	Stock       int64   `json:"stock"`        //
	StockKnown  bool    `json:"stock_known"`  //
	Reason      string  `json:"reason"`       // 次日主推: why (zh-CN)
	ReasonEn    string  `json:"reason_en"`    //
	Short       bool    `json:"short"`        // 次日主推: restock first
	CTR         float64 `json:"ctr"`          //
	CVR         float64 `json:"cvr"`          //
	CVRDefined  bool    `json:"cvr_defined"`  //
	CTRDefined  bool    `json:"ctr_defined"`  //
	ReturnsDays int     `json:"returns_days"` // length of the return window in days
}

// Service is the day's service figures against their targets.
type Service struct {
	ReplyIn      int      `json:"reply_in"`      // incoming messages judged
	ReplyOnTime  int      `json:"reply_on_time"` // answered within ReplyMinutes
	ReplyRate    float64  `json:"reply_rate"`    // percent (100 when nothing came in)
	ReplyTarget  float64  `json:"reply_target"`
	ReplyMinutes int      `json:"reply_minutes"`
	ShipDue      int      `json:"ship_due"`
	ShipOnTime   int      `json:"ship_on_time"`
	ShipRate     float64  `json:"ship_rate"`
	ShipTarget   float64  `json:"ship_target"`
	LowReviews   []Review `json:"low_reviews"` // new reviews at or under the negative rating
	LowRating    int      `json:"low_rating"`
}

// Recap is one morning or evening recap, stored as JSON in recaps.body.
type Recap struct {
	Shop       string        `json:"shop"`
	Kind       string        `json:"kind"`
	Day        string        `json:"day"` // shop-local date covered
	From       time.Time     `json:"from"`
	To         time.Time     `json:"to"`
	At         time.Time     `json:"at"` // when it was made
	Zone       string        `json:"zone"`
	Currency   string        `json:"currency"`
	Counts     DayCounts     `json:"counts"`
	History    []DayCounts   `json:"history"` // the 30 days before, newest first
	Metrics    []Metric      `json:"metrics"`
	Movers     []string      `json:"movers"`
	TargetROI  float64       `json:"target_roi"`
	Sources    []SourceShare `json:"sources"`
	TopGMV     []ProductLine `json:"top_gmv"`
	TopReturns []ProductLine `json:"top_returns"`
	HighReturn []ProductLine `json:"high_return"` // return rate over the threshold (tasks)
	LowCVR     []ProductLine `json:"low_cvr"`     // CTR over, CVR under the thresholds (tasks)
	Service    Service       `json:"service"`
	Push       []ProductLine `json:"push"` // 次日主推
	OpenTasks  uint64        `json:"open_tasks"`
	Overdue    uint64        `json:"overdue"`
}

// Metric returns the recap's metric key.
func (r *Recap) Metric(key string) Metric {
	for _, m := range r.Metrics {
		if m.Key == key {
			return m
		}
	}
	return Metric{Key: key}
}
