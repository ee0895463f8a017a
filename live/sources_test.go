package live

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

func sharesText(ss []SourceShare) string {
	out := ""
	for _, s := range ss {
		out += fmt.Sprintf("%s=%d/%.0f/%.0f ", s.Source, s.Entries, s.Share.Num, s.Share.Den)
	}
	return out
}

func TestCountsShares(t *testing.T) {
	for _, c := range []struct {
		in   counts
		want string
	}{
		{counts{}, ""},
		{counts{Entries: 4}, "=4/4/4 "},
		{counts{Entries: 5, Sources: map[string]int64{"paid": 1, "feed": 3}}, "feed=3/3/5 paid=1/1/5 =1/1/5 "},
		{counts{Entries: 2, Sources: map[string]int64{"search": 2}}, "search=2/2/2 "},
	} {
		if got := sharesText(c.in.shares()); got != c.want {
			t.Errorf("%+v: %q, want %q", c.in, got, c.want)
		}
	}
}

// TestSourceSharesInTick: entries by source over the window and the session, the session's
// closed minutes settled from ClickHouse, and the same shares after Redis was lost.
func TestSourceSharesInTick(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	enter := func(at time.Duration, user, source string) ingest.Event {
		e := te.ev(ingest.TypeEnter, at, user, "")
		e.Source = source
		return e
	}
	te.feed(
		enter(10*time.Second, "a", "feed"), enter(11*time.Second, "b", "feed"), enter(12*time.Second, "c", "feed"),
		enter(13*time.Second, "d", "paid"), enter(14*time.Second, "e", "paid"), enter(15*time.Second, "f", ""),
		enter(6*time.Minute+5*time.Second, "g", "search"), enter(6*time.Minute+6*time.Second, "h", "search"),
		enter(6*time.Minute+7*time.Second, "i", "feed"), enter(6*time.Minute+8*time.Second, "a", "feed"),
	)
	te.at(6*time.Minute + 30*time.Second)
	s := te.tick()
	if got, want := sharesText(s.Sources.Last), "feed=2/2/4 search=2/2/4 "; got != want {
		t.Errorf("window shares %q, want %q", got, want)
	}
	wantSession := "feed=5/5/10 search=2/2/10 paid=2/2/10 =1/1/10 "
	if got := sharesText(s.Sources.Session); got != wantSession {
		t.Errorf("session shares %q, want %q", got, wantSession)
	}
	if m := te.minutes(); len(m) == 0 || !m[0].Exact {
		t.Fatalf("minute 0 not settled: %+v", m)
	}
	s = te.tick() // the settled (ClickHouse) minute 0 now stands in for the Redis one
	if got := sharesText(s.Sources.Session); got != wantSession {
		t.Errorf("session shares from settled minutes %q, want %q", got, wantSession)
	}
	if err := te.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	te.e.lastLoad = time.Time{}
	s = te.tick()
	if got := sharesText(s.Sources.Session); got != wantSession {
		t.Errorf("session shares after rebuild %q, want %q", got, wantSession)
	}
	if got, want := sharesText(s.Sources.Last), "feed=2/2/4 search=2/2/4 "; got != want {
		t.Errorf("window shares after rebuild %q, want %q", got, want)
	}
}
