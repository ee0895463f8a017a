package live

import (
	"testing"
	"time"
)

func TestBucketStart(t *testing.T) {
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ts   time.Time
		span int64
		want time.Time
	}{
		{base, 10, base},
		{base.Add(9999 * time.Millisecond), 10, base},
		{base.Add(10 * time.Second), 10, base.Add(10 * time.Second)},
		{base.Add(59 * time.Second), 60, base},
		{base.Add(61 * time.Second), 60, base.Add(time.Minute)},
		{time.Unix(-5, 0), 10, time.Unix(-10, 0)},
	} {
		if got := bucketStart(c.ts, c.span); got != c.want.Unix() {
			t.Errorf("bucketStart(%v, %d) = %v, want %v", c.ts, c.span, time.Unix(got, 0).UTC(), c.want)
		}
	}
}

func TestWindows(t *testing.T) {
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	u := func(d time.Duration) int64 { return base.Add(d).Unix() }
	for _, c := range []struct {
		name       string
		now, from  time.Time
		window     time.Duration
		last, prev span
	}{
		{"no session clip", base.Add(10*time.Minute + 3*time.Second), time.Time{}, 5 * time.Minute,
			span{u(5*time.Minute + 10*time.Second), u(10*time.Minute + 10*time.Second)},
			span{u(10 * time.Second), u(5*time.Minute + 10*time.Second)}},
		{"session started 2 minutes ago: no previous window", base.Add(10 * time.Minute), base.Add(8 * time.Minute), 5 * time.Minute,
			span{u(8 * time.Minute), u(10*time.Minute + 10*time.Second)},
			span{u(8 * time.Minute), u(8 * time.Minute)}},
		{"previous window partly in session", base.Add(10 * time.Minute), base.Add(3*time.Minute + 15*time.Second), 5 * time.Minute,
			span{u(5*time.Minute + 10*time.Second), u(10*time.Minute + 10*time.Second)},
			span{u(3*time.Minute + 10*time.Second), u(5*time.Minute + 10*time.Second)}},
		{"window rounded to 10 s", base.Add(time.Hour), time.Time{}, 65 * time.Second,
			span{u(time.Hour - 50*time.Second), u(time.Hour + 10*time.Second)},
			span{u(time.Hour - 110*time.Second), u(time.Hour - 50*time.Second)}},
	} {
		last, prev := windows(c.now, c.from, c.window)
		if last != c.last || prev != c.prev {
			t.Errorf("%s: windows = %v %v, want %v %v", c.name, last, prev, c.last, c.prev)
		}
		if n := len(last.buckets(spanFine)); c.from.IsZero() && int64(n) != int64(c.window/time.Second)/10 {
			t.Errorf("%s: %d buckets in the last window", c.name, n)
		}
	}
}

func TestSessionMinutes(t *testing.T) {
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	s := sessionMinutes(base.Add(30*time.Second), base.Add(3*time.Minute+1*time.Second))
	if got := len(s.buckets(spanMinute)); got != 4 {
		t.Fatalf("%d minutes, want 4 (3 closed + the current)", got)
	}
	if s.From != base.Unix() {
		t.Fatalf("first minute %v", time.Unix(s.From, 0))
	}
}
