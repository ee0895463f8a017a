package report

import (
	"context"
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

// perSecond reads clicks of the given products and all entries, per second, once per id, in the
// edge minutes only. Edge minutes in rawMinutes (nil: all of them) are read from events: count()
// less the copies found in dupMinutes; the others are proven clean and read from report_seconds.
// The product filter is applied in Go: a has() over a list costs more per row than the rows it
// saves.
func (q reportQueries) perSecond(ctx context.Context, products []string, edges, dupMinutes []int64, rawMinutes map[int64]bool) (secondData, error) {
	d := secondData{clicks: map[string]map[int64]int64{}, views: map[int64]int64{}}
	want := map[string]bool{}
	for _, p := range products {
		want[p] = true
	}
	types := "('enter')"
	if len(products) > 0 {
		types = "('enter', 'click')"
	}
	var raw, rolled []int64
	for _, m := range edges {
		if rawMinutes == nil || rawMinutes[m] {
			raw = append(raw, m)
		} else {
			rolled = append(rolled, m)
		}
	}
	if err := q.rollupSeconds(ctx, &d, want, types, rolled); err != nil {
		return d, err
	}
	if len(raw) == 0 {
		return d, nil
	}
	ranges, rangeArgs := minuteRanges(raw)
	rows, err := q.ch.Query(ctx, `SELECT toUInt32(ts) AS s, type, product, count() FROM events
		WHERE `+spanWhere+` AND type IN `+types+` AND (`+ranges+`) GROUP BY s, type, product`+reportSettings,
		append(q.args(), rangeArgs...)...)
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
		d.add(want, int64(s), typ, product, int64(n))
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	// Copies, only where the minute groups found some: product "" keys the entries.
	err = q.copies(ctx, "type IN "+types, "if(type = 'enter', '', concat('c:', product))", dupMinutes, func(key string, sec uint32, extra int64) {
		if key == "" {
			d.views[int64(sec)] -= extra
		} else if m := d.clicks[key[2:]]; m != nil {
			m[int64(sec)] -= extra
		}
	})
	return d, err
}

// add counts n events of typ (entries, or clicks of a wanted product) in second s.
func (d *secondData) add(want map[string]bool, s int64, typ, product string, n int64) {
	if typ == "enter" {
		d.views[s] += n
		return
	}
	if !want[product] {
		return
	}
	m := d.clicks[product]
	if m == nil {
		m = map[int64]int64{}
		d.clicks[product] = m
	}
	m[s] += n
}
