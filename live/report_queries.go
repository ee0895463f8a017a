package live

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
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

// minuteGroup is one (minute, type, product) group: rows stored, distinct ids, and the latest
// receive time. (Late events are counted once for the span by lateEvents.)
type minuteGroup struct {
	minute       time.Time
	typ, product string
	rows, ids    uint64
	maxReceived  time.Time
}

// minuteGroups counts each (minute, type, product) group once per event id, exactly, without
// hashing every id.
//
// Copies of one event share (ts, type, id), the end of the events table's sorting key, and a
// ReplacingMergeTree merge keeps one row per sorting key: a merged part (level ≥ 1) holds no two
// copies of an event. So a minute whose rows all lie in one merged part has no copies, and
// count() is exact there. Which parts can hold a minute comes from system.parts (min_time,
// max_time of ts), read before and after the scan so a part inserted or merged meanwhile makes
// its minutes suspect too. Only suspect minutes — covered by several parts or by a fresh,
// unmerged one (the last minutes of a session just ended, late events) — are counted again with
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

// partSpan is one active part of the events table: its merge level and the range of ts in it.
type partSpan struct {
	name       string
	level      uint32
	minT, maxT time.Time
}

// parts lists the active parts of events whose ts range meets the span.
func (q reportQueries) parts(ctx context.Context) ([]partSpan, error) {
	rows, err := q.ch.Query(ctx, `SELECT name, level, min_time, max_time FROM system.parts
		WHERE database = currentDatabase() AND table = 'events' AND active AND max_time >= ? AND min_time < ?`,
		q.span.Start, q.span.End)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []partSpan
	for rows.Next() {
		var p partSpan
		if err := rows.Scan(&p.name, &p.level, &p.minT, &p.maxT); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// suspectMinutes returns the minutes of span (unix seconds of their start) that may hold copies
// of an event: met by more than one of parts (the same part listed twice counts once) or by a
// part that was never merged (level 0).
func suspectMinutes(span SessionSpan, parts []partSpan) []int64 {
	first := span.Start.Truncate(time.Minute)
	var out []int64
	for m := first; m.Before(span.End); m = m.Add(time.Minute) {
		end := m.Add(time.Minute)
		names := map[string]bool{}
		fresh := false
		for _, p := range parts {
			if p.maxT.Before(m) || !p.minT.Before(end) {
				continue
			}
			names[p.name] = true
			fresh = fresh || p.level == 0
		}
		if len(names) > 1 || fresh {
			out = append(out, m.Unix())
		}
	}
	return out
}

// minuteRanges turns sorted minute starts into an OR of ts ranges (adjacent minutes joined), so
// the exact recount reads only their granules through the primary key.
func minuteRanges(minutes []int64) (string, []any) {
	var cond []string
	var args []any
	for i := 0; i < len(minutes); {
		j := i
		for j+1 < len(minutes) && minutes[j+1] == minutes[j]+60 {
			j++
		}
		cond = append(cond, "(ts >= ? AND ts < ?)")
		args = append(args, time.Unix(minutes[i], 0).UTC(), time.Unix(minutes[j]+60, 0).UTC())
		i = j + 1
	}
	return strings.Join(cond, " OR "), args
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
		WHERE `+spanWhere+` AND type = 'click' AND user != '' GROUP BY product`, q.args())
}

// clickers runs sql (product, distinct users) into a map.
func (q reportQueries) clickers(ctx context.Context, sql string, args []any) (map[string]int64, error) {
	rows, err := q.ch.Query(ctx, sql, args...)
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

// sparseRows reads every row of the span's low-volume types — paid and refunded orders, ad spend
// and operator actions — from table (events, or report_sparse which holds just those rows,
// copies included) and sorts them out in Go: orders deduped by order id (the earliest paid event
// of an order counts), ad spend and actions deduped by id.
func (q reportQueries) sparseRows(ctx context.Context, table string, raw *rawData) error {
	seen := map[string]bool{}
	paid, refunded := make([]orderRow, 0, 1<<12), []orderRow{}
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

// scanOrders reads the paid and refunded order events of the span from table.
func (q reportQueries) scanOrders(ctx context.Context, table string, order func(status string, o orderRow)) error {
	rows, err := q.ch.Query(ctx, `SELECT order_id, status, user, product, amount, qty, ts, ts_ms FROM `+table+`
		PREWHERE type = 'order' AND status IN ('paid', 'refunded') WHERE `+spanWhere+reportSettings, q.args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o orderRow
		var status string
		var ts time.Time
		var ms uint16
		if err := rows.Scan(&o.order, &status, &o.user, &o.product, &o.amount, &o.qty, &ts, &ms); err != nil {
			return err
		}
		o.ts = ts.Add(time.Duration(ms) * time.Millisecond)
		if o.order == "" {
			continue // an order event without an order id cannot be counted once; ingest requires it
		}
		order(status, o)
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

// textCount is one distinct comment text and how many distinct comment events carried it.
type textCount struct {
	text string
	n    int64
}

// maxTexts caps the distinct comment texts classified for buyer questions (the most frequent).
const maxTexts = 50_000

// commentTexts counts comment events per distinct text: count(), less the stored copies found
// in dupMinutes.
func (q reportQueries) commentTexts(ctx context.Context, dupMinutes []int64) ([]textCount, bool, error) {
	return q.texts(ctx, fmt.Sprintf(`SELECT text, count() AS n FROM events WHERE `+spanWhere+`
		AND type = 'comment' AND text != '' GROUP BY text ORDER BY n DESC, text LIMIT %d`, maxTexts), q.args(), dupMinutes)
}

// texts runs sql (text, n: the most frequent maxTexts texts, stored copies counted) and takes off
// the copies found in dupMinutes.
func (q reportQueries) texts(ctx context.Context, sql string, args []any, dupMinutes []int64) ([]textCount, bool, error) {
	rows, err := q.ch.Query(ctx, sql, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []textCount
	at := map[string]int{}
	for rows.Next() {
		var t textCount
		var n uint64
		if err := rows.Scan(&t.text, &n); err != nil {
			return nil, false, err
		}
		t.n = int64(n)
		at[t.text] = len(out)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	err = q.copies(ctx, "type = 'comment' AND text != ''", "text", dupMinutes, func(key string, _ uint32, extra int64) {
		if i, ok := at[key]; ok {
			out[i].n -= extra
		}
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].n > out[j].n })
	return out, len(out) == maxTexts, err
}

// copies calls f with the number of stored copies beyond the first, per key (and second) among
// the rows of cond in minutes. It reads only those minutes.
func (q reportQueries) copies(ctx context.Context, cond, key string, minutes []int64, f func(key string, sec uint32, extra int64)) error {
	if len(minutes) == 0 {
		return nil
	}
	ranges, args := minuteRanges(minutes)
	rows, err := q.ch.Query(ctx, `SELECT `+key+`, toUInt32(ts) AS s, count() - uniqExact(id) AS extra FROM events
		WHERE `+spanWhere+` AND `+cond+` AND (`+ranges+`) GROUP BY `+key+`, s HAVING extra > 0`, append(q.args(), args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var sec uint32
		var extra int64
		if err := rows.Scan(&k, &sec, &extra); err != nil {
			return err
		}
		f(k, sec, extra)
	}
	return rows.Err()
}

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

// flagEvent is one row of the live engine's flag lifecycle.
type flagEvent struct {
	flag, rule, product, action, detail string
	ts                                  time.Time
}
