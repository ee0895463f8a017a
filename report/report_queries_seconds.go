package report

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"
)

// secondData holds the counts windows (segments, flags) are summed from: per second for the
// minutes that hold a window edge, per minute (from the minute groups) for the rest. Keys are
// unix seconds (of the second, or of the minute's start).
type secondData struct {
	clicks       map[string]map[int64]int64 // product → second → clicks
	views        map[int64]int64            // second → entries
	minuteClicks map[string]map[int64]int64 // product → minute → clicks
	minuteViews  map[int64]int64            // minute → entries
}

// secondNeeds says which per-second counts a build reads: the entries and, per product, the
// clicks of some minutes (unix seconds of the minute's start). Invariant: it covers every second
// sumWindow reads from secondData for the report's windows (windowNeeds walks them with
// walkWindow); counts of other seconds are never read.
type secondNeeds struct {
	views  map[int64]bool
	clicks map[int64]map[string]bool
	// anyProduct: the previous method (Builder.Previous) — every click of the edge minutes is
	// read and the products are filtered in Go.
	anyProduct bool
}

// windowNeeds lists the seconds the segments and flag windows of the session read: those of the
// partial minutes of each window, entries for segments and the window product's clicks.
func windowNeeds(span SessionSpan, actions []actionRow, flags []flagEvent) secondNeeds {
	n := secondNeeds{views: map[int64]bool{}, clicks: map[int64]map[string]bool{}}
	whole := func(int64) {}
	clicks := func(product string, from, to time.Time) {
		if product == "" {
			return // window() counts no clicks without a product
		}
		walkWindow(from, to, whole, func(t int64) {
			m := t - t%60
			if n.clicks[m] == nil {
				n.clicks[m] = map[string]bool{}
			}
			n.clicks[m][product] = true
		})
	}
	for _, s := range cutSegments(span, actions) {
		walkWindow(s.Start, s.End, whole, func(t int64) { n.views[t-t%60] = true })
		clicks(s.Product, s.Start, s.End)
	}
	for _, f := range raisedFlags(flags) {
		before, at, after := flagWindows(span, f.Raised)
		clicks(f.Product, before, at)
		clicks(f.Product, at, after)
	}
	return n
}

// previousNeeds is what the build read before windowNeeds: entries and the clicks of every
// presented or flagged product in every minute holding an action or flag time (edgeMinutes).
func previousNeeds(span SessionSpan, actions []actionRow, flags []flagEvent) secondNeeds {
	watched := map[string]bool{}
	for _, a := range actions {
		if a.typ == MarkerPin && a.product != "" {
			watched[a.product] = true
		}
	}
	for _, f := range flags {
		if f.product != "" {
			watched[f.product] = true
		}
	}
	n := secondNeeds{views: map[int64]bool{}, clicks: map[int64]map[string]bool{}, anyProduct: true}
	for _, m := range edgeMinutes(span, actions, flags) {
		n.views[m] = true
		if len(watched) > 0 {
			n.clicks[m] = watched
		}
	}
	return n
}

// minutes returns the minutes with any need, sorted.
func (n secondNeeds) minutes() []int64 {
	var out []int64
	for m := range n.views {
		out = append(out, m)
	}
	for m := range n.clicks {
		if !n.views[m] {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// wants reports whether the count of typ (enter or click) of product in second s is needed.
func (n secondNeeds) wants(s int64, typ, product string) bool {
	m := s - s%60
	if typ == "enter" {
		return n.views[m]
	}
	return typ == "click" && n.clicks[m][product]
}

// where is the condition selecting the needed rows (type, product, ts) of minutes: minutes with
// the same needs share one OR of ts ranges, so the primary key still cuts the read to them.
func (n secondNeeds) where(minutes []int64) (string, []any) {
	if n.anyProduct {
		types := "('enter')"
		for _, m := range minutes {
			if len(n.clicks[m]) > 0 {
				types = "('enter', 'click')"
			}
		}
		ranges, args := minuteRanges(minutes)
		return "type IN " + types + " AND (" + ranges + ")", args
	}
	type group struct {
		views    bool
		products []string
		minutes  []int64
	}
	groups := map[string]*group{}
	var keys []string
	for _, m := range minutes {
		g := group{views: n.views[m], products: sortedKeys(n.clicks[m])}
		key := strings.Join(append([]string{map[bool]string{true: "v", false: "-"}[g.views]}, g.products...), "\x00")
		if groups[key] == nil {
			groups[key] = &g
			keys = append(keys, key)
		}
		groups[key].minutes = append(groups[key].minutes, m)
	}
	var conds []string
	var args []any
	for _, key := range keys {
		g := groups[key]
		ranges, rargs := minuteRanges(g.minutes)
		var types []string
		if g.views {
			types = append(types, "type = 'enter'")
		}
		if len(g.products) > 0 {
			types = append(types, "(type = 'click' AND product IN (?"+strings.Repeat(", ?", len(g.products)-1)+"))")
		}
		conds = append(conds, "(("+ranges+") AND ("+strings.Join(types, " OR ")+"))")
		args = append(args, rargs...)
		for _, p := range g.products {
			args = append(args, p)
		}
	}
	return strings.Join(conds, " OR "), args
}

// inSets is the condition selecting the needed rows of minutes (sorted) as two set lookups —
// entries by minute, clicks by (minute, product) — inside the minutes' overall ts range, for
// report_seconds: its rows of a session are few enough to read whole, and a hash lookup per row
// costs a fraction of where's OR of per-minute ranges, which 18.16 evaluates term by term (a
// 3-hour session with 45 segments: 4 KB of conditions, 320 ms; the sets 77 ms, same rows).
// Without anyProduct only; ok is false when no minute needs anything.
func (n secondNeeds) inSets(minutes []int64) (cond string, args []any, ok bool) {
	if n.anyProduct || len(minutes) == 0 {
		return "", nil, false
	}
	var views, pairs []string
	for _, m := range minutes {
		if n.views[m] {
			views = append(views, strconv.FormatInt(m/60, 10))
		}
		for _, p := range sortedKeys(n.clicks[m]) {
			pairs = append(pairs, "("+strconv.FormatInt(m/60, 10)+", ?)")
			args = append(args, p)
		}
	}
	var conds []string
	if len(views) > 0 {
		conds = append(conds, "(type = 'enter' AND intDiv(toUInt32(ts), 60) IN ("+strings.Join(views, ", ")+"))")
	}
	if len(pairs) > 0 {
		conds = append(conds, "(type = 'click' AND (intDiv(toUInt32(ts), 60), product) IN ("+strings.Join(pairs, ", ")+"))")
	}
	if len(conds) == 0 {
		return "", nil, false
	}
	first, last := time.Unix(minutes[0], 0).UTC(), time.Unix(minutes[len(minutes)-1]+60, 0).UTC()
	return "ts >= ? AND ts < ? AND (" + strings.Join(conds, " OR ") + ")", append([]any{first, last}, args...), true
}

// perSecond reads the needed per-second entries and clicks, once per id. Minutes in rawMinutes
// (nil: all of them) are read from events: count() less the copies found in dupMinutes; the
// others are proven clean and read from report_seconds.
func (q reportQueries) perSecond(ctx context.Context, needs secondNeeds, dupMinutes []int64, rawMinutes map[int64]bool) (secondData, error) {
	d := secondData{clicks: map[string]map[int64]int64{}, views: map[int64]int64{}}
	var raw, rolled []int64
	for _, m := range needs.minutes() {
		if rawMinutes == nil || rawMinutes[m] {
			raw = append(raw, m)
		} else {
			rolled = append(rolled, m)
		}
	}
	t := time.Now()
	if err := q.rollupSeconds(ctx, &d, needs, rolled); err != nil {
		return d, err
	}
	q.took("per second: rollup", t)
	if len(raw) == 0 {
		return d, nil
	}
	t = time.Now()
	defer q.took("per second: events", t)
	cond, condArgs := needs.where(raw)
	rows, err := q.ch.Query(ctx, `SELECT toUInt32(ts) AS s, type, product, count() FROM events
		WHERE `+spanWhere+` AND (`+cond+`) GROUP BY s, type, product`+reportSettings,
		append(q.args(), condArgs...)...)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var s uint32
		var typ, product string
		var n uint64
		if err := rows.Scan(&s, &typ, &product, &n); err != nil {
			return d, err
		}
		d.add(needs, int64(s), typ, product, int64(n))
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	// Copies, only where the minute groups found some: product "" keys the entries.
	err = q.copies(ctx, "type IN ('enter', 'click')", "if(type = 'enter', '', concat('c:', product))", dupMinutes, func(key string, sec uint32, extra int64) {
		if key == "" {
			d.add(needs, int64(sec), "enter", "", -extra)
		} else {
			d.add(needs, int64(sec), "click", key[2:], -extra)
		}
	})
	return d, err
}

// add counts n events of typ (entries, or clicks of product) in second s, if needed.
func (d *secondData) add(needs secondNeeds, s int64, typ, product string, n int64) {
	if !needs.wants(s, typ, product) {
		return
	}
	if typ == "enter" {
		d.views[s] += n
		return
	}
	m := d.clicks[product]
	if m == nil {
		m = map[int64]int64{}
		d.clicks[product] = m
	}
	m[s] += n
}
