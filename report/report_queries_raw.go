package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"
)

// minuteGroups counts each (minute, type, product) group once per event id, exactly, without
// hashing every id.
//
// Copies of one event share (ts, type, id), the end of the events table's sorting key, and a
// ReplacingMergeTree merge keeps one row per sorting key: a merged part (level ≥ 1) holds no two
// copies of an event, and copies share their second. So a minute whose rows lie in merged parts
// no two of which share a second of it has no copies, and count() is exact there. Which parts can
// hold a minute comes from system.parts (min_time, max_time of ts), read before and after the scan
// so a part inserted or merged meanwhile makes its minutes suspect too. Only suspect minutes —
// with a second covered by several parts, or met by a fresh, unmerged part (the last minutes of a
// session just ended, late events) — are counted again with
// uniqExact(id), reading just those minutes. dupMinutes are the minutes (unix seconds) where a
// group did hold copies; other counts of the report subtract copies only there.
func (q reportQueries) minuteGroups(ctx context.Context) (groups []minuteGroup, dupMinutes []int64, err error) {
	before, err := q.parts(ctx)
	if err != nil {
		return nil, nil, err
	}
	rows, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, type, product, count(), max(received)
		FROM events WHERE `+spanWhere+` GROUP BY m, type, product`+reportSettings, q.args()...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	type key struct {
		minute       int64
		typ, product string
	}
	index := map[key]int{}
	for rows.Next() {
		var g minuteGroup
		if err := rows.Scan(&g.minute, &g.typ, &g.product, &g.rows, &g.maxReceived); err != nil {
			return nil, nil, err
		}
		g.ids = g.rows
		index[key{g.minute.Unix(), g.typ, g.product}] = len(groups)
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	after, err := q.parts(ctx)
	if err != nil {
		return nil, nil, err
	}
	suspect := suspectMinutes(q.span, append(before, after...))
	if len(suspect) == 0 {
		return groups, nil, nil
	}
	cond, args := minuteRanges(suspect)
	exact, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, type, product, uniqExact(id)
		FROM events WHERE `+spanWhere+` AND (`+cond+`) GROUP BY m, type, product`+reportSettings,
		append(q.args(), args...)...)
	if err != nil {
		return nil, nil, err
	}
	defer exact.Close()
	dup := map[int64]bool{}
	for exact.Next() {
		var m time.Time
		var typ, product string
		var n uint64
		if err := exact.Scan(&m, &typ, &product, &n); err != nil {
			return nil, nil, err
		}
		if i, ok := index[key{m.Unix(), typ, product}]; ok {
			groups[i].ids = n
			if n != groups[i].rows {
				dup[m.Unix()] = true
			}
		}
	}
	if err := exact.Err(); err != nil {
		return nil, nil, err
	}
	for m := range dup {
		dupMinutes = append(dupMinutes, m)
	}
	sort.Slice(dupMinutes, func(i, j int) bool { return dupMinutes[i] < dupMinutes[j] })
	return groups, dupMinutes, nil
}

// onlineMinute is the last and the highest online reading of one minute.
type onlineMinute struct {
	minute    time.Time
	last, max int64
}

// onlineMinutes returns the last and the highest online reading of each minute (copies of a
// reading change neither). It reads no string column but type.
func (q reportQueries) onlineMinutes(ctx context.Context) ([]onlineMinute, error) {
	return q.onlineIn(ctx, "1", nil)
}

// funnelUsers returns the distinct users who entered, saw a product and clicked one.
func (q reportQueries) funnelUsers(ctx context.Context) ([3]uint64, error) {
	var out [3]uint64
	err := q.ch.QueryRow(ctx, `SELECT uniqExactIf(user, type = 'enter'), uniqExactIf(user, type = 'impression'),
		uniqExactIf(user, type = 'click')
		FROM events WHERE `+spanWhere+` AND type IN ('enter', 'impression', 'click') AND user != ''`+reportSettings,
		q.args()...).Scan(&out[0], &out[1], &out[2])
	return out, err
}

// productClickers counts the distinct users who clicked each product, from events.
func (q reportQueries) productClickers(ctx context.Context) (map[string]int64, error) {
	return q.clickers(ctx, `SELECT product, uniqExact(user) FROM events
		WHERE `+spanWhere+` AND type = 'click' AND user != '' GROUP BY product`, q.args(), nil)
}

// clickers runs query (product, distinct users) into a map. With total set, query ends in WITH
// TOTALS and *total gets the totals row's distinct users (0 when there are no rows).
func (q reportQueries) clickers(ctx context.Context, query string, args []any, total *uint64) (map[string]int64, error) {
	rows, err := q.ch.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var p string
		var n uint64
		if err := rows.Scan(&p, &n); err != nil {
			return nil, err
		}
		out[p] = int64(n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if total == nil {
		return out, nil
	}
	var p string
	switch err := rows.Totals(&p, total); {
	case err == nil:
	case errors.Is(err, sql.ErrNoRows) && len(out) == 0:
		*total = 0
	default:
		return nil, fmt.Errorf("totals: %w", err)
	}
	return out, nil
}
