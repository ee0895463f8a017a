package live

import (
	"sort"
	"time"
)

// assemble computes every section of r from the raw reads (catalog and comparison come later).
func assemble(r *Report, raw *rawData) {
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
	idx := func(t time.Time) int {
		i := int(t.Sub(first) / time.Minute)
		if i < 0 || i >= n {
			return -1
		}
		return i
	}
	products := map[string]*ProductRow{}
	prod := func(id string) *ProductRow {
		p := products[id]
		if p == nil {
			p = &ProductRow{Product: id}
			products[id] = p
		}
		return p
	}
	var enters, leaves = make([]int64, n), make([]int64, n)
	q := &r.Quality
	for _, g := range raw.groups {
		i := idx(g.minute)
		if i < 0 {
			continue
		}
		m := &r.Minutes[i]
		ids := int64(g.ids)
		q.Events += ids
		m.Events += ids
		switch g.typ {
		case "enter":
			m.Views += ids
			enters[i] += ids
		case "leave":
			leaves[i] += ids
		case "impression":
			m.Impressions += ids
			if g.product != "" {
				prod(g.product).Impressions += ids
			}
		case "click":
			m.Clicks += ids
			if g.product != "" {
				prod(g.product).Clicks += ids
			}
		case "comment":
			m.Comments += ids
		}
	}
	q.Rows, q.Late, r.MaxReceived = int64(raw.rows), int64(raw.late), raw.maxReceived
	q.Duplicates = q.Rows - q.Events
	q.Minutes = int64(n)
	q.EmptyMinutes = []time.Time{}
	for _, m := range r.Minutes {
		if m.Events == 0 {
			q.EmptyMinutes = append(q.EmptyMinutes, m.T)
		}
	}
	q.TextsCapped = raw.capped

	h := &r.Headline
	h.DurationSec = int64(span.End.Sub(span.Start) / time.Second)
	buyers := map[string]bool{}
	prodBuyers := map[string]map[string]bool{}
	for _, o := range raw.orders {
		h.GMV += o.amount
		h.Orders++
		h.Units += int64(o.qty)
		if o.user != "" {
			buyers[o.user] = true
		}
		if i := idx(o.ts); i >= 0 {
			r.Minutes[i].Orders++
			r.Minutes[i].GMV += o.amount
		}
		if o.product != "" {
			p := prod(o.product)
			p.Orders++
			p.GMV += o.amount
			p.Units += int64(o.qty)
			if o.user != "" {
				if prodBuyers[o.product] == nil {
					prodBuyers[o.product] = map[string]bool{}
				}
				prodBuyers[o.product][o.user] = true
			}
		}
	}
	for _, o := range raw.refunds {
		h.Refunds += o.amount
		h.RefundOrders++
	}
	for _, a := range raw.adSpend {
		h.AdSpend += a.amount
		if i := idx(a.ts); i >= 0 {
			r.Minutes[i].AdSpend += a.amount
		}
	}
	for _, m := range r.Minutes {
		h.Views += m.Views
	}
	h.Buyers = int64(len(buyers))
	h.Viewers = int64(raw.users[0])
	onlineSeries(r, raw.online, enters, leaves)
	h.GPM = ratio(float64(h.GMV), float64(h.Views), 1000)
	h.UVValue = ratio(float64(h.GMV), float64(h.Viewers), 1)
	h.ROI = ratio(float64(h.GMV), float64(h.AdSpend), 1)

	f := &r.Funnel
	f.Viewers, f.Exposed, f.Clickers, f.Buyers = int64(raw.users[0]), int64(raw.users[1]), int64(raw.users[2]), h.Buyers
	f.ExposeRate = ratio(float64(f.Exposed), float64(f.Viewers), 1)
	f.ClickRate = ratio(float64(f.Clickers), float64(f.Exposed), 1)
	f.BuyRate = ratio(float64(f.Buyers), float64(f.Clickers), 1)
	f.Overall = ratio(float64(f.Buyers), float64(f.Viewers), 1)

	r.Markers = []Marker{}
	for _, a := range raw.actions {
		r.Markers = append(r.Markers, Marker{T: a.ts, Kind: a.typ, Product: a.product, Text: a.text})
	}
	r.Segments = segments(span, raw.actions, raw.perSecond, raw.orders)
	for _, s := range r.Segments {
		p := prod(s.Product)
		p.Presented++
		p.PresentedSec += s.LengthSec
	}
	r.Flags = flagRows(span, raw.flags, raw.perSecond, raw.orders)
	for _, fl := range r.Flags {
		r.Markers = append(r.Markers, Marker{T: fl.Raised, Kind: MarkerFlag, Product: fl.Product, Text: fl.Rule})
	}
	sort.SliceStable(r.Markers, func(i, j int) bool { return r.Markers[i].T.Before(r.Markers[j].T) })

	r.Products = make([]ProductRow, 0, len(products))
	for id, p := range products {
		p.Clickers = raw.clickers[id]
		p.Buyers = int64(len(prodBuyers[id]))
		p.CTR = ratio(float64(p.Clicks), float64(p.Impressions), 1)
		p.CVR = ratio(float64(p.Buyers), float64(p.Clickers), 1)
		p.OrdersPerClk = ratio(float64(p.Orders), float64(p.Clicks), 1)
		p.GMVPerKViews = ratio(float64(p.GMV), float64(h.Views), 1000)
		r.Products = append(r.Products, *p)
	}
	sort.Slice(r.Products, func(i, j int) bool {
		a, b := r.Products[i], r.Products[j]
		if a.GMV != b.GMV {
			return a.GMV > b.GMV
		}
		if a.Clicks != b.Clicks {
			return a.Clicks > b.Clicks
		}
		return a.Product < b.Product
	})
	r.Questions = questionTopics(raw.texts)
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

// segments cuts the session into presentations: a pin starts one, the next pin, an unpin of the
// same product or the session end finishes it.
func segments(span SessionSpan, actions []actionRow, sec secondData, orders []orderRow) []Segment {
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
	for i := range out {
		s := &out[i]
		s.LengthSec = int64(s.End.Sub(s.Start) / time.Second)
		w := window(s.Product, s.Start, s.End, sec, orders)
		s.Clicks, s.Orders, s.GMV = w.Clicks, w.Orders, w.GMV
		s.Views = sumWindow(sec.views, sec.minuteViews, s.Start, s.End)
		s.GPM = ratio(float64(s.GMV), float64(s.Views), 1000)
	}
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
	t, hi := secondsIn(from, to)
	var n int64
	for t < hi {
		if t%60 == 0 && t+60 <= hi {
			n += perMinute[t]
			t += 60
			continue
		}
		n += perSecond[t]
		t++
	}
	return n
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
