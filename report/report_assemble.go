package report

import (
	"sort"
	"time"

	"github.com/livedesk/livedesk"
)

// assemble computes every section of r from the raw reads (catalog and comparison come later).
func assemble(r *Report, raw *rawData) {
	a := newAssembly(r, raw)
	a.minutes()
	a.quality()
	a.sales()
	a.headline()
	a.funnel()
	a.segments()
	a.flags()
	a.markers()
	a.products()
	r.Questions = questionTopics(raw.texts)
}

// assembly is what the sections of one report are computed from and share while assemble fills
// them in: the minute grid, entries and leaves per minute, and the product rows being built.
type assembly struct {
	r              *Report
	raw            *rawData
	first          time.Time // start of the minute holding the span's start
	n              int       // minutes in r.Minutes
	enters, leaves []int64   // per minute
	rows           map[string]*ProductRow
	prodBuyers     map[string]map[string]bool // product → users with a paid order of it
}

// newAssembly lays out r.Minutes: one per minute from the one holding the span's start to the
// one holding its end (exclusive end).
func newAssembly(r *Report, raw *rawData) *assembly {
	span := r.Span
	first := span.Start.Truncate(time.Minute)
	n := int(span.End.Sub(first) / time.Minute)
	if span.End.Sub(first)%time.Minute != 0 {
		n++
	}
	r.Minutes = make([]Minute, n)
	for i := range r.Minutes {
		r.Minutes[i].T = first.Add(time.Duration(i) * time.Minute)
	}
	return &assembly{r: r, raw: raw, first: first, n: n, enters: make([]int64, n), leaves: make([]int64, n),
		rows: map[string]*ProductRow{}, prodBuyers: map[string]map[string]bool{}}
}

// idx is the index in r.Minutes of the minute holding t, or -1 outside the span's minutes.
func (a *assembly) idx(t time.Time) int {
	i := int(t.Sub(a.first) / time.Minute)
	if i < 0 || i >= a.n {
		return -1
	}
	return i
}

// prod is the product row of id, created on first use.
func (a *assembly) prod(id string) *ProductRow {
	p := a.rows[id]
	if p == nil {
		p = &ProductRow{Product: id}
		a.rows[id] = p
	}
	return p
}

// minutes adds the minute groups (once per event id) to the minutes, the products' impressions
// and clicks, the entries and leaves per minute, and the distinct event count.
func (a *assembly) minutes() {
	q := &a.r.Quality
	for _, g := range a.raw.groups {
		i := a.idx(g.minute)
		if i < 0 {
			continue
		}
		m := &a.r.Minutes[i]
		ids := int64(g.ids)
		q.Events += ids
		m.Events += ids
		switch g.typ {
		case "enter":
			m.Views += ids
			a.enters[i] += ids
		case "leave":
			a.leaves[i] += ids
		case "impression":
			m.Impressions += ids
			if g.product != "" {
				a.prod(g.product).Impressions += ids
			}
		case "click":
			m.Clicks += ids
			if g.product != "" {
				a.prod(g.product).Clicks += ids
			}
		case "comment":
			m.Comments += ids
		}
	}
}

// quality fills the data-quality section: stored rows, copies, late events, empty minutes.
func (a *assembly) quality() {
	r, raw, q := a.r, a.raw, &a.r.Quality
	q.Rows, q.Late, r.MaxReceived = int64(raw.rows), int64(raw.late), raw.maxReceived
	q.Duplicates = q.Rows - q.Events
	q.Minutes = int64(a.n)
	q.EmptyMinutes = []time.Time{}
	for _, m := range r.Minutes {
		if m.Events == 0 {
			q.EmptyMinutes = append(q.EmptyMinutes, m.T)
		}
	}
	q.TextsCapped = raw.capped
}

// sales adds the paid orders (one per order) to the headline, the minutes and the products, and
// counts the buyers overall and per product.
func (a *assembly) sales() {
	h := &a.r.Headline
	buyers := map[string]bool{}
	for _, o := range a.raw.orders {
		h.GMV += o.amount
		h.Orders++
		h.Units += int64(o.qty)
		if o.user != "" {
			buyers[o.user] = true
		}
		if i := a.idx(o.ts); i >= 0 {
			a.r.Minutes[i].Orders++
			a.r.Minutes[i].GMV += o.amount
		}
		if o.product != "" {
			p := a.prod(o.product)
			p.Orders++
			p.GMV += o.amount
			p.Units += int64(o.qty)
			if o.user != "" {
				if a.prodBuyers[o.product] == nil {
					a.prodBuyers[o.product] = map[string]bool{}
				}
				a.prodBuyers[o.product][o.user] = true
			}
		}
	}
	h.Buyers = int64(len(buyers))
}

// headline fills the rest of the headline after sales: duration, refunds, ad spend (also per
// minute), views, viewers, the online series and the ratios.
func (a *assembly) headline() {
	r, raw, h := a.r, a.raw, &a.r.Headline
	h.DurationSec = int64(r.Span.End.Sub(r.Span.Start) / time.Second)
	for _, o := range raw.refunds {
		h.Refunds += o.amount
		h.RefundOrders++
	}
	for _, s := range raw.adSpend {
		h.AdSpend += s.amount
		if i := a.idx(s.ts); i >= 0 {
			r.Minutes[i].AdSpend += s.amount
		}
	}
	for _, m := range r.Minutes {
		h.Views += m.Views
	}
	h.Viewers = int64(raw.users[0])
	onlineSeries(r, raw.online, a.enters, a.leaves)
	leavesOf(r, a.enters, a.leaves)
	h.GPM = livedesk.GPM(h.GMV, h.Views)
	h.UVValue = livedesk.UVValue(h.GMV, h.Viewers)
	h.ROI = livedesk.ROI(h.GMV, h.AdSpend)
}

// funnel fills the funnel: viewers → exposed → clickers → buyers (distinct users) and the rates.
func (a *assembly) funnel() {
	raw, f := a.raw, &a.r.Funnel
	f.Viewers, f.Exposed, f.Clickers, f.Buyers = int64(raw.users[0]), int64(raw.users[1]), int64(raw.users[2]), a.r.Headline.Buyers
	f.ExposeRate = livedesk.NewRatio(float64(f.Exposed), float64(f.Viewers), 1)
	f.ClickRate = livedesk.NewRatio(float64(f.Clickers), float64(f.Exposed), 1)
	f.BuyRate = livedesk.NewRatio(float64(f.Buyers), float64(f.Clickers), 1)
	f.Overall = livedesk.NewRatio(float64(f.Buyers), float64(f.Viewers), 1)
}

// segments cuts the presentations and adds their count and length to the products.
func (a *assembly) segments() {
	a.r.Segments = segments(a.r.Span, a.raw.actions, a.raw.perSecond, a.raw.orders)
	for _, s := range a.r.Segments {
		p := a.prod(s.Product)
		p.Presented++
		p.PresentedSec += s.LengthSec
	}
}

// flags fills the flag rows with their before and after windows.
func (a *assembly) flags() {
	a.r.Flags = flagRows(a.r.Span, a.raw.flags, a.raw.perSecond, a.raw.orders)
}

// markers lists the operator actions and then the raised flags as chart markers, in time order
// (stable: at one time, actions before flags). It needs the flags section.
func (a *assembly) markers() {
	r := a.r
	r.Markers = []Marker{}
	for _, x := range a.raw.actions {
		r.Markers = append(r.Markers, Marker{T: x.ts, Kind: x.typ, Product: x.product, Text: x.text})
	}
	for _, fl := range r.Flags {
		r.Markers = append(r.Markers, Marker{T: fl.Raised, Kind: MarkerFlag, Product: fl.Product, Text: fl.Name, Rule: fl.Rule})
	}
	sort.SliceStable(r.Markers, func(i, j int) bool { return r.Markers[i].T.Before(r.Markers[j].T) })
}

// products finishes the product rows (clickers, buyers, rates) and sorts them by GMV, then
// clicks, then id. It needs the headline's views and every section that adds to a product.
func (a *assembly) products() {
	r := a.r
	r.Products = make([]ProductRow, 0, len(a.rows))
	for id, p := range a.rows {
		p.Clickers = a.raw.clickers[id]
		p.Buyers = int64(len(a.prodBuyers[id]))
		p.CTR = livedesk.CTR(p.Clicks, p.Impressions)
		p.CVR = livedesk.CVR(p.Buyers, p.Clickers)
		p.OrdersPerClk = livedesk.OrderRate(p.Orders, p.Clicks)
		p.GMVPerKViews = livedesk.NewRatio(float64(p.GMV), float64(r.Headline.Views), 1000)
		r.Products = append(r.Products, *p)
	}
	sort.Slice(r.Products, func(i, j int) bool {
		x, y := r.Products[i], r.Products[j]
		if x.GMV != y.GMV {
			return x.GMV > y.GMV
		}
		if x.Clicks != y.Clicks {
			return x.Clicks > y.Clicks
		}
		return x.Product < y.Product
	})
}

// onlineSeries fills the per-minute online values and the headline's peak and average. With
// online gauge readings: a minute's value is its last reading, carried forward to minutes without
// one; the peak is the highest reading. Without any: entries minus leaves so far (not below 0).
// The average is over the minutes that have a value.
func onlineSeries(r *Report, readings []onlineMinute, enters, leaves []int64) {
	h := &r.Headline
	var sum float64
	var known int
	if len(readings) > 0 {
		h.OnlineSource = "gauge"
		at := map[int64]onlineMinute{}
		for _, o := range readings {
			at[o.minute.Unix()] = o
			if o.max > h.PeakOnline {
				h.PeakOnline = o.max
			}
		}
		var cur int64
		have := false
		for i := range r.Minutes {
			m := &r.Minutes[i]
			if o, ok := at[m.T.Unix()]; ok {
				cur, have = o.last, true
			}
			if have {
				m.Online, m.OnlineKnown = cur, true
				sum += float64(cur)
				known++
			}
		}
	} else if sumInts(enters) > 0 {
		h.OnlineSource = "entries_minus_leaves"
		var cur int64
		for i := range r.Minutes {
			cur += enters[i] - leaves[i]
			if cur < 0 {
				cur = 0
			}
			r.Minutes[i].Online, r.Minutes[i].OnlineKnown = cur, true
			if cur > h.PeakOnline {
				h.PeakOnline = cur
			}
			sum += float64(cur)
			known++
		}
	} else {
		h.OnlineSource = "none"
	}
	if known > 0 {
		h.AvgOnline = sum / float64(known)
	}
}

func sumInts(s []int64) int64 {
	var t int64
	for _, v := range s {
		t += v
	}
	return t
}

// segments cuts the session into presentations (cutSegments) and counts each one's clicks,
// orders, GMV and views.
func segments(span SessionSpan, actions []actionRow, sec secondData, orders []orderRow) []Segment {
	out := cutSegments(span, actions)
	for i := range out {
		s := &out[i]
		s.LengthSec = int64(s.End.Sub(s.Start) / time.Second)
		w := window(s.Product, s.Start, s.End, sec, orders)
		s.Clicks, s.Orders, s.GMV = w.Clicks, w.Orders, w.GMV
		s.Views = sumWindow(sec.views, sec.minuteViews, s.Start, s.End)
		s.GPM = livedesk.GPM(s.GMV, s.Views)
	}
	return out
}

// cutSegments cuts the session into presentations (product, start, end only): a pin starts one,
// the next pin, an unpin of the same product or the session end finishes it. The per-second
// read (secondNeeds) cuts them the same way to know which seconds the windows need.
func cutSegments(span SessionSpan, actions []actionRow) []Segment {
	out := []Segment{}
	var cur *Segment
	closeAt := func(t time.Time) {
		if cur == nil {
			return
		}
		cur.End = t
		out = append(out, *cur)
		cur = nil
	}
	for _, a := range actions {
		switch a.typ {
		case MarkerPin:
			closeAt(a.ts.Truncate(time.Second))
			if a.product != "" {
				cur = &Segment{Product: a.product, Start: a.ts.Truncate(time.Second)}
			}
		case MarkerUnpin:
			if cur != nil && (a.product == "" || a.product == cur.Product) {
				closeAt(a.ts.Truncate(time.Second))
			}
		}
	}
	closeAt(span.End)
	return out
}

// secondsIn returns the unix seconds [from, to) covers. Events are stored with whole-second ts
// (the milliseconds apart), so windows are cut on whole seconds: segment and flag boundaries are
// truncated to the second before they get here, and an event belongs to the window holding its
// second.
func secondsIn(from, to time.Time) (int64, int64) { return from.Unix(), to.Unix() }

// sumWindow adds up [from, to): whole minutes from perMinute (exact minute-group counts), the
// seconds of partial minutes from perSecond (read only for minutes that hold a window edge).
func sumWindow(perSecond, perMinute map[int64]int64, from, to time.Time) int64 {
	var n int64
	walkWindow(from, to, func(m int64) { n += perMinute[m] }, func(t int64) { n += perSecond[t] })
	return n
}

// walkWindow calls minute with the start of every whole minute in [from, to) and second with
// every other second of it (unix seconds). sumWindow sums through it, and secondNeeds lists
// through it the seconds a build must read, so the two agree by construction.
func walkWindow(from, to time.Time, minute, second func(t int64)) {
	t, hi := secondsIn(from, to)
	for t < hi {
		if t%60 == 0 && t+60 <= hi {
			minute(t)
			t += 60
			continue
		}
		second(t)
		t++
	}
}

// window is the product's clicks, orders and GMV in [from, to); product "" means every product
// (clicks then are not available and stay 0).
func window(product string, from, to time.Time, sec secondData, orders []orderRow) Outcome {
	var w Outcome
	if product != "" {
		w.Clicks = sumWindow(sec.clicks[product], sec.minuteClicks[product], from, to)
	}
	lo, hi := secondsIn(from, to)
	for _, o := range orders {
		s := o.ts.Unix()
		if s < lo || s >= hi || (product != "" && o.product != product) {
			continue
		}
		w.Orders++
		w.GMV += o.amount
	}
	return w
}
