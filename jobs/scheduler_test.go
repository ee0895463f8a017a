package jobs

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// Two instances share ClickHouse and Redis; their clocks agree. Every scheduled run must happen
// on exactly one of them.
func TestTwoSchedulersRunEachJobOnce(t *testing.T) {
	_, conn := localtest.Database(t)
	_, rdb := localtest.Redis(t)
	store := NewStore(conn)
	start := sh(2026, 11, 20, 10, 4).Add(50 * time.Second)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	var clocks []*clockwork.FakeClock
	for i := 0; i < 2; i++ {
		clock := clockwork.NewFakeClockAt(start)
		clocks = append(clocks, clock)
		r := &Runner{Store: store, Registry: Default(), Clock: clock, Log: log,
			Location: func(string) *time.Location { return shanghai }}
		locker := NewRedisLocker(rdb, "ld:jobs:{test}:lock:")
		// The fake clocks move minutes in milliseconds of real time; hold locks for 1 s (real
		// deployments: 30 s, below the shortest schedule interval of 1 min).
		locker.MinHold = time.Second
		sc := &Scheduler{Runner: r, Locker: locker, Log: log,
			Shops: func(context.Context) ([]string, error) { return []string{shop}, nil }}
		if err := sc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sc.Stop)
		if got := sc.NextRun(shop, "unpaid"); !got.Equal(sh(2026, 11, 20, 10, 5)) {
			t.Fatalf("next unpaid run %s, want 10:05 shop time", got.In(shanghai))
		}
	}
	runs := func() map[string]uint64 {
		rows, err := conn.Query(context.Background(), `SELECT job, count() FROM job_runs FINAL
			WHERE shop = ? AND status = 'ok' GROUP BY job`, shop)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]uint64{}
		for rows.Next() {
			var j string
			var n uint64
			if err := rows.Scan(&j, &n); err != nil {
				t.Fatal(err)
			}
			out[j] = n
		}
		return out
	}
	waitFor := func(want map[string]uint64) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			got := runs()
			if equalCounts(got, want) {
				time.Sleep(300 * time.Millisecond) // a second run would land by now
				if got = runs(); !equalCounts(got, want) {
					t.Fatalf("runs %v, want %v", got, want)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("runs %v, want %v", got, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	advance := func(d time.Duration) {
		for _, c := range clocks {
			c.Advance(d)
		}
	}
	time.Sleep(200 * time.Millisecond) // let both schedulers arm their timers
	advance(10 * time.Second)          // 10:05:00: the */5 jobs
	waitFor(map[string]uint64{"unpaid": 1, "stock": 1})
	time.Sleep(1200 * time.Millisecond) // past MinHold
	advance(5 * time.Minute)            // 10:10:00: */5 and */10 jobs
	waitFor(map[string]uint64{"unpaid": 2, "stock": 2, "fraud": 1})
	time.Sleep(1200 * time.Millisecond)
	advance(5 * time.Minute) // 10:15:00: */5 and */15 jobs
	waitFor(map[string]uint64{"unpaid": 3, "stock": 3, "fraud": 1, "coupons": 1, "refunds": 1, "reviews": 1, "cs_reply": 1})
}

func equalCounts(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

func TestSettingsChangeSchedule(t *testing.T) {
	_, conn := localtest.Database(t)
	store := NewStore(conn)
	clock := clockwork.NewFakeClockAt(sh(2026, 11, 20, 10, 1))
	r := &Runner{Store: store, Registry: Default(), Clock: clock, Location: func(string) *time.Location { return shanghai }}
	sc := &Scheduler{Runner: r, Shops: func(context.Context) ([]string, error) { return []string{shop}, nil }}
	if err := sc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	st, err := r.Setting(context.Background(), shop, "stock")
	if err != nil {
		t.Fatal(err)
	}
	st.Schedule = "0 7 * * *"
	if err := StockJob().ValidateSetting(st); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSetting(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	un, _ := r.Setting(context.Background(), shop, "unpaid")
	un.Enabled = false
	if err := store.SaveSetting(context.Background(), un); err != nil {
		t.Fatal(err)
	}
	if err := sc.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := sc.NextRun(shop, "stock"); !got.Equal(sh(2026, 11, 21, 7, 0)) {
		t.Fatalf("stock next run %s", got.In(shanghai))
	}
	if got := sc.NextRun(shop, "unpaid"); !got.IsZero() {
		t.Fatalf("disabled job still scheduled at %s", got)
	}
	bad := st
	bad.Schedule = "every minute"
	if StockJob().ValidateSetting(bad) == nil {
		t.Fatal("bad schedule accepted")
	}
	bad = st
	bad.Params = Values{"soldout_below": "-3", "safety_stock": "20"}
	if StockJob().ValidateSetting(bad) == nil {
		t.Fatal("negative threshold accepted")
	}
}
