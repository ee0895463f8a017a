package live

import (
	"strconv"
	"strings"

	"github.com/livedesk/livedesk"
)

// counts are the summed counters of one or more buckets (see the f* fields).
type counts struct {
	Entries, Leaves, Impressions, Clicks, Orders, GMV int64
	Refunds, RefundFen, Comments, Follows, Likes      int64
	Shares, AdSpend                                   int64
	// AnonEntries, AnonClicks, AnonOrders count those without a user (from running totals).
	AnonEntries, AnonClicks, AnonOrders int64
	// Online is the last gauge of the buckets added (in time order); HasOnline says one was seen.
	Online    int64
	HasOnline bool
	Questions map[string]int64
	Sources   map[string]int64 // entries by traffic source (sources.go)
}

// distincts are distinct-user counts (HyperLogLog, about 0.8% standard error).
type distincts struct{ Viewers, Exposed, Clickers, Buyers int64 }

// addHash adds one bucket hash. Buckets must be added oldest first so the gauge ends on the latest.
func (c *counts) addHash(h map[string]string) {
	for f, v := range h {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		switch f {
		case fEntries:
			c.Entries += n
		case fLeaves:
			c.Leaves += n
		case fImpr:
			c.Impressions += n
		case fClicks:
			c.Clicks += n
		case fOrders:
			c.Orders += n
		case fGMV:
			c.GMV += n
		case fRefunds:
			c.Refunds += n
		case fRefundFen:
			c.RefundFen += n
		case fComments:
			c.Comments += n
		case fFollows:
			c.Follows += n
		case fLikes:
			c.Likes += n
		case fShares:
			c.Shares += n
		case fAdSpend:
			c.AdSpend += n
		case fAnonEntries:
			c.AnonEntries += n
		case fAnonClicks:
			c.AnonClicks += n
		case fAnonOrders:
			c.AnonOrders += n
		case fOnline:
			c.Online, c.HasOnline = n, true
		default:
			if c.addSourceField(f, n) {
				continue
			}
			if t, ok := strings.CutPrefix(f, fQuestion); ok {
				if c.Questions == nil {
					c.Questions = map[string]int64{}
				}
				c.Questions[t] += n
			}
		}
	}
}

// add sums o into c (o later in time: its gauge wins when it has one).
func (c *counts) add(o counts) {
	c.Entries += o.Entries
	c.Leaves += o.Leaves
	c.Impressions += o.Impressions
	c.Clicks += o.Clicks
	c.Orders += o.Orders
	c.GMV += o.GMV
	c.Refunds += o.Refunds
	c.RefundFen += o.RefundFen
	c.Comments += o.Comments
	c.Follows += o.Follows
	c.Likes += o.Likes
	c.Shares += o.Shares
	c.AdSpend += o.AdSpend
	c.AnonEntries += o.AnonEntries
	c.AnonClicks += o.AnonClicks
	c.AnonOrders += o.AnonOrders
	if o.HasOnline {
		c.Online, c.HasOnline = o.Online, true
	}
	for s, n := range o.Sources {
		if c.Sources == nil {
			c.Sources = map[string]int64{}
		}
		c.Sources[s] += n
	}
	for t, n := range o.Questions {
		if c.Questions == nil {
			c.Questions = map[string]int64{}
		}
		c.Questions[t] += n
	}
}

// metrics builds the Metrics of a span [startMS, endMS) from its counters and distinct users.
// online is the span's online figure (gauge or entries − leaves, decided by the caller).
// Definitions (DESIGN.md): CTR = clicks ÷ impressions; CVR = buyers ÷ clickers; order rate =
// paid orders ÷ clicks; GPM = paid GMV ÷ views × 1000; UV value = paid GMV ÷ viewers;
// ROI = paid GMV ÷ ad spend; views = entries.
func metrics(c counts, d distincts, startMS, endMS, online int64) Metrics {
	m := Metrics{
		Start: startMS, End: endMS,
		Views: c.Entries, Viewers: d.Viewers, Online: online,
		Entries: c.Entries, Leaves: c.Leaves,
		Impressions: c.Impressions, Exposed: d.Exposed,
		Clicks: c.Clicks, Clickers: d.Clickers,
		Orders: c.Orders, Buyers: d.Buyers, GMV: c.GMV,
		Refunds: c.Refunds, RefundFen: c.RefundFen,
		Comments: c.Comments, Follows: c.Follows, Likes: c.Likes, Shares: c.Shares,
		AdSpend: c.AdSpend,

		CTR:       livedesk.CTR(c.Clicks, c.Impressions),
		CVR:       livedesk.CVR(d.Buyers, d.Clickers),
		OrderRate: livedesk.OrderRate(c.Orders, c.Clicks),
		GPM:       livedesk.GPM(c.GMV, c.Entries),
		UVValue:   livedesk.UVValue(c.GMV, d.Viewers),
		ROI:       livedesk.ROI(c.GMV, c.AdSpend),
	}
	m.PeopleNA = peopleNA(c)
	for _, k := range m.PeopleNA {
		switch k {
		case "viewers":
			m.UVValue = livedesk.Ratio{}
		case "clickers", "buyers":
			m.CVR = livedesk.Ratio{}
		}
	}
	return m
}

// peopleNA names the people counts that events without a user (running totals) leave unknown:
// their distinct count would only count the events that had one.
func peopleNA(c counts) []string {
	var out []string
	if c.AnonEntries > 0 {
		out = append(out, "viewers")
	}
	if c.AnonClicks > 0 {
		out = append(out, "clickers")
	}
	if c.AnonOrders > 0 {
		out = append(out, "buyers")
	}
	return out
}

// tiles builds the headline tiles: session value, last window, previous window and deltas.
// online uses the current figure as value and the windows' average online.
func tiles(session, last, prev Metrics, onlineNow, onlineLast, onlinePrev float64) []Tile {
	type def struct {
		key, unit string
		val, l, p float64
		den       int64
	}
	f := func(v int64) float64 { return float64(v) }
	defs := []def{
		{"gmv", UnitFen, f(session.GMV), f(last.GMV), f(prev.GMV), 0},
		{"orders", UnitCount, f(session.Orders), f(last.Orders), f(prev.Orders), 0},
		{"buyers", UnitCount, f(session.Buyers), f(last.Buyers), f(prev.Buyers), 0},
		{"views", UnitCount, f(session.Views), f(last.Views), f(prev.Views), 0},
		{"viewers", UnitCount, f(session.Viewers), f(last.Viewers), f(prev.Viewers), 0},
		{"online", UnitCount, onlineNow, onlineLast, onlinePrev, 0},
		{"clicks", UnitCount, f(session.Clicks), f(last.Clicks), f(prev.Clicks), 0},
		{"ctr", UnitRatio, session.CTR.Or(0), last.CTR.Or(0), prev.CTR.Or(0), int64(session.CTR.Den)},
		{"cvr", UnitRatio, session.CVR.Or(0), last.CVR.Or(0), prev.CVR.Or(0), int64(session.CVR.Den)},
		{"gpm", UnitFen, session.GPM.Or(0), last.GPM.Or(0), prev.GPM.Or(0), int64(session.GPM.Den)},
		{"uv_value", UnitFen, session.UVValue.Or(0), last.UVValue.Or(0), prev.UVValue.Or(0), int64(session.UVValue.Den)},
		{"roi", UnitRatio, session.ROI.Or(0), last.ROI.Or(0), prev.ROI.Or(0), int64(session.ROI.Den)},
		{"ad_spend", UnitFen, f(session.AdSpend), f(last.AdSpend), f(prev.AdSpend), 0},
	}
	out := make([]Tile, len(defs))
	for i, d := range defs {
		t := Tile{Key: d.key, Unit: d.unit, Value: d.val, Last5: d.l, Prev5: d.p, Delta: d.l - d.p, Den: d.den}
		if d.p != 0 {
			pct := (d.l - d.p) / d.p
			t.DeltaPct = &pct
		}
		out[i] = t
	}
	na := map[string]bool{}
	for _, k := range session.PeopleNA {
		na[k] = true
	}
	for i := range out {
		switch out[i].Key {
		case "viewers", "buyers":
			out[i].NA = na[out[i].Key]
		case "cvr":
			out[i].NA = na["clickers"] || na["buyers"]
		case "uv_value":
			out[i].NA = na["viewers"]
		}
	}
	return out
}
