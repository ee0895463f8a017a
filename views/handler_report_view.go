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
	Chart ReportChart
}

// ReportChart is the minute series and markers for static/js/report.js (uPlot). Times are unix
// seconds; money in yuan; a null online value means no reading yet.
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
	v := ReportView{R: r, Lang: reportLang(p.Lang), Loc: p.loc()}
	ch := ReportChart{Labels: map[string]string{}, TZ: p.loc().String(), Markers: []ReportMarker{}}
	for _, m := range r.Minutes {
		ch.T = append(ch.T, m.T.Unix())
		ch.GMV = append(ch.GMV, float64(m.GMV)/100)
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

// CompareValue formats a comparison number: money in ¥, rates with two decimals, counts whole.
func (v ReportView) CompareValue(row report.CompareRow, x float64) string {
	switch {
	case row.Money:
		return Money(int64(math.Round(x)))
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
