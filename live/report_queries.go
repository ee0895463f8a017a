package live

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// reportQueries reads one session span from the events table. Every query filters on the
// primary-key prefix (shop, room, ts) so it reads only the span's granules.
type reportQueries struct {
	ch   driver.Conn
	span SessionSpan
}

// spanWhere is the filter every report query starts with; its four binds come from args.
const spanWhere = "shop = ? AND room = ? AND ts >= ? AND ts < ?"

// reportSettings gives a report query both cores: 18.16 picks max_threads from physical cores.
const reportSettings = " SETTINGS max_threads = 2"

func (q reportQueries) args(extra ...any) []any {
	return append([]any{q.span.Shop, q.span.Room, q.span.Start, q.span.End}, extra...)
}

// minuteGroup is one (minute, type, product) group: rows stored, distinct ids, distinct ids
// with a copy received after the session ended, and the latest receive time.
type minuteGroup struct {
	minute          time.Time
	typ, product    string
	rows, ids, late uint64
	maxReceived     time.Time
}

// minuteGroups counts each (minute, type, product) group once per event id, exactly and cheaply.
//
// Copies of one event share (ts, type, id) — the events table's sorting key — and so one group.
// The scan compares count() with the distinct 64-bit hashes of the ids: when they are equal the
// ids are all distinct (distinct hashes imply distinct ids), so count() is exact and no string
// hash set was built. Only groups where they differ (a copy, or in theory a hash collision) are
// counted again with uniqExact on the ids themselves, reading just those minutes. dups reports
// whether any group held a copy.
func (q reportQueries) minuteGroups(ctx context.Context) (groups []minuteGroup, dups bool, err error) {
	rows, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, type, product, count(), uniqExact(cityHash64(id)),
		uniqExactIf(id, received > ?), max(received)
		FROM events WHERE `+spanWhere+` GROUP BY m, type, product`+reportSettings,
		append([]any{q.span.End}, q.args()...)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	type key struct {
		minute       int64
		typ, product string
	}
	suspect := map[key]int{}
	for rows.Next() {
		var g minuteGroup
		if err := rows.Scan(&g.minute, &g.typ, &g.product, &g.rows, &g.ids, &g.late, &g.maxReceived); err != nil {
			return nil, false, err
		}
		if g.ids != g.rows {
			suspect[key{g.minute.Unix(), g.typ, g.product}] = len(groups)
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(suspect) == 0 {
		return groups, false, nil
	}
	minutes := map[int64]bool{}
	for k := range suspect {
		minutes[k.minute] = true
	}
	list := make([]uint32, 0, len(minutes))
	for m := range minutes {
		list = append(list, uint32(m))
	}
	exact, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, type, product, uniqExact(id)
		FROM events WHERE `+spanWhere+` AND has(?, toUInt32(toStartOfMinute(ts))) GROUP BY m, type, product`+reportSettings,
		q.args(list)...)
	if err != nil {
		return nil, false, err
	}
	defer exact.Close()
	for exact.Next() {
		var m time.Time
		var typ, product string
		var n uint64
		if err := exact.Scan(&m, &typ, &product, &n); err != nil {
			return nil, false, err
		}
		if i, ok := suspect[key{m.Unix(), typ, product}]; ok {
			groups[i].ids = n
			if n != groups[i].rows {
				dups = true
			}
		}
	}
	return groups, dups, exact.Err()
}

// onlineMinute is the last and the highest online reading of one minute.
type onlineMinute struct {
	minute    time.Time
	last, max int64
}

func (q reportQueries) onlineMinutes(ctx context.Context) ([]onlineMinute, error) {
	rows, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, argMax(value, toUInt64(ts) * 1000 + ts_ms), max(value)
		FROM events WHERE `+spanWhere+` AND type = 'online' GROUP BY m ORDER BY m`, q.args()...)
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

// funnelUsers returns the distinct users who entered, saw a product and clicked one.
func (q reportQueries) funnelUsers(ctx context.Context) ([3]uint64, error) {
	var out [3]uint64
	err := q.ch.QueryRow(ctx, `SELECT uniqExactIf(user, type = 'enter'), uniqExactIf(user, type = 'impression'),
		uniqExactIf(user, type = 'click')
		FROM events WHERE `+spanWhere+` AND type IN ('enter', 'impression', 'click') AND user != ''`+reportSettings,
		q.args()...).Scan(&out[0], &out[1], &out[2])
	return out, err
}

func (q reportQueries) productClickers(ctx context.Context) (map[string]int64, error) {
	rows, err := q.ch.Query(ctx, `SELECT product, uniqExact(user) FROM events
		WHERE `+spanWhere+` AND type = 'click' AND user != '' GROUP BY product`, q.args()...)
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
	return out, rows.Err()
}

// orderRow is one order event, after dedup by event id and then by order id.
type orderRow struct {
	id, order, user, product string
	amount                   int64
	qty                      int32
	ts                       time.Time
}

// orders returns the paid orders (one per order id, the earliest paid event) and the refunded
// ones (one per order id) whose events lie in the span.
func (q reportQueries) orders(ctx context.Context) (paid, refunded []orderRow, err error) {
	rows, err := q.ch.Query(ctx, `SELECT id, order_id, status, user, product, amount, qty, ts, ts_ms
		FROM events WHERE `+spanWhere+` AND type = 'order' AND status IN ('paid', 'refunded')`, q.args()...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	type key struct{ status, order string }
	seenID := map[string]bool{}
	best := map[key]orderRow{}
	for rows.Next() {
		var o orderRow
		var status string
		var ms uint16
		if err := rows.Scan(&o.id, &o.order, &status, &o.user, &o.product, &o.amount, &o.qty, &o.ts, &ms); err != nil {
			return nil, nil, err
		}
		if seenID[o.id] {
			continue
		}
		seenID[o.id] = true
		o.ts = o.ts.Add(time.Duration(ms) * time.Millisecond)
		if o.order == "" {
			o.order = "id:" + o.id
		}
		k := key{status, o.order}
		if cur, ok := best[k]; !ok || o.ts.Before(cur.ts) || (o.ts.Equal(cur.ts) && o.id < cur.id) {
			best[k] = o
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for k, o := range best {
		if k.status == "paid" {
			paid = append(paid, o)
		} else {
			refunded = append(refunded, o)
		}
	}
	byTime := func(s []orderRow) {
		sort.Slice(s, func(i, j int) bool {
			if !s[i].ts.Equal(s[j].ts) {
				return s[i].ts.Before(s[j].ts)
			}
			return s[i].id < s[j].id
		})
	}
	byTime(paid)
	byTime(refunded)
	return paid, refunded, nil
}

// amountRow is one ad spend event.
type amountRow struct {
	ts     time.Time
	amount int64
}

func (q reportQueries) adSpend(ctx context.Context) ([]amountRow, error) {
	rows, err := q.ch.Query(ctx, `SELECT id, ts, amount FROM events WHERE `+spanWhere+` AND type = 'ad_spend'`, q.args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []amountRow
	for rows.Next() {
		var id string
		var a amountRow
		if err := rows.Scan(&id, &a.ts, &a.amount); err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, a)
		}
	}
	return out, rows.Err()
}

// actionRow is one operator action (pin, unpin, cue, flash_sale, coupon).
type actionRow struct {
	id, typ, product, text string
	ts                     time.Time
}

func (q reportQueries) actions(ctx context.Context) ([]actionRow, error) {
	rows, err := q.ch.Query(ctx, `SELECT id, type, product, text, ts, ts_ms FROM events WHERE `+spanWhere+`
		AND type IN ('pin', 'unpin', 'cue', 'flash_sale', 'coupon') ORDER BY ts, ts_ms, id`, q.args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var out []actionRow
	for rows.Next() {
		var a actionRow
		var ms uint16
		if err := rows.Scan(&a.id, &a.typ, &a.product, &a.text, &a.ts, &ms); err != nil {
			return nil, err
		}
		if seen[a.id] {
			continue
		}
		seen[a.id] = true
		a.ts = a.ts.Add(time.Duration(ms) * time.Millisecond)
		out = append(out, a)
	}
	return out, rows.Err()
}

// textCount is one distinct comment text and how many distinct comment events carried it.
type textCount struct {
	text string
	n    int64
}

// maxTexts caps the distinct comment texts classified for buyer questions (the most frequent).
const maxTexts = 50_000

func (q reportQueries) commentTexts(ctx context.Context, dups bool) ([]textCount, bool, error) {
	rows, err := q.ch.Query(ctx, fmt.Sprintf(`SELECT text, `+countOnce(dups)+` AS n FROM events WHERE `+spanWhere+`
		AND type = 'comment' AND text != '' GROUP BY text ORDER BY n DESC, text LIMIT %d`, maxTexts), q.args()...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []textCount
	for rows.Next() {
		var t textCount
		var n uint64
		if err := rows.Scan(&t.text, &n); err != nil {
			return nil, false, err
		}
		t.n = int64(n)
		out = append(out, t)
	}
	return out, len(out) == maxTexts, rows.Err()
}

// secondData holds per-second counts: clicks of watched products and room entries, keyed by the
// unix second.
type secondData struct {
	clicks map[string]map[int64]int64 // product → second → clicks
	views  map[int64]int64            // second → entries
}

// countOnce is the count of events once per id: count() when the minute groups proved there are
// no stored copies in the span, uniqExact(id) otherwise.
func countOnce(dups bool) string {
	if dups {
		return "uniqExact(id)"
	}
	return "count()"
}

// perSecond reads clicks of the given products and all entries, per second, once per id.
func (q reportQueries) perSecond(ctx context.Context, products []string, dups bool) (secondData, error) {
	d := secondData{clicks: map[string]map[int64]int64{}, views: map[int64]int64{}}
	cond := "type = 'enter'"
	args := q.args()
	if len(products) > 0 {
		cond = "(type = 'enter' OR (type = 'click' AND has(?, product)))"
		args = append(args, products)
	}
	rows, err := q.ch.Query(ctx, `SELECT toUInt32(ts) AS s, type, product, `+countOnce(dups)+` FROM events
		WHERE `+spanWhere+` AND `+cond+` GROUP BY s, type, product`+reportSettings, args...)
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
		if typ == "enter" {
			d.views[int64(s)] += int64(n)
			continue
		}
		m := d.clicks[product]
		if m == nil {
			m = map[int64]int64{}
			d.clicks[product] = m
		}
		m[int64(s)] += int64(n)
	}
	return d, rows.Err()
}

// flagEvent is one row of the live engine's flag lifecycle.
type flagEvent struct {
	flag, rule, product, action, detail string
	ts                                  time.Time
}

// flags reads the session's flag lifecycle rows. The live engine owns flag_events; until it
// exists there are no flags.
func (q reportQueries) flags(ctx context.Context) ([]flagEvent, error) {
	var exists uint8
	if err := q.ch.QueryRow(ctx, "EXISTS TABLE flag_events").Scan(&exists); err != nil {
		return nil, err
	}
	if exists == 0 {
		return nil, nil
	}
	return readFlagEvents(ctx, q.ch, q.span)
}
