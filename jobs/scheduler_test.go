package jobs

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
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
	var timers []int // gocron timers each instance arms: one per job
	locks := &lockLog{tries: map[string]int{}, taken: map[string]int{}, released: map[string]int{}}
	for i := 0; i < 2; i++ {
		clock := clockwork.NewFakeClockAt(start)
		clocks = append(clocks, clock)
		r := &Runner{Store: store, Registry: Default(), Clock: clock, Log: log,
			Location: func(string) *time.Location { return shanghai }}
		locker := NewRedisLocker(rdb, "ld:jobs:{test}:lock:")
		// The fake clocks move minutes in milliseconds of real time; hold locks for 1 s (real
		// deployments: 30 s, below the shortest schedule interval of 1 min).
		locker.MinHold = time.Second
		sc := &Scheduler{Runner: r, Locker: loggedLocker{locker, locks}, Log: log,
			Shops: func(context.Context) ([]string, error) { return []string{shop}, nil }}
		if err := sc.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sc.Stop)
		if got := sc.NextRun(shop, "unpaid"); !got.Equal(sh(2026, 11, 20, 10, 5)) {
			t.Fatalf("next unpaid run %s, want 10:05 shop time", got.In(shanghai))
		}
		sc.mu.Lock()
		timers = append(timers, len(sc.entries)+1) // the shop's jobs and the settings sync
		sc.mu.Unlock()
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
	// waitFor waits until both instances have tried the lock of every due run (want counts the
	// runs so far: each is tried once per instance) and every run that took a lock has ended.
	// No second run can start after that, so the counts in job_runs are final: exactly want.
	waitFor := func(want map[string]uint64) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !locks.settled(want, len(clocks)) {
			if time.Now().After(deadline) {
				t.Fatalf("lock tries %v, taken %v, released %v; want each due run tried by %d instances and its lock released (runs %v)",
					locks.snapshot(locks.tries), locks.snapshot(locks.taken), locks.snapshot(locks.released), len(clocks), want)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for job, n := range want {
			if got := locks.snapshot(locks.taken)["{"+shop+"}/"+job]; got != int(n) {
				t.Errorf("%s: lock taken %d times, want %d", job, got, n)
			}
		}
		if got := runs(); !equalCounts(got, want) {
			t.Fatalf("runs %v, want %v", got, want)
		}
	}
	// locksExpired waits for the run locks, held MinHold of real time, to leave Redis: a run due
	// sooner would find its lock taken on both instances.
	locksExpired := func() {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			keys, err := rdb.Keys(context.Background(), "ld:jobs:{test}:lock:*").Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("run locks still held: %v", keys)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// advance moves both clocks once both schedulers have armed their timers.
	advance := func(d time.Duration) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		for i, c := range clocks {
			if err := c.BlockUntilContext(ctx, timers[i]); err != nil {
				t.Fatalf("instance %d never armed its %d timers: %v", i, timers[i], err)
			}
		}
		for _, c := range clocks {
			c.Advance(d)
		}
	}
	advance(10 * time.Second) // 10:05:00: the */5 jobs
	waitFor(map[string]uint64{"unpaid": 1, "stock": 1})
	locksExpired()
	advance(5 * time.Minute) // 10:10:00: */5 and */10 jobs
	waitFor(map[string]uint64{"unpaid": 2, "stock": 2, "fraud": 1})
	locksExpired()
	advance(5 * time.Minute) // 10:15:00: */5 and */15 jobs
	waitFor(map[string]uint64{"unpaid": 3, "stock": 3, "fraud": 1, "coupons": 1, "refunds": 1, "reviews": 1, "cs_reply": 1})
}

// lockLog records, by gocron job name, the run locks the instances tried, took and released.
type lockLog struct {
	mu                     sync.Mutex
	tries, taken, released map[string]int
}

// settled reports whether every due run was tried by each of the instances, no other job was
// tried, and every lock taken was released (a run releases its lock once it has ended).
func (l *lockLog) settled(want map[string]uint64, instances int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, n := range l.tries {
		if n != instances*int(want[strings.TrimPrefix(key, "{"+shop+"}/")]) {
			return false
		}
	}
	for job, n := range want {
		if l.tries["{"+shop+"}/"+job] != instances*int(n) {
			return false
		}
	}
	for key, n := range l.taken {
		if l.released[key] != n {
			return false
		}
	}
	return true
}

func (l *lockLog) snapshot(m map[string]int) map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// loggedLocker is an instance's locker, recording into a lockLog shared by the instances.
type loggedLocker struct {
	gocron.Locker
	log *lockLog
}

func (l loggedLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	lk, err := l.Locker.Lock(ctx, key)
	l.log.mu.Lock()
	defer l.log.mu.Unlock()
	l.log.tries[key]++
	if err != nil {
		return nil, err
	}
	l.log.taken[key]++
	return loggedLock{lk, l.log, key}, nil
}

type loggedLock struct {
	gocron.Lock
	log *lockLog
	key string
}

func (l loggedLock) Unlock(ctx context.Context) error {
	err := l.Lock.Unlock(ctx)
	l.log.mu.Lock()
	l.log.released[l.key]++
	l.log.mu.Unlock()
	return err
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
