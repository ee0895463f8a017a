package views

import (
	"math"
	"strconv"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/report"
)

// ReportView is what the report page renders: the report and its words in the page's language.
type ReportView struct {
	R     *report.Report
	Lang  string // report label language: "zh" or "en"
	Loc   *time.Location
	Cur   livedesk.Currency // the shop's: money on the page and in the chart
	Chart ReportChart
}

// ReportChart is the minute series and markers for static/js/report.js (uPlot). Times are unix
// seconds; money in the currency's major unit; a null online value means no reading yet.
type ReportChart struct {
	T       []int64           `json:"t"`
	GMV     []float64         `json:"gmv"`
	Online  []*int64          `json:"online"`
	Clicks  []int64           `json:"clicks"`
	Orders  []int64           `json:"orders"`
	Markers []ReportMarker    `json:"markers"`
	Labels  map[string]string `json:"labels"`
	TZ      string            `json:"tz"`
}

// ReportMarker is one timeline marker for the charts.
type ReportMarker struct {
	T     int64  `json:"t"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
}

func newReportView(r *report.Report, p Page) ReportView {
	cur := p.Currency
	if cur.Code == "" {
		cur = livedesk.CurrencyOf("")
	}
	v := ReportView{R: r, Lang: reportLang(p.Lang), Loc: p.loc(), Cur: cur}
	ch := ReportChart{Labels: map[string]string{}, TZ: p.loc().String(), Markers: []ReportMarker{}}
	for _, m := range r.Minutes {
		ch.T = append(ch.T, m.T.Unix())
		ch.GMV = append(ch.GMV, cur.Major(m.GMV))
		if m.OnlineKnown {
			o := m.Online
			ch.Online = append(ch.Online, &o)
		} else {
			ch.Online = append(ch.Online, nil)
		}
		ch.Clicks = append(ch.Clicks, m.Clicks)
		ch.Orders = append(ch.Orders, m.Orders)
	}
	for _, mk := range r.Markers {
		label := v.L("marker_" + mk.Kind)
		if mk.Product != "" {
			label += " " + v.Title(mk.Product)
		}
		if mk.Kind == report.MarkerFlag {
			label += " · " + live.RuleName(mk.Rule, mk.Text, v.Lang)
		} else if mk.Text != "" && mk.Kind != report.MarkerPin {
			label += " · " + mk.Text
		}
		ch.Markers = append(ch.Markers, ReportMarker{T: mk.T.Unix(), Kind: mk.Kind, Label: label})
	}
	for _, k := range []string{"minute", "gmv", "online", "clicks", "orders", "marker_pin", "marker_unpin", "marker_cue",
		"marker_flash_sale", "marker_coupon", "marker_flag"} {
		ch.Labels[k] = v.L(k)
	}
	v.Chart = ch
	return v
}

// L returns the report label for key in the page's language.
func (v ReportView) L(key string) string { return report.Label(v.Lang, key) }

// Title returns a product's catalog title, or its id.
func (v ReportView) Title(id string) string {
	if t := v.R.Titles[id]; t != "" {
		return t
	}
	return id
}

// Time formats t in the shop's zone.
func (v ReportView) Time(t time.Time) string { return Time(t, v.Loc) }

// Clock formats t as 15:04:05 in the shop's zone.
func (v ReportView) Clock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(v.Loc).Format("15:04:05")
}

// Topic is the label of a buyer-question topic in the page's language.
func (v ReportView) Topic(topic string) string {
	if l := livedesk.TopicLabel(topic, v.Lang); l != "" {
		return l
	}
	return topic
}

// Reason is a 次日主推 pick's reason in the page's language.
func (v ReportView) Reason(p report.PushPick) string {
	if v.Lang == "en" {
		return p.ReasonEN
	}
	return p.ReasonZH
}

// CompareValue formats a comparison number: money in the shop's currency, rates with two decimals, counts whole.
func (v ReportView) CompareValue(row report.CompareRow, x float64) string {
	switch {
	case row.Money:
		return v.Money(int64(math.Round(x)))
	case row.Metric == report.MetricDuration:
		return report.FormatDuration(int64(x))
	case row.Metric == report.MetricROI || row.Metric == report.MetricAvgOnline:
		return strconv.FormatFloat(x, 'f', 2, 64)
	default:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
}

// Float formats x with d decimals.
func Float(x float64, d int) string { return strconv.FormatFloat(x, 'f', d, 64) }

// Money formats an amount of the shop's currency (minor units) for the page.
func (v ReportView) Money(minor int64) string { return v.Cur.Format(minor) }

// RateMoney formats a money ratio (GPM, UV value) in the shop's currency, or "—".
func (v ReportView) RateMoney(r livedesk.Ratio) string {
	if !r.OK {
		return "—"
	}
	return v.Cur.Format(int64(math.Round(r.Value)))
}

// RateMoneyParts writes a money ratio's numerator and denominator ("$12.00 ÷ 300").
func (v ReportView) RateMoneyParts(r livedesk.Ratio) string {
	return v.Cur.Format(int64(math.Round(r.Num))) + " ÷ " + Int(int64(math.Round(r.Den)))
}
