package report

import (
	"context"
	"slices"
	"sort"
	"time"
)

// sparseRows reads every row of the span's low-volume types — paid and refunded orders, ad spend
// and operator actions — from table (events, or report_sparse which holds just those rows,
// copies included) and sorts them out in Go: orders deduped by order id (the earliest paid event
// of an order counts), ad spend and actions deduped by id.
func (q reportQueries) sparseRows(ctx context.Context, table string, raw *rawData) error {
	seen := map[string]bool{}
	paid, refunded := make([]orderRow, 0, 1<<14), []orderRow{}
	// Two scans: orders are in every granule, so theirs reads only the columns orders need (not
	// even the event id: copies of an order event carry its order id and collapse with it); the
	// operator actions and ad spend touch few granules, so PREWHERE skips the rest of theirs.
	if err := q.scanOrders(ctx, table, func(status string, o orderRow) {
		if status == "paid" {
			paid = append(paid, o)
		} else {
			refunded = append(refunded, o)
		}
	}); err != nil {
		return err
	}
	if err := q.scanSparse(ctx, `SELECT id, type, product, amount, text, ts, ts_ms FROM `+table+`
		PREWHERE type IN ('ad_spend', 'pin', 'unpin', 'cue', 'flash_sale', 'coupon') WHERE `+spanWhere+reportSettings, raw, seen); err != nil {
		return err
	}
	sort.SliceStable(raw.actions, func(i, j int) bool {
		if !raw.actions[i].ts.Equal(raw.actions[j].ts) {
			return raw.actions[i].ts.Before(raw.actions[j].ts)
		}
		return raw.actions[i].id < raw.actions[j].id
	})
	raw.orders, raw.refunds = firstPerOrder(paid), firstPerOrder(refunded)
	return nil
}

// firstPerOrder keeps the earliest event of each order id and returns them in time order.
func firstPerOrder(rows []orderRow) []orderRow {
	at := make(map[string]int32, len(rows))
	out := make([]orderRow, 0, len(rows))
	for _, o := range rows {
		i, ok := at[o.order]
		switch {
		case !ok:
			at[o.order] = int32(len(out))
			out = append(out, o)
		case earlier(o, out[i]):
			out[i] = o
		}
	}
	slices.SortFunc(out, func(a, b orderRow) int {
		if earlier(a, b) {
			return -1
		}
		if earlier(b, a) {
			return 1
		}
		return 0
	})
	return out
}

// earlier orders order events by time, then by their other fields, so the choice among events of
// one order at the same millisecond does not depend on read order.
func earlier(a, b orderRow) bool {
	switch {
	case !a.ts.Equal(b.ts):
		return a.ts.Before(b.ts)
	case a.amount != b.amount:
		return a.amount < b.amount
	case a.product != b.product:
		return a.product < b.product
	case a.user != b.user:
		return a.user < b.user
	default:
		return a.qty < b.qty
	}
}

// scanOrders reads the paid and refunded order events of the span from table. The status comes
// as a flag and the time as one number of milliseconds: no string or time column to decode for
// each of the (many) order rows.
func (q reportQueries) scanOrders(ctx context.Context, table string, order func(status string, o orderRow)) error {
	rows, err := q.ch.Query(ctx, `SELECT order_id, status = 'paid', user, product, amount, qty, toUInt64(ts) * 1000 + ts_ms FROM `+table+`
		PREWHERE type = 'order' AND status IN ('paid', 'refunded') WHERE `+spanWhere+reportSettings, q.args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o orderRow
		var paid uint8
		var ms uint64
		if err := rows.Scan(&o.order, &paid, &o.user, &o.product, &o.amount, &o.qty, &ms); err != nil {
			return err
		}
		if o.order == "" {
			continue // an order event without an order id cannot be counted once; ingest requires it
		}
		o.ts = time.UnixMilli(int64(ms)).UTC()
		if paid == 1 {
			order("paid", o)
		} else {
			order("refunded", o)
		}
	}
	return rows.Err()
}

// scanSparse reads ad spend and operator actions into raw, deduped by event id.
func (q reportQueries) scanSparse(ctx context.Context, sql string, raw *rawData, seen map[string]bool) error {
	rows, err := q.ch.Query(ctx, sql, q.args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, typ, product, text string
		var amount int64
		var ts time.Time
		var ms uint16
		if err := rows.Scan(&id, &typ, &product, &amount, &text, &ts, &ms); err != nil {
			return err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		at := ts.Add(time.Duration(ms) * time.Millisecond)
		if typ == "ad_spend" {
			raw.adSpend = append(raw.adSpend, amountRow{ts: at, amount: amount})
		} else {
			raw.actions = append(raw.actions, actionRow{id: id, typ: typ, product: product, text: text, ts: at})
		}
	}
	return rows.Err()
}

// orderRow is one order event; one per (status, order id) is kept.
type orderRow struct {
	order, user, product string
	amount               int64
	qty                  int32
	ts                   time.Time
}

// amountRow is one ad spend event.
type amountRow struct {
	ts     time.Time
	amount int64
}

// actionRow is one operator action (pin, unpin, cue, flash_sale, coupon).
type actionRow struct {
	id, typ, product, text string
	ts                     time.Time
}
