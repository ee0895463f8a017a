package report

import "github.com/livedesk/livedesk"

// Comparison metric keys (also the i18n keys of their labels).
const (
	MetricGMV        = "gmv"
	MetricOrders     = "orders"
	MetricBuyers     = "buyers"
	MetricViews      = "views"
	MetricViewers    = "viewers"
	MetricPeakOnline = "peak_online"
	MetricAvgOnline  = "avg_online"
	MetricGPM        = "gpm"
	MetricUVValue    = "uv_value"
	MetricAdSpend    = "ad_spend"
	MetricROI        = "roi"
	MetricRefunds    = "refunds"
	MetricDuration   = "duration"
)

// headlineValue is one comparable headline number; ok is false for a rate whose denominator was
// 0 (left out of the average).
type headlineValue struct {
	key   string
	v     float64
	ok    bool
	money bool
}

// headlineValues returns the comparable headline numbers, always in the same order.
func headlineValues(h Headline) []headlineValue {
	return []headlineValue{
		{MetricGMV, float64(h.GMV), true, true},
		{MetricOrders, float64(h.Orders), true, false},
		{MetricBuyers, float64(h.Buyers), true, false},
		{MetricViews, float64(h.Views), true, false},
		{MetricViewers, float64(h.Viewers), true, false},
		{MetricPeakOnline, float64(h.PeakOnline), true, false},
		{MetricAvgOnline, h.AvgOnline, true, false},
		{MetricGPM, h.GPM.Value, h.GPM.OK, true},
		{MetricUVValue, h.UVValue.Value, h.UVValue.OK, true},
		{MetricAdSpend, float64(h.AdSpend), true, true},
		{MetricROI, h.ROI.Value, h.ROI.OK, false},
		{MetricRefunds, float64(h.Refunds), true, true},
		{MetricDuration, float64(h.DurationSec), true, false},
	}
}

// compareWith sets cur against the mean of the previous reports (newest first). A rate's mean is
// over the sessions where it was defined.
func compareWith(cur Headline, prev []*Report) Compare {
	c := Compare{Sessions: []string{}, Rows: []CompareRow{}}
	for _, p := range prev {
		c.Sessions = append(c.Sessions, p.Span.Session)
	}
	if len(prev) == 0 {
		return c
	}
	prevValues := make([][]headlineValue, len(prev))
	for j, p := range prev {
		prevValues[j] = headlineValues(p.Headline)
	}
	for i, m := range headlineValues(cur) {
		var sum float64
		var n int
		for _, pv := range prevValues {
			if pv[i].ok {
				sum += pv[i].v
				n++
			}
		}
		row := CompareRow{Metric: m.key, Current: m.v, Money: m.money}
		if n > 0 {
			row.Average = sum / float64(n)
			if m.ok {
				row.Delta = m.v - row.Average
				row.DeltaPct = livedesk.NewRatio(row.Delta, row.Average, 1)
			}
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}
