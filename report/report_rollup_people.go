package report

import (
	"fmt"
	"strings"
	"time"
)

// funnelSource is a subquery (user) listing, at least once, every user with an event of typ in
// the span, reading each user once per day where it can: the span's whole hours from
// report_people_days (hour bits, migration 0066), its other whole minutes from report_people
// (minute bits of scope 0) and its partial minutes from events. Exact: a user is listed iff some
// event of typ lies in the span — in a whole hour (an hour bit set there), a whole minute of a
// partial hour (a minute bit) or a partial minute (the event itself) — and copies only set the
// same bit again.
func (q reportQueries) funnelSource(typ string) (string, []any) {
	from, to := spanMinutes(q.span)
	var parts []string
	var args []any
	hoursFrom, hoursTo := wholeHours(from, to)
	if hoursTo.After(hoursFrom) {
		// Days are written as literals: a bound time would be cut to a date in the server's zone.
		parts = append(parts, fmt.Sprintf(`SELECT user FROM report_people_days
			WHERE shop = ? AND room = ? AND type = '%s' AND day >= toDate('%s') AND day <= toDate('%s')
			AND bitAnd(finalizeAggregation(hours), %s) != 0`, typ, hoursFrom.Format(time.DateOnly),
			hoursTo.Add(-time.Hour).Format(time.DateOnly), dayMasks(hoursFrom, hoursTo)))
		args = append(args, q.span.Shop, q.span.Room)
	}
	// The whole minutes outside the whole hours: [from, hoursFrom) and [hoursTo, to), or all of
	// [from, to) when no hour is whole.
	var minutes [][2]time.Time
	if !hoursTo.After(hoursFrom) {
		minutes = append(minutes, [2]time.Time{from, to})
	} else {
		minutes = append(minutes, [2]time.Time{from, hoursFrom}, [2]time.Time{hoursTo, to})
	}
	for _, r := range minutes {
		if !r[1].After(r[0]) {
			continue
		}
		parts = append(parts, fmt.Sprintf(`SELECT user FROM report_people
			WHERE shop = ? AND room = ? AND scope = 0 AND type = '%s' AND hour >= ? AND hour < ?
			AND bitAnd(finalizeAggregation(minutes), %s) != 0`, typ, hourMasks(r[0], r[1])))
		args = append(args, q.span.Shop, q.span.Room, r[0].Truncate(time.Hour), r[1])
	}
	if cond, cargs := edgeRanges(q.span); cond != "" {
		parts = append(parts, `SELECT user FROM events WHERE `+spanWhere+` AND type = '`+typ+`' AND user != '' AND (`+cond+`)`)
		args = append(append(args, q.args()...), cargs...)
	}
	return strings.Join(parts, " UNION ALL "), args
}

// wholeHours returns the whole hours [lo, hi) inside [from, to); hi ≤ lo when there are none.
func wholeHours(from, to time.Time) (lo, hi time.Time) {
	lo = from.Truncate(time.Hour)
	if lo.Before(from) {
		lo = lo.Add(time.Hour)
	}
	return lo, to.Truncate(time.Hour)
}

// dayMasks is the SQL expression giving, for a report_people_days row's day, the bits of the
// whole hours [from, to) (both on the hour) in that day.
func dayMasks(from, to time.Time) string {
	expr := "toUInt64(0)"
	for d := from.Truncate(24 * time.Hour); d.Before(to); d = d.Add(24 * time.Hour) {
		lo, hi := from, to
		if d.After(lo) {
			lo = d
		}
		if end := d.Add(24 * time.Hour); end.Before(hi) {
			hi = end
		}
		n := uint(hi.Sub(lo) / time.Hour)
		mask := (uint64(1)<<n - 1) << uint(lo.Hour())
		expr = fmt.Sprintf("if(day = toDate('%s'), toUInt64(%d), %s)", d.Format(time.DateOnly), mask, expr)
	}
	return expr
}
