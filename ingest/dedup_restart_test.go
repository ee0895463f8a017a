package ingest

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/schema/localdb"
)

// TestDuplicatesAfterRedisRestart: Redis runs without persistence and restarts between two
// deliveries of the same ids. The lost epoch sends the second delivery's ids to ClickHouse, so
// the resent events are duplicates and only the new ones are stored.
func TestDuplicatesAfterRedisRestart(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	first := lines("r", 300)
	if code, res := h.post(key, first); code != 200 || num(res, "accepted") != 300 {
		t.Fatalf("first delivery: %d %v", code, res)
	}
	if err := h.writer.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A new shop had nothing to forget: its first epoch is settled at once (no ClickHouse check).
	if age := h.epochAge("s1"); age < DedupTTL {
		t.Fatalf("a new shop's epoch is %v old; want settled (≥ %v)", age, DedupTTL)
	}

	h.redis.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := localdb.StartRedis(ctx, t.TempDir(), h.redis.Port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Stop)
	h.redis = rs
	if n, _ := h.rdb.DBSize(ctx).Result(); n != 0 {
		t.Fatalf("the restarted Redis kept %d keys; the test needs an empty one", n)
	}

	// The same 300 again, with 100 new ones.
	second := append(append([]byte{}, first...), lines("new", 100)...)
	code, res := h.post(key, second)
	if code != 200 || num(res, "accepted") != 100 || num(res, "duplicates") != 300 {
		t.Fatalf("delivery after the restart: %d %v", code, res)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1'"); n != 400 {
		t.Fatalf("%d rows stored, want 400", n)
	}
	if age := h.epochAge("s1"); age >= time.Hour {
		t.Fatalf("after the restart the epoch is %v old; want a young one", age)
	}
	// The ids ClickHouse vouched for are remembered in Redis again: a third delivery is
	// answered there.
	if code, res := h.post(key, second); code != 200 || num(res, "accepted") != 0 || num(res, "duplicates") != 400 {
		t.Fatalf("third delivery: %d %v", code, res)
	}
}

// TestDedupEpochAge: a young epoch (Redis forgot, or the shop is new) checks new ids in
// ClickHouse; one older than the TTL trusts Redis alone.
func TestDedupEpochAge(t *testing.T) {
	d := &Dedup{ttl: DedupTTL}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ms := func(t time.Time) any { return epochLayout + itoa(t.UnixMilli()) }
	for _, c := range []struct {
		name  string
		epoch any
		want  bool
	}{
		{"just began", ms(now), true},
		{"an hour old", ms(now.Add(-time.Hour)), true},
		{"one TTL old", ms(now.Add(-DedupTTL)), false},
		{"a week old", ms(now.Add(-7 * 24 * time.Hour)), false},
		{"unreadable", "x", true},
		{"the former layout's", itoa(now.Add(-7 * 24 * time.Hour).UnixMilli()), true},
		{"missing", nil, true},
	} {
		if got := d.young(c.epoch, now); got != c.want {
			t.Errorf("%s: young = %v, want %v", c.name, got, c.want)
		}
	}
}

// epochAge is how old the shop's dedup epoch is.
func (h *harness) epochAge(shop string) time.Duration {
	h.t.Helper()
	v, err := h.rdb.Get(context.Background(), epochKey(shop)).Result()
	if err != nil {
		h.t.Fatal(err)
	}
	ms, err := strconv.ParseInt(strings.TrimPrefix(v, epochLayout), 10, 64)
	if err != nil {
		h.t.Fatal(err)
	}
	return time.Since(time.UnixMilli(ms))
}
