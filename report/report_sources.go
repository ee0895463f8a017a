package report

import (
	"context"
	"sort"
	"time"

	"github.com/livedesk/livedesk"
)

// Traffic sources of a session: entries by source (the enter events' source, livedesk.Sources;
// "" = not given) over the session and per minute, and paid orders and GMV by the source their
// order events carry. Entries count once per event id; orders are the report's own paid orders
// (one per order, the headline's), so GMV by source adds up to the headline GMV.

// Sources is the session's traffic-source breakdown.
type Sources struct {
	Session []SourceRow    `json:"session"` // livedesk.Sources order, unsourced last; empty sources left out
	Minutes []SourceMinute `json:"minutes"` // minutes with entries, in time order
}

// SourceRow is one source over the session.
type SourceRow struct {
	Source   string         `json:"source"`
	Entries  int64          `json:"entries"`
	Share    livedesk.Ratio `json:"share"` // entries ÷ all entries
	Orders   int64          `json:"orders"`
	GMV      int64          `json:"gmv"`
	GMVShare livedesk.Ratio `json:"gmv_share"` // GMV ÷ session GMV
}

// SourceMinute is the entries of one minute by source.
type SourceMinute struct {
	T       time.Time        `json:"t"`
	Entries map[string]int64 `json:"entries"`
}

// sourceData is what the sources read gets from ClickHouse.
type sourceData struct {
	minutes map[int64]map[string]int64 // minute (unix s) → source → entries
	orders  map[string]string          // order id → the source its events name
}

// sources reads the span's entries by minute and source, and the source of each order that
// names one: from the rollups (rollupSources) when the minute groups came from them (rawMinutes
// non-nil), from events otherwise or with Builder.Previous.
func (q reportQueries) sources(ctx context.Context, groups []minuteGroup, rawMinutes map[int64]bool) (sourceData, error) {
	if rawMinutes == nil || q.previous {
		return q.rawSources(ctx)
	}
	return q.rollupSources(ctx, groups, rawMinutes)
}

// rawSources is sources read from events only.
func (q reportQueries) rawSources(ctx context.Context) (sourceData, error) {
	out := sourceData{minutes: map[int64]map[string]int64{}, orders: map[string]string{}}
	t := time.Now()
	if err := q.sourceEntries(ctx, &out, "1", nil); err != nil {
		return out, err
	}
	q.took("sources: entries", t)
	t = time.Now()
	err := q.orderSources(ctx, &out, "events WHERE type = 'order' AND source != '' AND ")
	q.took("sources: orders", t)
	return out, err
}

// sourceEntries adds the entries (once per event id) of the ts condition cond by minute and
// source to out.
func (q reportQueries) sourceEntries(ctx context.Context, out *sourceData, cond string, args []any) error {
	rows, err := q.ch.Query(ctx, `SELECT toStartOfMinute(ts) AS m, source, uniqExact(id)
		FROM events WHERE `+spanWhere+` AND type = 'enter' AND (`+cond+`) GROUP BY m, source`+reportSettings,
		append(q.args(), args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m time.Time
		var src string
		var n uint64
		if err := rows.Scan(&m, &src, &n); err != nil {
			return err
		}
		out.addEntries(m.Unix(), src, int64(n))
	}
	return rows.Err()
}

// addEntries counts n entries of source src in minute m (unix seconds).
func (d *sourceData) addEntries(m int64, src string, n int64) {
	if d.minutes[m] == nil {
		d.minutes[m] = map[string]int64{}
	}
	d.minutes[m][src] += n
}

// orderSources reads the source of each order of the span that names one from, a table and the
// start of its condition (the order events of events that name a source, or
// report_order_sources which holds just those rows, copies included).
func (q reportQueries) orderSources(ctx context.Context, out *sourceData, from string) error {
	rows, err := q.ch.Query(ctx, `SELECT order_id, any(source) FROM `+from+spanWhere+`
		GROUP BY order_id`+reportSettings, q.args()...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, src string
		if err := rows.Scan(&id, &src); err != nil {
			return err
		}
		out.orders[id] = src
	}
	return rows.Err()
}

// buildSources assembles the breakdown from the read and the report's paid orders.
func buildSources(d sourceData, paid []orderRow, gmv int64) *Sources {
	entries, orders, money := map[string]int64{}, map[string]int64{}, map[string]int64{}
	var total int64
	out := &Sources{Session: []SourceRow{}, Minutes: []SourceMinute{}}
	ms := make([]int64, 0, len(d.minutes))
	for m, by := range d.minutes {
		ms = append(ms, m)
		for s, n := range by {
			entries[s] += n
			total += n
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
	for _, m := range ms {
		out.Minutes = append(out.Minutes, SourceMinute{T: time.Unix(m, 0).UTC(), Entries: d.minutes[m]})
	}
	for _, o := range paid {
		s := d.orders[o.order]
		orders[s]++
		money[s] += o.amount
	}
	for _, s := range append(append([]string{}, livedesk.Sources...), "") {
		if entries[s] == 0 && orders[s] == 0 {
			continue
		}
		out.Session = append(out.Session, SourceRow{Source: s, Entries: entries[s],
			Share:  livedesk.NewRatio(float64(entries[s]), float64(total), 1),
			Orders: orders[s], GMV: money[s], GMVShare: livedesk.NewRatio(float64(money[s]), float64(gmv), 1)})
	}
	return out
}

// sourceLabels are the sources sheet's words (added to reportLabels).
var sourceLabels = map[string][2]string{
	"sources":         {"流量来源", "Traffic sources"},
	"source":          {"来源", "Source"},
	"entries":         {"进房", "Entries"},
	"entry_share":     {"进房占比", "Share of entries"},
	"gmv_share":       {"成交占比", "Share of GMV"},
	"sources_minutes": {"每分钟进房（按来源）", "Entries per minute by source"},
	"sources_none":    {"本场进房与订单未带流量来源", "No entry or order of this session named a traffic source"},
}

func init() {
	for k, v := range sourceLabels {
		reportLabels[k] = v
	}
}

// sourcesSheet writes the traffic sources to sheet s: one row per source over the session
// (entries and share, paid orders, GMV and share), then the entries of each minute by source.
func (x *xlsxWriter) sourcesSheet(s string) error {
	src := x.r.Sources
	if src == nil || len(src.Session) == 0 {
		return x.put(s, 1, []any{x.label("sources_none")}, nil, nil)
	}
	if err := x.header(s, "source", "entries", "entry_share", "orders", "gmv", "gmv_share"); err != nil {
		return err
	}
	row := 2
	cols := make([]string, 0, len(src.Session))
	for _, sr := range src.Session {
		cols = append(cols, sr.Source)
		if err := x.put(s, row, []any{livedesk.SourceLabel(sr.Source, x.lang), sr.Entries, rateCell(sr.Share), sr.Orders,
			x.cash(sr.GMV), rateCell(sr.GMVShare)}, []int{5}, []int{3, 6}); err != nil {
			return err
		}
		row++
	}
	row++
	if err := x.put(s, row, []any{x.label("sources_minutes")}, nil, nil); err != nil {
		return err
	}
	if err := x.styleCell(s, 1, row, x.bold); err != nil {
		return err
	}
	row++
	head := []any{x.label("minute")}
	for _, c := range cols {
		head = append(head, livedesk.SourceLabel(c, x.lang))
	}
	if err := x.put(s, row, head, nil, nil); err != nil {
		return err
	}
	for _, m := range src.Minutes {
		row++
		cells := []any{m.T.In(x.loc).Format("2006-01-02 15:04")}
		for _, c := range cols {
			cells = append(cells, m.Entries[c])
		}
		if err := x.put(s, row, cells, nil, nil); err != nil {
			return err
		}
	}
	return x.colWidths(s, []string{"A"}, []float64{18})
}
