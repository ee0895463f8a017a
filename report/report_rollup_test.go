package report

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestReportRollupsEqualRaw: the report read from the rollups is identical, field for field, to
// the one read from the raw events only, on spans that start and end inside minutes and hours
// (one within an hour, one over whole hours, one over midnight), with merged (proven clean)
// minutes, copies stored after the merge and raised flags; and to the one built the previous way
// (Builder.Previous).
func TestReportRollupsEqualRaw(t *testing.T) {
	for _, c := range []struct {
		name  string
		start time.Time
		dur   time.Duration
	}{
		{"within an hour", time.Date(2026, 11, 20, 12, 41, 17, 0, time.UTC), 37*time.Minute + 29*time.Second},
		{"whole hours", time.Date(2026, 11, 20, 11, 37, 10, 0, time.UTC), 2*time.Hour + 45*time.Minute + 40*time.Second},
		{"over midnight", time.Date(2026, 11, 20, 22, 50, 5, 0, time.UTC), 2*time.Hour + 20*time.Minute + 25*time.Second},
	} {
		t.Run(c.name, func(t *testing.T) { checkRollupsEqualRaw(t, c.start, c.dur) })
	}
}

// checkRollupsEqualRaw builds the report of a generated session in [start, start+dur) the three
// ways and compares them.
func checkRollupsEqualRaw(t *testing.T, start time.Time, dur time.Duration) {
	ctx := context.Background()
	_, ch := localtest.Database(t)
	span := SessionSpan{Shop: "s1", Room: "r1", Session: "sess1", Start: start, End: start.Add(dur)}
	f := makeFixture(3, span, 8000)
	insertRaw(t, ch, "b1", f.events)
	insertRaw(t, ch, "b3", outside(span))
	if err := ch.Exec(ctx, "OPTIMIZE TABLE events FINAL"); err != nil {
		t.Fatal(err)
	}
	var late []ingest.Event // copies in minutes 20–25 only, stored after the merge
	for _, e := range f.dups {
		if d := e.TS.Sub(span.Start); d >= 20*time.Minute && d < 25*time.Minute {
			late = append(late, e)
		}
	}
	if len(late) == 0 {
		t.Fatal("no copies")
	}
	insertRaw(t, ch, "b2", late)
	fb, err := ch.PrepareBatch(ctx, "INSERT INTO flag_events (shop, room, session, flag, rule, product, action, ts, ts_ms, detail, actor)")
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range []time.Duration{70 * time.Second, 10*time.Minute + 17*time.Second, dur - 2*time.Minute} {
		if err := fb.Append("s1", "r1", "sess1", fmt.Sprintf("f%d", i), "no_sale", fmt.Sprintf("p%d", i+2), "raised", span.Start.Add(at), uint16(0), "", "op"); err != nil {
			t.Fatal(err)
		}
	}
	if err := fb.Send(); err != nil {
		t.Fatal(err)
	}
	build := func(forceRaw, previous bool) []byte {
		b := &Builder{CH: ch, Now: func() time.Time { return start }, forceRaw: forceRaw, Previous: previous}
		r, err := b.Build(ctx, span)
		if err != nil {
			t.Fatal(err)
		}
		if r.Quality.Duplicates != int64(len(late)) {
			t.Errorf("duplicates %d, stored copies %d", r.Quality.Duplicates, len(late))
		}
		if len(r.Flags) != 3 {
			t.Errorf("flags %d, want 3", len(r.Flags))
		}
		r.Steps, r.BuildMillis = nil, 0
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	fast, raw, previous := build(false, false), build(true, false), build(false, true)
	if string(fast) != string(raw) {
		t.Errorf("rollup report differs from the raw one:\n%s\n%s", fast, raw)
	}
	if string(fast) != string(previous) {
		t.Errorf("report differs from the one built the previous way:\n%s\n%s", fast, previous)
	}
}
