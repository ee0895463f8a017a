package report

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/live"
)

// flagWindow is how far before and after a raised flag the report looks.
const flagWindow = 5 * time.Minute

// readFlagEvents reads the flag lifecycle rows of the session (the live engine's flag_events),
// one per (flag, action, ts).
func readFlagEvents(ctx context.Context, ch driver.Conn, span SessionSpan) ([]flagEvent, error) {
	rows, err := ch.Query(ctx, `SELECT flag, any(rule), any(product), action, any(detail), ts
		FROM flag_events WHERE shop = ? AND room = ? AND session = ?
		GROUP BY flag, action, ts ORDER BY ts, flag`, span.Shop, span.Room, span.Session)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []flagEvent
	for rows.Next() {
		var f flagEvent
		if err := rows.Scan(&f.flag, &f.rule, &f.product, &f.action, &f.detail, &f.ts); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// flagRows turns lifecycle rows into one row per raised flag with what was done and the
// product's figures in the 5 minutes before and after it was raised (cut to the session).
func flagRows(span SessionSpan, events []flagEvent, sec secondData, orders []orderRow) []FlagRow {
	out := raisedFlags(events)
	for i := range out {
		f := &out[i]
		before, at, after := flagWindows(span, f.Raised)
		f.Before = window(f.Product, before, at, sec, orders)
		f.After = window(f.Product, at, after, sec, orders)
	}
	return out
}

// flagWindows is the 5 minutes before and after raised, cut to the session: [before, raised)
// and [raised, after).
func flagWindows(span SessionSpan, raised time.Time) (before, at, after time.Time) {
	return clampTime(raised.Add(-flagWindow), span), raised, clampTime(raised.Add(flagWindow), span)
}

// raisedFlags is one row per raised flag (raised truncated to the second, actions in time order,
// in order of raising), its windows not counted yet.
func raisedFlags(events []flagEvent) []FlagRow {
	byID := map[string]*FlagRow{}
	var order []string
	for _, e := range events {
		f := byID[e.flag]
		if f == nil {
			f = &FlagRow{ID: e.flag, Actions: []FlagAction{}}
			byID[e.flag] = f
			order = append(order, e.flag)
		}
		if e.rule != "" {
			f.Rule = e.rule
		}
		if e.product != "" {
			f.Product = e.product
		}
		if e.action == "raised" {
			if f.Raised.IsZero() || e.ts.Before(f.Raised) {
				f.Raised, f.Detail = e.ts.UTC(), e.detail
				var d live.RaisedDetail
				if json.Unmarshal([]byte(e.detail), &d) == nil {
					f.Name, f.Topic = d.Name, d.Topic
				}
			}
			continue
		}
		f.Actions = append(f.Actions, FlagAction{At: e.ts.UTC(), Action: e.action, Detail: e.detail})
	}
	out := []FlagRow{}
	for _, id := range order {
		f := byID[id]
		if f.Raised.IsZero() {
			continue // only acted on, never raised in this session
		}
		f.Raised = f.Raised.Truncate(time.Second)
		sort.SliceStable(f.Actions, func(i, j int) bool { return f.Actions[i].At.Before(f.Actions[j].At) })
		out = append(out, *f)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Raised.Before(out[j].Raised) })
	return out
}

func clampTime(t time.Time, span SessionSpan) time.Time {
	if t.Before(span.Start) {
		return span.Start
	}
	if t.After(span.End) {
		return span.End
	}
	return t
}
