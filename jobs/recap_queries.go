package jobs

import (
	"context"
	"fmt"
	"time"
)

// The recap's reads of the events table. Days are the shop's calendar days: ClickHouse turns
// each time into its local date with toDate(ts, zone), so a day is 23 or 25 hours long across a
// daylight-saving change. Each event counts once (distinct ids; orders once per order id).

// DailyCounts returns the counts of every shop day with anything recorded in [from, to), by
// date ("2006-01-02" in loc).
func (s *Store) DailyCounts(ctx context.Context, shop string, loc *time.Location, from, to time.Time) (map[string]DayCounts, error) {
	out := map[string]DayCounts{}
	get := func(d string) DayCounts {
		c := out[d]
		c.Day = d
		return c
	}
	tz := loc.String()
	args := []any{tz, shop, from.UTC(), to.UTC()}
	rows, err := s.conn.Query(ctx, `SELECT toString(toDate(ts, ?)) AS d,
			uniqExactIf(id, type = 'enter'), uniqExactIf(user, type = 'enter' AND user != ''),
			uniqExactIf(id, type = 'impression'), uniqExactIf(id, type = 'click'),
			uniqExactIf(user, type = 'click' AND user != '')
		FROM events WHERE shop = ? AND type IN ('enter', 'impression', 'click') AND ts >= ? AND ts < ?
		GROUP BY d`, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: read daily traffic: %w", err)
	}
	for rows.Next() {
		var d string
		var v [5]uint64
		if err := rows.Scan(&d, &v[0], &v[1], &v[2], &v[3], &v[4]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("jobs: scan daily traffic: %w", err)
		}
		c := get(d)
		c.Views, c.Viewers, c.Impressions, c.Clicks, c.Clickers = int64(v[0]), int64(v[1]), int64(v[2]), int64(v[3]), int64(v[4])
		out[d] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: read daily traffic: %w", err)
	}
	for _, status := range []string{"paid", "refunded"} {
		rows, err := s.conn.Query(ctx, `SELECT toString(toDate(t, ?)) AS d, count(), sum(a), uniqExactIf(u, u != '') FROM (
				SELECT order_id, min(ts) AS t, max(amount) AS a, any(user) AS u FROM events
				WHERE shop = ? AND type = 'order' AND status = ? AND ts >= ? AND ts < ? GROUP BY order_id)
			GROUP BY d`, tz, shop, status, from.UTC(), to.UTC())
		if err != nil {
			return nil, fmt.Errorf("jobs: read daily %s orders: %w", status, err)
		}
		for rows.Next() {
			var d string
			var n, users uint64
			var sum int64
			if err := rows.Scan(&d, &n, &sum, &users); err != nil {
				rows.Close()
				return nil, fmt.Errorf("jobs: scan daily orders: %w", err)
			}
			c := get(d)
			if status == "paid" {
				c.Paid, c.GMV, c.Buyers = int64(n), sum, int64(users)
			} else {
				c.RefundCnt, c.Refunds = int64(n), sum
			}
			out[d] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("jobs: read daily orders: %w", err)
		}
	}
	rows, err = s.conn.Query(ctx, `SELECT toString(toDate(t, ?)) AS d, sum(a) FROM (
			SELECT id, min(ts) AS t, any(amount) AS a FROM events
			WHERE shop = ? AND type = 'ad_spend' AND ts >= ? AND ts < ? GROUP BY id)
		GROUP BY d`, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: read daily ad spend: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		var sum int64
		if err := rows.Scan(&d, &sum); err != nil {
			return nil, fmt.Errorf("jobs: scan daily ad spend: %w", err)
		}
		c := get(d)
		c.AdSpend = sum
		out[d] = c
	}
	return out, rows.Err()
}

// Sources returns the entries by traffic source in [from, to) and the paid orders and GMV by
// the source their order events carry, sorted by entries.
func (s *Store) Sources(ctx context.Context, shop string, from, to time.Time) ([]SourceShare, error) {
	by := map[string]*SourceShare{}
	get := func(src string) *SourceShare {
		if by[src] == nil {
			by[src] = &SourceShare{Source: src}
		}
		return by[src]
	}
	rows, err := s.conn.Query(ctx, `SELECT source, uniqExact(id) FROM events
		WHERE shop = ? AND type = 'enter' AND ts >= ? AND ts < ? GROUP BY source`, shop, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("jobs: read sources: %w", err)
	}
	var total int64
	for rows.Next() {
		var src string
		var n uint64
		if err := rows.Scan(&src, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("jobs: scan sources: %w", err)
		}
		get(src).Views = int64(n)
		total += int64(n)
	}
	rows.Close()
	rows, err = s.conn.Query(ctx, `SELECT src, count(), sum(a) FROM (
			SELECT order_id, max(source) AS src, max(amount) AS a FROM events
			WHERE shop = ? AND type = 'order' AND status = 'paid' AND ts >= ? AND ts < ? GROUP BY order_id)
		GROUP BY src`, shop, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("jobs: read GMV by source: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var src string
		var n uint64
		var sum int64
		if err := rows.Scan(&src, &n, &sum); err != nil {
			return nil, fmt.Errorf("jobs: scan GMV by source: %w", err)
		}
		sh := get(src)
		sh.Orders, sh.GMV = int64(n), sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs: read GMV by source: %w", err)
	}
	return sortShares(by, total), nil
}

// ProductDay returns per product: impressions, clicks and clicking users, paid orders, GMV,
// units and paying users in [from, to), and the return window's paid orders and returns
// (orders with a refund request or refund) in [wfrom, to), with returns in [from, to).
func (s *Store) ProductDay(ctx context.Context, shop string, from, to, wfrom time.Time) (map[string]*ProductLine, error) {
	out := map[string]*ProductLine{}
	get := func(p string) *ProductLine {
		if out[p] == nil {
			out[p] = &ProductLine{Product: p}
		}
		return out[p]
	}
	rows, err := s.conn.Query(ctx, `SELECT product, uniqExactIf(id, type = 'impression'), uniqExactIf(id, type = 'click'),
			uniqExactIf(user, type = 'click' AND user != '')
		FROM events WHERE shop = ? AND type IN ('impression', 'click') AND product != '' AND ts >= ? AND ts < ?
		GROUP BY product`, shop, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("jobs: read product traffic: %w", err)
	}
	for rows.Next() {
		var p string
		var v [3]uint64
		if err := rows.Scan(&p, &v[0], &v[1], &v[2]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("jobs: scan product traffic: %w", err)
		}
		l := get(p)
		l.Impressions, l.Clicks, l.Clickers = int64(v[0]), int64(v[1]), int64(v[2])
	}
	rows.Close()
	// Orders of the window (and a month before it, for the product of refund events that do not
	// name it): paid in the day, paid in the window, returned in the day and in the window.
	rows, err = s.conn.Query(ctx, `SELECT p, countIf(pd), sumIf(a, pd), sumIf(q, pd), uniqExactIf(u, pd AND u != ''),
			countIf(rd), countIf(pw), countIf(rw) FROM (
			SELECT order_id, anyIf(product, product != '') AS p, max(amount) AS a, max(qty) AS q, anyIf(user, user != '') AS u,
				countIf(status = 'paid' AND ts >= ?) > 0 AS pd,
				countIf(status IN ('refund_requested', 'refunded') AND ts >= ?) > 0 AS rd,
				countIf(status = 'paid' AND ts >= ?) > 0 AS pw,
				countIf(status IN ('refund_requested', 'refunded') AND ts >= ?) > 0 AS rw
			FROM events WHERE shop = ? AND type = 'order' AND ts >= ? AND ts < ? GROUP BY order_id)
		WHERE p != '' AND (pd OR rd OR pw OR rw) GROUP BY p`,
		from.UTC(), from.UTC(), wfrom.UTC(), wfrom.UTC(), shop, wfrom.Add(-30*24*time.Hour).UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("jobs: read product orders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var paid, buyers, ret, wpaid, wret uint64
		var gmv, units int64
		if err := rows.Scan(&p, &paid, &gmv, &units, &buyers, &ret, &wpaid, &wret); err != nil {
			return nil, fmt.Errorf("jobs: scan product orders: %w", err)
		}
		l := get(p)
		l.Paid, l.GMV, l.Units, l.Buyers, l.Returns = int64(paid), gmv, units, int64(buyers), int64(ret)
		l.WindowPaid, l.WindowRet = int64(wpaid), int64(wret)
	}
	return out, rows.Err()
}
