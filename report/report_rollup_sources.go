package report

import (
	"context"
	"sort"
	"time"
)

// rollupSources is sources from the rollups of migration 0065. A minute's entries by source come
// from report_source_minutes only when
//
//  1. the minute is proven copy-free and its report_minutes counts were taken (not in
//     rawMinutes, see provenMinutes), so its entries in groups are its distinct enter events, and
//  2. report_source_minutes' rows of the minute add up to exactly those entries: it holds every
//     inserted enter row at least once, so per source rollup rows ≥ stored rows ≥ distinct ids,
//     and equal totals force equality per source.
//
// Every other minute of the span with entries is counted from events by event id, as rawSources
// does. Orders' sources come from report_order_sources (one source per order id, copies alike).
func (q reportQueries) rollupSources(ctx context.Context, groups []minuteGroup, rawMinutes map[int64]bool) (sourceData, error) {
	out := sourceData{minutes: map[int64]map[string]int64{}, orders: map[string]string{}}
	t := time.Now()
	entries := map[int64]int64{} // clean minute → its distinct enter events
	for _, g := range groups {
		if g.typ == "enter" && !rawMinutes[g.minute.Unix()] {
			entries[g.minute.Unix()] += int64(g.ids)
		}
	}
	rolled := map[int64]map[string]int64{}
	sums := map[int64]int64{}
	from, to := spanMinutes(q.span)
	if to.After(from) {
		rows, err := q.ch.Query(ctx, `SELECT minute, source, sum(rows) FROM report_source_minutes
			WHERE shop = ? AND room = ? AND minute >= ? AND minute < ? GROUP BY minute, source`,
			q.span.Shop, q.span.Room, from, to)
		if err != nil {
			return out, err
		}
		for rows.Next() {
			var m time.Time
			var src string
			var n uint64
			if err := rows.Scan(&m, &src, &n); err != nil {
				rows.Close()
				return out, err
			}
			u := m.Unix()
			if rolled[u] == nil {
				rolled[u] = map[string]int64{}
			}
			rolled[u][src] += int64(n)
			sums[u] += int64(n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
	}
	var raw []int64
	for u := range rawMinutes {
		raw = append(raw, u)
	}
	for u, n := range entries {
		if sums[u] == n {
			for src, c := range rolled[u] {
				if c > 0 {
					out.addEntries(u, src, c)
				}
			}
		} else {
			raw = append(raw, u) // counts that do not add up: recount by id
		}
	}
	q.took("sources: rollup", t)
	if len(raw) > 0 {
		t = time.Now()
		sort.Slice(raw, func(i, j int) bool { return raw[i] < raw[j] })
		cond, args := minuteRanges(raw)
		if err := q.sourceEntries(ctx, &out, cond, args); err != nil {
			return out, err
		}
		q.took("sources: entries", t)
	}
	t = time.Now()
	err := q.orderSources(ctx, &out, "report_order_sources WHERE ")
	q.took("sources: orders", t)
	return out, err
}
