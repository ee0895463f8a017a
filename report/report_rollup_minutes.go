package report

import (
	"context"
	"sort"
	"time"
)

// minuteRead is what the minute step found: the groups (once per event id), the online readings,
// the stored rows, the minutes read raw (unix seconds: not proven clean, or partial) and among
// them those holding copies, and whether the rollups are complete for the span.
type minuteRead struct {
	groups      []minuteGroup
	online      []onlineMinute
	rawMinutes  map[int64]bool
	dupMinutes  []int64
	rows        uint64
	maxReceived time.Time
	complete    bool
}

// rollupMinutes counts the minute groups from report_minutes where the minute is proven clean
// (see the exactness note in report_rollup.go) and from events by id elsewhere.
func (q reportQueries) rollupMinutes(ctx context.Context) (minuteRead, error) {
	out := minuteRead{rawMinutes: map[int64]bool{}, complete: true}
	before, err := q.parts(ctx)
	if err != nil {
		return out, err
	}
	t := time.Now()
	stored, err := q.storedMinutes(ctx, &out)
	if err != nil {
		return out, err
	}
	q.took("minutes: stored", t)
	t = time.Now()
	rolled, err := q.rolledMinutes(ctx)
	if err != nil {
		return out, err
	}
	q.took("minutes: rolled", t)
	after, err := q.parts(ctx)
	if err != nil {
		return out, err
	}
	suspect := map[int64]bool{}
	suspectOf := suspectMinutes
	if q.previous {
		suspectOf = previousSuspectMinutes
	}
	for _, m := range suspectOf(q.span, append(before, after...)) {
		suspect[m] = true
	}
	out.rawMinutes, out.complete = provenMinutes(q.span, stored, rolled.rows, suspect)
	if !out.complete {
		return out, nil
	}
	for _, g := range rolled.groups {
		if !out.rawMinutes[g.minute.Unix()] {
			out.groups = append(out.groups, g)
		}
	}
	for u, o := range rolled.online {
		if !out.rawMinutes[u] {
			out.online = append(out.online, o)
		}
	}
	t = time.Now()
	if err := q.recountMinutes(ctx, &out, stored); err != nil {
		return out, err
	}
	q.took("minutes: recount", t)
	sort.Slice(out.online, func(i, j int) bool { return out.online[i].minute.Before(out.online[j].minute) })
	return out, nil
}

// storedMinutes counts the rows stored in events per minute of the span (copies included; unix
// seconds of the minute's start), reading no string column, and adds their total and the latest
// receive time to out.
func (q reportQueries) storedMinutes(ctx context.Context, out *minuteRead) (map[int64]uint64, error) {
	stored := map[int64]uint64{}
	rows, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, count(), max(received) FROM events
		WHERE `+spanWhere+` GROUP BY m`+reportSettings, q.args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m, rec time.Time
		var n uint64
		if err := rows.Scan(&m, &n, &rec); err != nil {
			return nil, err
		}
		stored[m.Unix()] = n
		out.rows += n
		if rec.After(out.maxReceived) {
			out.maxReceived = rec
		}
	}
	return stored, rows.Err()
}

// rolledRead is what report_minutes holds for the span's whole minutes: the groups (counts
// include stored copies), the rollup rows per minute and the online readings per minute (unix
// seconds of the minute's start).
type rolledRead struct {
	groups []minuteGroup
	rows   map[int64]uint64
	online map[int64]onlineMinute
}

// rolledMinutes reads report_minutes for the span's whole minutes (none when it has none).
func (q reportQueries) rolledMinutes(ctx context.Context) (rolledRead, error) {
	out := rolledRead{rows: map[int64]uint64{}, online: map[int64]onlineMinute{}}
	from, to := spanMinutes(q.span)
	if !to.After(from) {
		return out, nil
	}
	rows, err := q.ch.Query(ctx, `SELECT minute, type, product, countMerge(rows), argMaxMerge(last_value), maxMerge(max_value)
		FROM report_minutes WHERE shop = ? AND room = ? AND minute >= ? AND minute < ?
		GROUP BY minute, type, product`+reportSettings, q.span.Shop, q.span.Room, from, to)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var g minuteGroup
		var last, hi int64
		if err := rows.Scan(&g.minute, &g.typ, &g.product, &g.rows, &last, &hi); err != nil {
			return out, err
		}
		g.ids = g.rows
		out.rows[g.minute.Unix()] += g.rows
		if g.typ == "online" {
			out.online[g.minute.Unix()] = onlineMinute{minute: g.minute, last: last, max: hi}
		}
		out.groups = append(out.groups, g)
	}
	return out, rows.Err()
}

// provenMinutes decides, for every minute of span (unix seconds of its start), whether its counts
// may come from the rollups. It returns the minutes that must be read from events instead, and
// complete = false when the rollups are missing rows for the span (the whole report is then read
// from events, and raw is not to be used).
//
// Invariant: a minute is left out of raw — its report_minutes counts are taken as its distinct
// events — only if it is a whole minute of the span that is proven copy-free:
//
//   - it is not suspect (its stored rows lie in merged parts, each holding no two copies of one
//     (ts, type, id), and no two of them share a second of it, which copies would), so stored[u]
//     is its number of distinct events, and
//   - rolled[u] == stored[u]: the rollup holds every stored row at least once, so per group
//     rollup rows ≥ stored rows ≥ distinct ids, and equal minute totals force equality in every
//     group (and every finer split: seconds, texts).
//
// The partial minutes at the span's edges are always raw. A whole minute with rolled[u] <
// stored[u] breaks the "at least once", so the rollups are incomplete for the span.
func provenMinutes(span SessionSpan, stored, rolled map[int64]uint64, suspect map[int64]bool) (raw map[int64]bool, complete bool) {
	raw = map[int64]bool{}
	from, to := spanMinutes(span)
	for m := span.Start.Truncate(time.Minute); m.Before(span.End); m = m.Add(time.Minute) {
		u := m.Unix()
		if m.Before(from) || !m.Before(to) {
			raw[u] = true // partial
			continue
		}
		if rolled[u] < stored[u] {
			return raw, false
		}
		if suspect[u] || rolled[u] != stored[u] {
			raw[u] = true
		}
	}
	return raw, true
}

// recountMinutes counts the groups of out.rawMinutes that hold stored rows from events by event
// id (uniqExact), with their online readings, and notes in out.dupMinutes those where the distinct
// events are fewer than the stored rows.
func (q reportQueries) recountMinutes(ctx context.Context, out *minuteRead, stored map[int64]uint64) error {
	raw := make([]int64, 0, len(out.rawMinutes))
	for u := range out.rawMinutes {
		if stored[u] > 0 {
			raw = append(raw, u)
		}
	}
	if len(raw) == 0 {
		return nil
	}
	sort.Slice(raw, func(i, j int) bool { return raw[i] < raw[j] })
	cond, cargs := minuteRanges(raw)
	ex, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, type, product, count(), uniqExact(id)
		FROM events WHERE `+spanWhere+` AND (`+cond+`) GROUP BY m, type, product`+reportSettings,
		append(q.args(), cargs...)...)
	if err != nil {
		return err
	}
	ids := map[int64]uint64{}
	for ex.Next() {
		var g minuteGroup
		if err := ex.Scan(&g.minute, &g.typ, &g.product, &g.rows, &g.ids); err != nil {
			ex.Close()
			return err
		}
		ids[g.minute.Unix()] += g.ids
		out.groups = append(out.groups, g)
	}
	ex.Close() // before the next query, as the scan is done
	if err := ex.Err(); err != nil {
		return err
	}
	for _, u := range raw {
		if ids[u] != stored[u] {
			out.dupMinutes = append(out.dupMinutes, u)
		}
	}
	on, err := q.onlineIn(ctx, cond, cargs)
	if err != nil {
		return err
	}
	out.online = append(out.online, on...)
	return nil
}
