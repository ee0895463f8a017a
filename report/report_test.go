package report

// report_test.go is the report's differential oracle: recompute derives every number of a report
// from the raw rows without the builder's code, and the tests compare the two over fixtures with
// duplicates, merges and late events. It stays one file so the oracle reads top to bottom.

import (
	"context"
	"math"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// rawEvent is one stored row, read back plainly for the second computation.
type rawEvent struct {
	id, typ, user, product, order, status, text string
	ts                                          time.Time // with milliseconds
	sec                                         int64     // the stored whole second
	amount, value                               int64
	qty                                         int32
	received                                    time.Time
}

// readSpan reads every stored row of the span (copies included) with a plain SELECT.
func readSpan(t *testing.T, ch driver.Conn, span SessionSpan) []rawEvent {
	t.Helper()
	rows, err := ch.Query(context.Background(), `SELECT id, type, user, product, order_id, status, text, ts, ts_ms,
		amount, value, qty, received FROM events WHERE shop = ? AND room = ? AND ts >= ? AND ts < ?`,
		span.Shop, span.Room, span.Start, span.End)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []rawEvent
	for rows.Next() {
		var e rawEvent
		var ms uint16
		if err := rows.Scan(&e.id, &e.typ, &e.user, &e.product, &e.order, &e.status, &e.text, &e.ts, &ms,
			&e.amount, &e.value, &e.qty, &e.received); err != nil {
			t.Fatal(err)
		}
		e.sec = e.ts.Unix()
		e.ts = e.ts.Add(time.Duration(ms) * time.Millisecond)
		out = append(out, e)
	}
	return out
}

// expected is the report recomputed straight from the raw rows, without the builder's code.
type expected struct {
	rows, events, late                         int64
	gmv, orders, buyers, units, views, viewers int64
	refunds, refundOrders, adSpend             int64
	peak                                       int64
	avgOnline                                  float64
	exposed, clickers                          int64
	minutes                                    map[int64]Minute // by unix minute start
	empty                                      []int64
	products                                   map[string]ProductRow
	segments                                   []Segment
	topics                                     map[string]int64
}

func recompute(span SessionSpan, rows []rawEvent) expected {
	x := expected{rows: int64(len(rows)), minutes: map[int64]Minute{}, products: map[string]ProductRow{}, topics: map[string]int64{}}
	seen := map[string]bool{}
	var evs []rawEvent
	for _, e := range rows {
		if !seen[e.id] {
			seen[e.id] = true
			evs = append(evs, e)
		}
	}
	sort.Slice(evs, func(i, j int) bool {
		if !evs[i].ts.Equal(evs[j].ts) {
			return evs[i].ts.Before(evs[j].ts)
		}
		return evs[i].id < evs[j].id
	})
	x.events = int64(len(evs))
	lateIDs := map[string]bool{}
	for _, e := range rows {
		if e.received.After(span.End) {
			lateIDs[e.id] = true
		}
	}
	x.late = int64(len(lateIDs))
	minuteOf := func(sec int64) int64 { return sec - sec%60 }
	// Paid orders: the first paid event of each order.
	paidBy := map[string]rawEvent{}
	refundBy := map[string]rawEvent{}
	for _, e := range evs {
		if e.typ != "order" {
			continue
		}
		if e.status == "paid" {
			if _, ok := paidBy[e.order]; !ok {
				paidBy[e.order] = e
			}
		}
		if e.status == "refunded" {
			if _, ok := refundBy[e.order]; !ok {
				refundBy[e.order] = e
			}
		}
	}
	buyers := map[string]bool{}
	viewers, exposed, clickers := map[string]bool{}, map[string]bool{}, map[string]bool{}
	prodClickers, prodBuyers := map[string]map[string]bool{}, map[string]map[string]bool{}
	addSet := func(m map[string]map[string]bool, k, u string) {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		m[k][u] = true
	}
	prod := func(id string) ProductRow { p := x.products[id]; p.Product = id; return p }
	for _, o := range paidBy {
		x.gmv += o.amount
		x.orders++
		x.units += int64(o.qty)
		buyers[o.user] = true
		m := x.minutes[minuteOf(o.sec)]
		m.Orders++
		m.GMV += o.amount
		x.minutes[minuteOf(o.sec)] = m
		p := prod(o.product)
		p.Orders++
		p.GMV += o.amount
		p.Units += int64(o.qty)
		x.products[o.product] = p
		addSet(prodBuyers, o.product, o.user)
	}
	for _, o := range refundBy {
		x.refunds += o.amount
		x.refundOrders++
	}
	x.buyers = int64(len(buyers))
	var gauges []rawEvent
	for _, e := range evs {
		k := minuteOf(e.sec)
		m := x.minutes[k]
		m.Events++
		switch e.typ {
		case "enter":
			x.views++
			m.Views++
			viewers[e.user] = true
		case "impression":
			m.Impressions++
			exposed[e.user] = true
			p := prod(e.product)
			p.Impressions++
			x.products[e.product] = p
		case "click":
			m.Clicks++
			clickers[e.user] = true
			p := prod(e.product)
			p.Clicks++
			x.products[e.product] = p
			addSet(prodClickers, e.product, e.user)
		case "comment":
			m.Comments++
			if topic := livedesk.ClassifyComment(e.text); topic != "" {
				x.topics[topic]++
			}
		case "ad_spend":
			x.adSpend += e.amount
			m.AdSpend += e.amount
		case "online":
			gauges = append(gauges, e)
		}
		x.minutes[k] = m
	}
	x.viewers, x.exposed, x.clickers = int64(len(viewers)), int64(len(exposed)), int64(len(clickers))
	// Online: the last reading of each minute, carried forward; peak = highest reading.
	first := span.Start.Unix() - span.Start.Unix()%60
	var cur int64
	have := false
	var sum float64
	var n int
	for k := first; k < span.End.Unix(); k += 60 {
		for _, g := range gauges { // gauges are in time order: the last one in the minute wins
			if minuteOf(g.sec) == k {
				cur, have = g.value, true
			}
			if g.value > x.peak {
				x.peak = g.value
			}
		}
		m := x.minutes[k]
		if have {
			m.Online, m.OnlineKnown = cur, true
			sum += float64(cur)
			n++
		}
		if m.Events == 0 {
			x.empty = append(x.empty, k)
		}
		x.minutes[k] = m
	}
	if n > 0 {
		x.avgOnline = sum / float64(n)
	}
	// Segments: walk the pins and unpins in time order.
	type cut struct {
		product    string
		start, end int64
	}
	var cuts []cut
	open := -1
	for _, e := range evs {
		switch e.typ {
		case "pin":
			if open >= 0 {
				cuts[open].end = e.sec
			}
			cuts = append(cuts, cut{product: e.product, start: e.sec})
			open = len(cuts) - 1
		case "unpin":
			if open >= 0 && cuts[open].product == e.product {
				cuts[open].end = e.sec
				open = -1
			}
		}
	}
	if open >= 0 {
		cuts[open].end = span.End.Unix()
	}
	for _, c := range cuts {
		s := Segment{Product: c.product, Start: time.Unix(c.start, 0).UTC(), End: time.Unix(c.end, 0).UTC(), LengthSec: c.end - c.start}
		for _, e := range evs {
			if e.sec < c.start || e.sec >= c.end {
				continue
			}
			if e.typ == "click" && e.product == c.product {
				s.Clicks++
			}
			if e.typ == "enter" {
				s.Views++
			}
		}
		for _, o := range paidBy {
			if o.sec >= c.start && o.sec < c.end && o.product == c.product {
				s.Orders++
				s.GMV += o.amount
			}
		}
		s.GPM = livedesk.NewRatio(float64(s.GMV), float64(s.Views), 1000)
		x.segments = append(x.segments, s)
		p := prod(c.product)
		p.Presented++
		p.PresentedSec += s.LengthSec
		x.products[c.product] = p
	}
	for id, p := range x.products {
		p.Clickers = int64(len(prodClickers[id]))
		p.Buyers = int64(len(prodBuyers[id]))
		p.CTR = livedesk.NewRatio(float64(p.Clicks), float64(p.Impressions), 1)
		p.CVR = livedesk.NewRatio(float64(p.Buyers), float64(p.Clickers), 1)
		p.OrdersPerClk = livedesk.NewRatio(float64(p.Orders), float64(p.Clicks), 1)
		p.GMVPerKViews = livedesk.NewRatio(float64(p.GMV), float64(x.views), 1000)
		x.products[id] = p
	}
	return x
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func checkEq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: report %v, recomputed %v", what, got, want)
	}
}

// TestReportMatchesRawEvents builds a report and recomputes every number from the raw rows, once
// with stored copies (the exact uniqExact path) and once without (the count() path).
func TestReportMatchesRawEvents(t *testing.T) {
	t.Run("with-duplicates", func(t *testing.T) { checkReportAgainstRaw(t, true, false) })
	t.Run("no-duplicates", func(t *testing.T) { checkReportAgainstRaw(t, false, false) })
	// Merged into one part (copies collapsed), then some copies stored again: the minutes they
	// touch are recounted by id, the others are proven copy-free by the part layout.
	t.Run("merged-then-copies", func(t *testing.T) { checkReportAgainstRaw(t, true, true) })
	// Merged, no copies: every whole minute is proven clean and read from the rollups.
	t.Run("merged-no-duplicates", func(t *testing.T) { checkReportAgainstRaw(t, false, true) })
	// The rollups lost (a view missing when the rows were stored): read from events instead.
	t.Run("without-rollups", func(t *testing.T) { checkReportAgainstRaw(t, true, false, "report_minutes", "report_people") })
}

func checkReportAgainstRaw(t *testing.T, withDups, merged bool, truncate ...string) {
	ctx := context.Background()
	_, ch := localtest.Database(t)
	start := time.Date(2026, 11, 20, 12, 0, 30, 0, time.UTC)
	span := SessionSpan{Shop: "s1", Room: "r1", Session: "sess1", Start: start, End: start.Add(20 * time.Minute)}
	f := makeFixture(1, span, 6000)
	if !withDups {
		f.dups = nil
	}
	f.load(t, ch)
	if (withDups && len(f.dups) == 0) || f.late == 0 {
		t.Fatal("fixture has no duplicates or late events")
	}
	for _, table := range truncate {
		if err := ch.Exec(ctx, "TRUNCATE TABLE "+table); err != nil {
			t.Fatal(err)
		}
	}
	if merged {
		if err := ch.Exec(ctx, "OPTIMIZE TABLE events FINAL"); err != nil {
			t.Fatal(err)
		}
	}
	if merged && withDups {
		var early []ingest.Event // copies in the first 5 minutes only, so later minutes stay clean
		for _, e := range f.dups {
			if e.TS.Before(span.Start.Add(5 * time.Minute)) {
				early = append(early, e)
			}
		}
		f.dups = early
		insertRaw(t, ch, "b4", f.dups)
		parts, err := reportQueries{ch: ch, span: span}.parts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sus := suspectMinutes(span, parts); len(sus) == 0 || len(sus) > 7 {
			t.Fatalf("suspect minutes %v: want only the first few", sus)
		}
	}
	cat := catalog.NewCatalog(ch)
	if err := cat.Save(ctx, "s1", []catalog.Product{
		{ID: "p1", Title: "T恤", Price: 9900, Stock: 500}, {ID: "p2", Title: "短裤", Price: 5900, Stock: 5},
		{ID: "p3", Title: "帽子", Price: 2900, Stock: 300}, {ID: "p4", Title: "袜子", Price: 990, Stock: 1000},
	}); err != nil {
		t.Fatal(err)
	}
	flags := []struct {
		flag, product, action, detail string
		at                            time.Duration
	}{
		{"f1", "p3", "raised", `{"clicks":120}`, 70 * time.Second},
		{"f2", "p1", "raised", `{"clicks":150}`, 5*time.Minute + 10*time.Second},
		{"f2", "p1", "acknowledged", "", 5*time.Minute + 30*time.Second},
		{"f2", "p1", "responded", "加赠", 6 * time.Minute},
		{"f3", "p2", "raised", "", 17 * time.Minute}, // its after-window is cut at the end
	}
	fb, err := ch.PrepareBatch(ctx, "INSERT INTO flag_events (shop, room, session, flag, rule, product, action, ts, ts_ms, detail, actor)")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range flags {
		if err := fb.Append("s1", "r1", "sess1", f.flag, "no_sale", f.product, f.action, span.Start.Add(f.at), uint16(0), f.detail, "op"); err != nil {
			t.Fatal(err)
		}
	}
	if err := fb.Send(); err != nil {
		t.Fatal(err)
	}
	b := &Builder{CH: ch, Products: cat, Store: &Store{CH: ch}}
	r, err := b.Build(ctx, span)
	if err != nil {
		t.Fatal(err)
	}
	x := recompute(span, readSpan(t, ch, span))
	_, rawRead := r.Steps["raw minutes"]
	if rawRead != (len(truncate) > 0) {
		t.Errorf("read raw events instead of the rollups: %v (steps %v)", rawRead, r.Steps)
	}

	// Independent SQL: FINAL collapses the copies the builder removed with uniqExact.
	var final uint64
	if err := ch.QueryRow(ctx, "SELECT count() FROM events FINAL WHERE shop = 's1' AND room = 'r1' AND ts >= ? AND ts < ?", span.Start, span.End).Scan(&final); err != nil {
		t.Fatal(err)
	}
	checkEq(t, "events vs FINAL", r.Quality.Events, int64(final))
	checkEq(t, "rows", r.Quality.Rows, x.rows)
	checkEq(t, "events", r.Quality.Events, x.events)
	checkEq(t, "duplicates", r.Quality.Duplicates, x.rows-x.events)
	checkEq(t, "duplicates = fixture copies", r.Quality.Duplicates, int64(len(f.dups)))
	checkEq(t, "late", r.Quality.Late, x.late)
	var gmvSQL int64
	if err := ch.QueryRow(ctx, `SELECT sum(a) FROM (SELECT order_id, argMin(amount, (ts, ts_ms, id)) AS a FROM events FINAL
		WHERE shop = 's1' AND room = 'r1' AND ts >= ? AND ts < ? AND type = 'order' AND status = 'paid' GROUP BY order_id)`,
		span.Start, span.End).Scan(&gmvSQL); err != nil {
		t.Fatal(err)
	}
	checkEq(t, "gmv vs SQL", r.Headline.GMV, gmvSQL)

	h := r.Headline
	checkEq(t, "duration", h.DurationSec, int64(20*60))
	checkEq(t, "gmv", h.GMV, x.gmv)
	checkEq(t, "orders", h.Orders, x.orders)
	checkEq(t, "buyers", h.Buyers, x.buyers)
	checkEq(t, "units", h.Units, x.units)
	checkEq(t, "views", h.Views, x.views)
	checkEq(t, "viewers", h.Viewers, x.viewers)
	checkEq(t, "peak online", h.PeakOnline, x.peak)
	checkEq(t, "online source", h.OnlineSource, "gauge")
	if !near(h.AvgOnline, x.avgOnline) {
		t.Errorf("avg online %v, recomputed %v", h.AvgOnline, x.avgOnline)
	}
	checkEq(t, "ad spend", h.AdSpend, x.adSpend)
	checkEq(t, "refunds", h.Refunds, x.refunds)
	checkEq(t, "refund orders", h.RefundOrders, x.refundOrders)
	checkEq(t, "gpm", h.GPM, livedesk.NewRatio(float64(x.gmv), float64(x.views), 1000))
	checkEq(t, "uv value", h.UVValue, livedesk.NewRatio(float64(x.gmv), float64(x.viewers), 1))
	checkEq(t, "roi", h.ROI, livedesk.NewRatio(float64(x.gmv), float64(x.adSpend), 1))

	fu := r.Funnel
	checkEq(t, "funnel viewers", fu.Viewers, x.viewers)
	checkEq(t, "funnel exposed", fu.Exposed, x.exposed)
	checkEq(t, "funnel clickers", fu.Clickers, x.clickers)
	checkEq(t, "funnel buyers", fu.Buyers, x.buyers)
	checkEq(t, "expose rate", fu.ExposeRate, livedesk.NewRatio(float64(x.exposed), float64(x.viewers), 1))
	checkEq(t, "click rate", fu.ClickRate, livedesk.NewRatio(float64(x.clickers), float64(x.exposed), 1))
	checkEq(t, "buy rate", fu.BuyRate, livedesk.NewRatio(float64(x.buyers), float64(x.clickers), 1))

	if len(r.Minutes) != 21 { // 12:00 … 12:20 (the span starts and ends at :30)
		t.Fatalf("minutes: %d", len(r.Minutes))
	}
	for _, m := range r.Minutes {
		want := x.minutes[m.T.Unix()]
		want.T = m.T
		if m != want {
			t.Errorf("minute %s: report %+v, recomputed %+v", m.T.Format("15:04"), m, want)
		}
	}
	var empty []int64
	for _, m := range r.Quality.EmptyMinutes {
		empty = append(empty, m.Unix())
	}
	if !reflect.DeepEqual(empty, x.empty) || len(empty) != 2 {
		t.Errorf("empty minutes %v, recomputed %v", empty, x.empty)
	}

	if len(r.Products) != len(x.products) {
		t.Errorf("products: %d, recomputed %d", len(r.Products), len(x.products))
	}
	for _, p := range r.Products {
		checkEq(t, "product "+p.Product, p, x.products[p.Product])
	}
	if len(r.Segments) != len(x.segments) || len(r.Segments) < 5 {
		t.Fatalf("segments: %d, recomputed %d", len(r.Segments), len(x.segments))
	}
	for i, s := range r.Segments {
		checkEq(t, "segment", s, x.segments[i])
	}
	if len(r.Questions) == 0 {
		t.Error("no question topics")
	}
	for _, q := range r.Questions {
		checkEq(t, "topic "+q.Topic, q.Count, x.topics[q.Topic])
		if len(q.Examples) == 0 {
			t.Errorf("topic %s has no examples", q.Topic)
		}
	}
	checkEq(t, "topics", len(r.Questions), len(x.topics))

	// Flags: the product's clicks, orders and GMV 5 minutes before and after, cut to the session.
	rows := readSpan(t, ch, span)
	outcome := func(product string, from, to time.Time) Outcome {
		var o Outcome
		seen := map[string]bool{}
		paid := map[string]bool{}
		for _, e := range rows {
			if seen[e.id] {
				continue
			}
			seen[e.id] = true
			if e.product != product || e.sec < from.Unix() || e.sec >= to.Unix() {
				continue
			}
			if e.typ == "click" {
				o.Clicks++
			}
			if e.typ == "order" && e.status == "paid" && !paid[e.order] {
				// the order's first paid event must be this one (it is, unless paid twice: skip later ones)
				first := true
				for _, f := range rows {
					if f.typ == "order" && f.status == "paid" && f.order == e.order && (f.ts.Before(e.ts) || (f.ts.Equal(e.ts) && f.id < e.id)) {
						first = false
					}
				}
				if first {
					paid[e.order] = true
					o.Orders++
					o.GMV += e.amount
				}
			}
		}
		return o
	}
	if len(r.Flags) != 3 {
		t.Fatalf("flags: %+v", r.Flags)
	}
	for _, fl := range r.Flags {
		lo, hi := fl.Raised.Add(-5*time.Minute), fl.Raised.Add(5*time.Minute)
		if lo.Before(span.Start) {
			lo = span.Start
		}
		if hi.After(span.End) {
			hi = span.End
		}
		checkEq(t, "flag "+fl.ID+" before", fl.Before, outcome(fl.Product, lo, fl.Raised))
		checkEq(t, "flag "+fl.ID+" after", fl.After, outcome(fl.Product, fl.Raised, hi))
	}
	if f2 := r.Flags[1]; f2.ID != "f2" || len(f2.Actions) != 2 || f2.Actions[1].Action != "responded" || f2.Actions[1].Detail != "加赠" {
		t.Errorf("flag f2 actions: %+v", f2.Actions)
	}

	// 次日主推: best sellers by GMV whose stock covers the safety stock and today's units; p2 has
	// 5 in stock so it can only come after them; p5 is not in the catalog (stock unknown).
	var deep, short []string
	byGMV := make([]ProductRow, 0)
	for _, p := range x.products {
		if p.Orders > 0 {
			byGMV = append(byGMV, p)
		}
	}
	sort.Slice(byGMV, func(i, j int) bool { return byGMV[i].GMV > byGMV[j].GMV })
	stock := map[string]int64{"p1": 500, "p2": 5, "p3": 300, "p4": 1000}
	for _, p := range byGMV {
		s, ok := stock[p.Product]
		if !ok || s >= max(20, p.Units) {
			deep = append(deep, p.Product)
		} else {
			short = append(short, p.Product)
		}
	}
	want := append(deep, short...)[:3]
	var got []string
	for _, p := range r.Push {
		got = append(got, p.Product)
		if p.ReasonZH == "" || p.ReasonEN == "" {
			t.Errorf("push %s without a reason", p.Product)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("push %v, want %v", got, want)
	}
	if r.Titles["p1"] != "T恤" {
		t.Errorf("titles: %v", r.Titles)
	}
	// Markers: every action once, in time order.
	var actions int
	for _, e := range f.events {
		switch e.Type {
		case "pin", "unpin", "cue", "flash_sale", "coupon":
			actions++
		}
	}
	checkEq(t, "markers", len(r.Markers), actions+3) // and one per raised flag
}
