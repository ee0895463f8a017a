package report

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestReportRollupsEqualRaw: the report read from the rollups is identical, field for field, to
// the one read from the raw events only, on a span that starts and ends inside minutes and hours,
// with merged (proven clean) minutes and with copies stored after the merge; and to the one built
// the previous way (Builder.Previous).
func TestReportRollupsEqualRaw(t *testing.T) {
	ctx := context.Background()
	_, ch := localtest.Database(t)
	start := time.Date(2026, 11, 20, 12, 41, 17, 0, time.UTC)
	span := SessionSpan{Shop: "s1", Room: "r1", Session: "sess1", Start: start, End: start.Add(37*time.Minute + 29*time.Second)}
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
	build := func(forceRaw, previous bool) []byte {
		b := &Builder{CH: ch, Now: func() time.Time { return start }, forceRaw: forceRaw, Previous: previous}
		r, err := b.Build(ctx, span)
		if err != nil {
			t.Fatal(err)
		}
		if r.Quality.Duplicates != int64(len(late)) {
			t.Errorf("duplicates %d, stored copies %d", r.Quality.Duplicates, len(late))
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
