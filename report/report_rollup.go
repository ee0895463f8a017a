package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The rollups (schema/migrations/0031_report_rollups.sql) are filled at ingest time by
// materialized views on events, so the report reads tens of thousands of pre-aggregated rows
// instead of rescanning ten million raw ones.
//
// Exactness. The rollups count every row ever inserted into events, copies included (a
// materialized view sees each insert; it cannot know an id was stored before). The report trusts
// a rollup count for a whole minute m of the span only when both hold:
//
//  1. m is copy-free in events: its rows lie in merged parts no two of which share a second of m
//     (suspectMinutes; a ReplacingMergeTree merge leaves no two copies of one (ts, type, id) in a
//     part, and copies share their second), so the raw rows stored for m are exactly its
//     distinct events, and
//  2. report_minutes.rows summed over m equals the raw rows stored for m (one cheap count() of
//     events per minute, reading no string column).
//
// The rollup holds every inserted row at least once (the views exist before the backfill), so
// per (minute, type, product) group rollup rows ≥ stored rows ≥ distinct ids; equal totals for m
// force equality in every group of m (and in every finer split of it: seconds, texts), and by (1)
// each equals the group's distinct ids. Every other minute — a suspect one, one
// whose copies were merged away after the rollup counted them, and the partial minutes at the
// span's edges — is recounted from events with uniqExact(id), as before. The same holds for the
// per-second counts (report_seconds) and the comment texts (report_texts) of a clean minute. If some minute has fewer
// rollup rows than stored rows, the rollups are incomplete for the span (cannot happen once the
// migration ran; it guards against a dropped view) and the whole report is read raw.
//
// People (report_people) are exact without that proof: one row per (type[, product], hour, user)
// with a bit per minute of the hour, so "had such an event in these whole minutes" is a bit test
// and copies only set a bit again; the partial edge minutes are read from events. Maxima and the
// last online reading are unaffected by copies. Sparse rows (report_sparse) keep the copies and
// are deduped by id in Go as the raw rows were.

// spanMinutes returns the whole minutes [from, to) of span; to ≤ from when there are none.
func spanMinutes(span SessionSpan) (from, to time.Time) {
	from = span.Start.Truncate(time.Minute)
	if from.Before(span.Start) {
		from = from.Add(time.Minute)
	}
	return from, span.End.Truncate(time.Minute)
}

// edgeRanges is the ts condition selecting the span's partial minutes (those the rollups cannot
// serve), or "" when the span starts and ends on whole minutes. With no whole minute at all it
// selects the whole span.
func edgeRanges(span SessionSpan) (string, []any) {
	from, to := spanMinutes(span)
	if !to.After(from) {
		return "(ts >= ? AND ts < ?)", []any{span.Start, span.End}
	}
	var cond []string
	var args []any
	if from.After(span.Start) {
		cond = append(cond, "(ts >= ? AND ts < ?)")
		args = append(args, span.Start, from)
	}
	if span.End.After(to) {
		cond = append(cond, "(ts >= ? AND ts < ?)")
		args = append(args, to, span.End)
	}
	return strings.Join(cond, " OR "), args
}

// fullMask is every minute bit of an hour.
const fullMask = uint64(1)<<60 - 1

// hourMasks is the SQL expression giving, for a report_people row's hour, the bits of the span's
// whole minutes in that hour.
func hourMasks(from, to time.Time) string {
	expr := fmt.Sprintf("toUInt64(%d)", fullMask)
	for h := from.Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		lo, hi := from, to
		if h.After(lo) {
			lo = h
		}
		if end := h.Add(time.Hour); end.Before(hi) {
			hi = end
		}
		n := uint(hi.Sub(lo) / time.Minute)
		mask := (uint64(1)<<n - 1) << uint(lo.Minute())
		if mask != fullMask {
			expr = fmt.Sprintf("if(toUInt32(hour) = %d, toUInt64(%d), %s)", h.Unix(), mask, expr)
		}
	}
	return expr
}

// peopleSource is a subquery (type, product, user) listing, at least once, every user with an
// event of typeCond in the span: report_people rows of scope for the whole minutes, events for the
// partial ones.
func (q reportQueries) peopleSource(scope int, typeCond string) (string, []any) {
	from, to := spanMinutes(q.span)
	var parts []string
	var args []any
	// masked lists the rows of the whole minutes [lo, hi) by their minute bits.
	masked := func(lo, hi time.Time) {
		if !hi.After(lo) {
			return
		}
		parts = append(parts, fmt.Sprintf(`SELECT type, product, user FROM report_people
			WHERE shop = ? AND room = ? AND scope = %d AND %s AND hour >= ? AND hour < ?
			AND bitAnd(finalizeAggregation(minutes), %s) != 0`, scope, typeCond, hourMasks(lo, hi)))
		args = append(args, q.span.Shop, q.span.Room, lo.Truncate(time.Hour), hi)
	}
	// Rows of the whole hours need no minute test (a row exists only for a minute bit set), so
	// they are read apart from the partial hours' and their minutes column is never read.
	wholeFrom, wholeTo := wholeHours(from, to)
	if q.previous || !wholeTo.After(wholeFrom) {
		masked(from, to)
	} else {
		parts = append(parts, fmt.Sprintf(`SELECT type, product, user FROM report_people
			WHERE shop = ? AND room = ? AND scope = %d AND %s AND hour >= ? AND hour < ?`, scope, typeCond))
		args = append(args, q.span.Shop, q.span.Room, wholeFrom, wholeTo)
		masked(from, wholeFrom)
		masked(wholeTo, to)
	}
	if cond, cargs := edgeRanges(q.span); cond != "" {
		parts = append(parts, `SELECT type, product, user FROM events WHERE `+spanWhere+` AND `+typeCond+` AND user != '' AND (`+cond+`)`)
		args = append(append(args, q.args()...), cargs...)
	}
	return strings.Join(parts, " UNION ALL "), args
}

// distinctUsers is the distinct-user count of the rollup reads: of the users' 64-bit CityHash,
// a set of numbers, which 18.16 builds about four times faster than its set of strings
// (uniqExact of a String keeps a 128-bit SipHash of each; bench-report: the clickers read 650 →
// 205 ms). Two distinct users of one count share a hash with probability about n²/2^65 — 2.4e-9
// for the bench's 300,000 viewers, 7e-7 for five million — the sense of exact the dedup's
// 96-bit fingerprints rely on. The previous build (and the raw fallback) count the strings.
func distinctUsers(previous bool) string {
	if previous {
		return "uniqExact(user)"
	}
	return "uniqExact(cityHash64(user))"
}

// rollupFunnel counts the distinct users with an event of typ (enter, impression or click) in
// the span, from report_people_days and report_people (funnelSource). One thread: two would each build a set of every user and then
// merge them, which costs more than it saves.
func (q reportQueries) rollupFunnel(ctx context.Context, typ string) (uint64, error) {
	switch typ {
	case "enter", "impression", "click": // a constant, so it can be written into the SQL
	default:
		return 0, fmt.Errorf("funnel type %q", typ)
	}
	src, args := q.funnelSource(typ)
	if q.previous {
		src, args = q.peopleSource(0, "type = '"+typ+"'")
	}
	var n uint64
	err := q.ch.QueryRow(ctx, "SELECT "+distinctUsers(q.previous)+" FROM ("+src+") SETTINGS max_threads = 1", args...).Scan(&n)
	return n, err
}

// rollupClickers is productClickers from report_people, and the funnel's clickers (the distinct
// users with any click in the span) from the same read's totals: every click with a user is in
// the per-product rows, those without a product under "". One read of the (product, user) rows
// instead of a second one of the funnel's (bench-report: the totals add ~120 ms to this read
// and save the ~270 ms of "users click").
func (q reportQueries) rollupClickers(ctx context.Context) (map[string]int64, uint64, error) {
	src, args := q.peopleSource(1, "type = 'click'")
	if q.previous { // as before: two threads, no totals (the funnel's clickers are read apart)
		m, err := q.clickers(ctx, "SELECT product, uniqExact(user) FROM ("+src+") GROUP BY product"+reportSettings, args, nil)
		return m, 0, err
	}
	var total uint64
	m, err := q.clickers(ctx, "SELECT product, "+distinctUsers(false)+" FROM ("+src+") GROUP BY product WITH TOTALS SETTINGS max_threads = 1", args, &total)
	return m, total, err
}

// onlineIn is onlineMinutes restricted to the ts condition cond.
func (q reportQueries) onlineIn(ctx context.Context, cond string, args []any) ([]onlineMinute, error) {
	rows, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, argMax(value, toUInt64(ts) * 1000 + ts_ms), max(value)
		FROM events WHERE `+spanWhere+` AND type = 'online' AND (`+cond+`) GROUP BY m ORDER BY m`, append(q.args(), args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []onlineMinute
	for rows.Next() {
		var o onlineMinute
		if err := rows.Scan(&o.minute, &o.last, &o.max); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// lateEvents counts the distinct events of the span with a copy received after it ended. The
// receive-time test comes first (PREWHERE) so ids are read only for late rows.
func (q reportQueries) lateEvents(ctx context.Context) (uint64, error) {
	var n uint64
	err := q.ch.QueryRow(ctx, `SELECT uniqExact(id) FROM events PREWHERE received > ? WHERE `+spanWhere,
		append([]any{q.span.End}, q.args()...)...).Scan(&n)
	return n, err
}

// rollupSeconds adds, from report_seconds, the needed per-second entries and clicks in minutes
// (proven clean: the rollup counts are the distinct events there). Rows of one second may lie in
// several unmerged parts: add sums them.
func (q reportQueries) rollupSeconds(ctx context.Context, d *secondData, needs secondNeeds, minutes []int64) error {
	if len(minutes) == 0 {
		return nil
	}
	cond, condArgs, ok := needs.inSets(minutes)
	if !ok {
		cond, condArgs = needs.where(minutes)
	}
	rows, err := q.ch.Query(ctx, `SELECT toUInt32(ts) AS s, type, product, sum(rows) FROM report_seconds
		WHERE `+spanWhere+` AND (`+cond+`) GROUP BY s, type, product`,
		append(q.args(), condArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s uint32
		var typ, product string
		var n uint64
		if err := rows.Scan(&s, &typ, &product, &n); err != nil {
			return err
		}
		d.add(needs, int64(s), typ, product, int64(n))
	}
	return rows.Err()
}

// rollupTexts is commentTexts with the proven-clean whole minutes (not in rawMinutes) read from
// report_texts and the others from events (count(), less the copies found in dupMinutes).
func (q reportQueries) rollupTexts(ctx context.Context, rawMinutes map[int64]bool, dupMinutes []int64) ([]textCount, bool, error) {
	from, to := spanMinutes(q.span)
	var raw []int64
	for u := range rawMinutes {
		raw = append(raw, u)
	}
	sort.Slice(raw, func(i, j int) bool { return raw[i] < raw[j] })
	var parts []string
	var args []any
	if to.After(from) {
		skip := "0"
		for _, u := range raw {
			skip += fmt.Sprintf(", %d", u)
		}
		parts = append(parts, `SELECT text, sum(rows) AS n FROM report_texts WHERE shop = ? AND room = ? AND minute >= ? AND minute < ?
			AND toUInt32(minute) NOT IN (`+skip+`) GROUP BY text`)
		args = append(args, q.span.Shop, q.span.Room, from, to)
	}
	if len(raw) > 0 {
		cond, cargs := minuteRanges(raw)
		parts = append(parts, `SELECT text, count() AS n FROM events WHERE `+spanWhere+` AND type = 'comment' AND text != ''
			AND (`+cond+`) GROUP BY text`)
		args = append(append(args, q.args()...), cargs...)
	}
	if len(parts) == 0 {
		return nil, false, nil
	}
	return q.texts(ctx, fmt.Sprintf(`SELECT text, sum(n) AS n FROM (`+strings.Join(parts, " UNION ALL ")+`)
		GROUP BY text ORDER BY n DESC, text LIMIT %d`, maxTexts), args, dupMinutes)
}
