package jobs

import (
	"context"
	"fmt"
	"time"
)

// evKey orders a shop's events by time to the millisecond ("latest event wins").
const evKey = `(toUInt64(ts) * 1000 + ts_ms)`

// OrderState is an order as its events tell it at a given instant.
type OrderState struct {
	Order     string
	User      string
	Product   string
	Amount    int64
	Status    string // the latest status
	Created   time.Time
	Paid      time.Time // zero when never paid
	Shipped   time.Time // first shipped or delivered; zero when not yet
	RefundReq time.Time // latest refund request; zero when none
	Last      time.Time // time of the latest event
}

// Orders returns the state at now of every order of shop with an event in [since, now].
func (s *Store) Orders(ctx context.Context, shop string, since, now time.Time) ([]OrderState, error) {
	rows, err := s.conn.Query(ctx, `SELECT order_id,
			argMax(user, `+evKey+`), argMax(product, `+evKey+`), max(amount),
			argMax(status, `+evKey+`),
			min(ts), countIf(status = 'paid') > 0, minIf(ts, status = 'paid'),
			countIf(status IN ('shipped', 'delivered')) > 0, minIf(ts, status IN ('shipped', 'delivered')),
			countIf(status = 'refund_requested') > 0, maxIf(ts, status = 'refund_requested'),
			max(ts)
		FROM events
		WHERE shop = ? AND type = 'order' AND ts >= ? AND ts <= ?
		GROUP BY order_id`, shop, since.UTC(), now.UTC())
	if err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	defer rows.Close()
	var out []OrderState
	for rows.Next() {
		var o OrderState
		var hasPaid, hasShip, hasRefund uint8
		var paid, shipped, refund time.Time
		if err := rows.Scan(&o.Order, &o.User, &o.Product, &o.Amount, &o.Status, &o.Created, &hasPaid, &paid,
			&hasShip, &shipped, &hasRefund, &refund, &o.Last); err != nil {
			return nil, fmt.Errorf("scan orders: %w", err)
		}
		if hasPaid == 1 {
			o.Paid = paid.UTC()
		}
		if hasShip == 1 {
			o.Shipped = shipped.UTC()
		}
		if hasRefund == 1 {
			o.RefundReq = refund.UTC()
		}
		o.Created, o.Last = o.Created.UTC(), o.Last.UTC()
		out = append(out, o)
	}
	return out, rows.Err()
}

// StockLevel is a product's latest reported stock.
type StockLevel struct {
	Product string
	Stock   int64
	At      time.Time
}

// Stock returns the latest stock report of every product of shop up to now.
func (s *Store) Stock(ctx context.Context, shop string, now time.Time) ([]StockLevel, error) {
	rows, err := s.conn.Query(ctx, `SELECT product, argMax(value, `+evKey+`), max(ts)
		FROM events WHERE shop = ? AND type = 'stock' AND ts <= ?
		GROUP BY product ORDER BY product`, shop, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("read stock: %w", err)
	}
	defer rows.Close()
	var out []StockLevel
	for rows.Next() {
		var l StockLevel
		if err := rows.Scan(&l.Product, &l.Stock, &l.At); err != nil {
			return nil, fmt.Errorf("scan stock: %w", err)
		}
		l.At = l.At.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// CouponLevel is a coupon's latest reported remaining count.
type CouponLevel struct {
	Coupon string
	Name   string
	Left   int64
	At     time.Time
}

// Coupons returns the latest remaining count of every coupon of shop up to now (see the package
// doc for the coupon stock event).
func (s *Store) Coupons(ctx context.Context, shop string, now time.Time) ([]CouponLevel, error) {
	rows, err := s.conn.Query(ctx, `SELECT coupon, argMax(value, k), argMax(text, k), max(ts) FROM (
			SELECT visitParamExtractString(extra, 'coupon') AS coupon, value, text, ts, `+evKey+` AS k
			FROM events WHERE shop = ? AND type = 'coupon' AND ts <= ?)
		WHERE coupon != '' GROUP BY coupon ORDER BY coupon`, shop, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("read coupons: %w", err)
	}
	defer rows.Close()
	var out []CouponLevel
	for rows.Next() {
		var c CouponLevel
		if err := rows.Scan(&c.Coupon, &c.Left, &c.Name, &c.At); err != nil {
			return nil, fmt.Errorf("scan coupons: %w", err)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Review is a review's latest state.
type Review struct {
	Order   string
	Product string
	User    string
	Rating  uint8
	Text    string
	At      time.Time // first time the review arrived
	Replied bool
}

// Reviews returns the reviews of shop that arrived in [since, now], with whether each has a
// reply (a cs_message "out" in conversation "review:<order>") by now. GLOBAL IN: on a sharded
// ClickHouse the subquery over the Distributed table runs once and its set goes to every shard
// (plain IN is refused there); on one server it is a plain IN.
func (s *Store) Reviews(ctx context.Context, shop string, since, now time.Time) ([]Review, error) {
	rows, err := s.conn.Query(ctx, `SELECT order_id, argMax(product, `+evKey+`), argMax(user, `+evKey+`),
			argMax(rating, `+evKey+`), argMax(text, `+evKey+`), min(ts),
			concat('review:', order_id) GLOBAL IN (SELECT conversation FROM events
				WHERE shop = ? AND type = 'cs_message' AND direction = 'out' AND ts >= ? AND ts <= ?
				AND conversation LIKE 'review:%')
		FROM events WHERE shop = ? AND type = 'review' AND ts >= ? AND ts <= ?
		GROUP BY order_id`, shop, since.UTC(), now.UTC(), shop, since.UTC(), now.UTC())
	if err != nil {
		return nil, fmt.Errorf("read reviews: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		var replied uint8
		if err := rows.Scan(&r.Order, &r.Product, &r.User, &r.Rating, &r.Text, &r.At, &replied); err != nil {
			return nil, fmt.Errorf("scan reviews: %w", err)
		}
		r.At, r.Replied = r.At.UTC(), replied == 1
		out = append(out, r)
	}
	return out, rows.Err()
}

// Messages returns the customer-service messages of shop in [since, now].
func (s *Store) Messages(ctx context.Context, shop string, since, now time.Time) ([]Message, error) {
	rows, err := s.conn.Query(ctx, `SELECT conversation, direction, ts, ts_ms FROM events
		WHERE shop = ? AND type = 'cs_message' AND ts >= ? AND ts <= ? AND conversation NOT LIKE 'review:%'
		GROUP BY conversation, direction, ts, ts_ms, id`, shop, since.UTC(), now.UTC())
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var ms uint16
		if err := rows.Scan(&m.Conversation, &m.Direction, &m.TS, &ms); err != nil {
			return nil, fmt.Errorf("scan messages: %w", err)
		}
		m.TS = m.TS.UTC().Add(time.Duration(ms) * time.Millisecond)
		out = append(out, m)
	}
	return out, rows.Err()
}

// PaidTimes returns, per user, the times of the paid order events of shop in [since, now].
func (s *Store) PaidTimes(ctx context.Context, shop string, since, now time.Time) (map[string][]time.Time, error) {
	rows, err := s.conn.Query(ctx, `SELECT user, min(ts) FROM events
		WHERE shop = ? AND type = 'order' AND status = 'paid' AND user != '' AND ts >= ? AND ts <= ?
		GROUP BY user, order_id`, shop, since.UTC(), now.UTC())
	if err != nil {
		return nil, fmt.Errorf("read paid orders: %w", err)
	}
	defer rows.Close()
	out := map[string][]time.Time{}
	for rows.Next() {
		var u string
		var t time.Time
		if err := rows.Scan(&u, &t); err != nil {
			return nil, fmt.Errorf("scan paid orders: %w", err)
		}
		out[u] = append(out[u], t.UTC())
	}
	return out, rows.Err()
}

// Totals sums a shop's orders over [from, to): paid GMV (fen) and paid orders, refund requests
// and refunded amount (fen), each order counted once.
type Totals struct {
	GMV         int64
	Paid        uint64
	Refunds     uint64
	RefundedFen int64
}

// Totals returns the order totals of shop over [from, to).
func (s *Store) Totals(ctx context.Context, shop string, from, to time.Time) (Totals, error) {
	var t Totals
	err := s.conn.QueryRow(ctx, `SELECT sumIf(amount, status = 'paid'), countIf(status = 'paid'),
			countIf(status = 'refund_requested'), sumIf(amount, status = 'refunded')
		FROM (SELECT order_id, status, max(amount) AS amount FROM events
			WHERE shop = ? AND type = 'order' AND ts >= ? AND ts < ?
			AND status IN ('paid', 'refund_requested', 'refunded')
			GROUP BY order_id, status)`, shop, from.UTC(), to.UTC()).Scan(&t.GMV, &t.Paid, &t.Refunds, &t.RefundedFen)
	if err != nil {
		return t, fmt.Errorf("read totals: %w", err)
	}
	return t, nil
}
