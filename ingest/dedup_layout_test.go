package ingest

import (
	"encoding/hex"
	"math/rand/v2"
	"testing"
	"time"
)

// TestFingerprint: 12 bytes of SHA-256 of the id alone; the bucket bits are its first word.
func TestFingerprint(t *testing.T) {
	for _, c := range []struct{ id, hex string }{
		{"abc", "ba7816bf8f01cfea414140de"}, // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 …
		{"", "e3b0c44298fc1c149afbf4c8"},
		{"sim-1-room1-1", ""},
	} {
		fp := fingerprint(c.id)
		if len(fp) != fpBytes {
			t.Fatalf("%q: %d bytes", c.id, len(fp))
		}
		if c.hex != "" && hex.EncodeToString([]byte(fp)) != c.hex {
			t.Errorf("%q: %x, want %s", c.id, fp, c.hex)
		}
		if fingerprint(c.id) != fp {
			t.Errorf("%q: not deterministic", c.id)
		}
	}
	if w := fpWord(fingerprint("abc")); w != 0xba7816bf {
		t.Errorf("word %#x", w)
	}
}

// TestBucketOf: linear hashing addresses — below the split pointer a bucket uses one more bit.
func TestBucketOf(t *testing.T) {
	for _, c := range []struct {
		h    uint32
		l    uint
		s    uint64
		want uint64
	}{
		{0xffffffff, 0, 0, 0}, // one bucket
		{0b101, 0, 0, 0},
		{0b101, 1, 0, 1}, // two buckets
		{0b101, 2, 0, 1}, // four: 5 mod 4
		{0b101, 2, 1, 1}, // bucket 0 split; 1 is not yet
		{0b101, 2, 2, 5}, // bucket 1 split into 1 and 5
		{0b001, 2, 2, 1},
		{0b110, 2, 3, 6}, // buckets 0..2 split
		{0b010, 2, 3, 2},
		{0b011, 2, 3, 3}, // bucket 3 is next
		{0xabcdef12, 31, 0, 0xabcdef12 % (1 << 31)},
	} {
		if got := bucketOf(c.h, c.l, c.s); got != c.want {
			t.Errorf("bucketOf(%#b, %d, %d) = %d, want %d", c.h, c.l, c.s, got, c.want)
		}
	}
}

// TestSplit: splitting bucket s moves exactly the fields whose bit l is set to s + 2^l, leaves
// every other field where it was, and the addresses stay below the bucket count.
func TestSplit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		h := r.Uint32()
		l := uint(r.IntN(20))
		s := r.Uint64N(1 << l)
		before := bucketOf(h, l, s)
		l2, s2 := l, s+1
		if s2 == 1<<l {
			l2, s2 = l+1, 0
		}
		after := bucketOf(h, l2, s2)
		if before >= 1<<l+s || after >= 1<<l2+s2 {
			t.Fatalf("h %#x l %d s %d: bucket %d → %d beyond the count", h, l, s, before, after)
		}
		switch {
		case before != s && after != before:
			t.Fatalf("h %#x l %d s %d: bucket %d moved to %d by splitting %d", h, l, s, before, after, s)
		case before == s && splitMoves(h, l) && after != s+1<<l:
			t.Fatalf("h %#x l %d s %d: should move to %d, went to %d", h, l, s, s+1<<l, after)
		case before == s && !splitMoves(h, l) && after != s:
			t.Fatalf("h %#x l %d s %d: should stay, went to %d", h, l, s, after)
		}
	}
}

// TestGenerations: an id claimed at any moment is looked for at least DedupTTL and at most
// 1.5 × DedupTTL, and its generation's keys outlive the last claim that looks at them.
func TestGenerations(t *testing.T) {
	if generationLen(DedupTTL) != 24*time.Hour {
		t.Fatalf("generation %v", generationLen(DedupTTL))
	}
	base := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, claimed := range []time.Time{base, base.Add(time.Millisecond), base.Add(12 * time.Hour), base.Add(24*time.Hour - time.Millisecond)} {
		g := generationOf(claimed, DedupTTL)
		// The last moment a claim still looks in generation g.
		last := time.UnixMilli((g+dedupGenerations)*generationLen(DedupTTL).Milliseconds() - 1)
		if generationOf(last, DedupTTL)-g != dedupGenerations-1 || generationOf(last.Add(time.Millisecond), DedupTTL)-g != dedupGenerations {
			t.Fatalf("%v: last look at %v", claimed, last)
		}
		if kept := last.Sub(claimed); kept < DedupTTL-time.Millisecond || kept > DedupTTL*3/2 {
			t.Errorf("%v: remembered for %v", claimed, kept)
		}
		if expiry := claimed.Add(generationTTL(g, claimed, DedupTTL)); !expiry.After(last) {
			t.Errorf("%v: keys expire at %v, before the last look %v", claimed, expiry, last)
		}
		if idCountTTL(DedupTTL) < last.Sub(claimed) {
			t.Errorf("%v: counters expire before the ids they count", claimed)
		}
	}
}

// TestLookDepth: a claim looks in an older generation exactly when the id's first claim can have
// been made in it — at most depthMargin before the event's time — and never skips one that can.
func TestLookDepth(t *testing.T) {
	base := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC) // a generation's start
	g := generationOf(base.Add(5*time.Hour), DedupTTL)
	for _, tc := range []struct {
		ts   time.Time
		want int
	}{
		{base.Add(5 * time.Hour), 0},                  // live, late in the generation
		{base.Add(depthMargin), 0},                    // the first moment no older one can hold it
		{base.Add(depthMargin - time.Millisecond), 1}, // may have been claimed before base
		{base.Add(-time.Hour), 1},                     // yesterday's event
		{base.Add(-24*time.Hour + depthMargin), 1},    // claimed yesterday at the earliest
		{base.Add(-24*time.Hour + depthMargin - time.Millisecond), 2},
		{base.Add(-40 * time.Hour), 2},
		{time.Time{}, 2}, // no time: look everywhere
	} {
		if got := lookDepth(tc.ts, g, DedupTTL); got != tc.want {
			t.Errorf("ts %v: depth %d, want %d", tc.ts, got, tc.want)
		}
	}
	// Whatever the event time, the generation of any first claim made no earlier than
	// ts − depthMargin is within the depth.
	for h := -60; h <= 10; h++ {
		ts := base.Add(time.Duration(h)*time.Hour + 17*time.Minute)
		for _, lag := range []time.Duration{-depthMargin, -time.Hour, 0, 3 * time.Hour, 30 * time.Hour} {
			first := ts.Add(lag)
			fg := generationOf(first, DedupTTL)
			now := base.Add(5 * time.Hour)
			if first.After(now) || g-fg >= dedupGenerations {
				continue
			}
			if d := lookDepth(ts, g, DedupTTL); int64(d) < g-fg {
				t.Errorf("ts %v first claimed %v (generation −%d): depth %d", ts, first, g-fg, d)
			}
		}
	}
}
