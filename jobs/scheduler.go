package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"
)

// Scheduler keeps one gocron cron job per enabled (shop, job), re-reading the settings every
// SyncEvery, and runs them through the Runner. With a Locker shared by all instances each
// scheduled run happens on one instance only.
type Scheduler struct {
	Runner    *Runner
	Locker    gocron.Locker                               // nil runs every job locally (single instance)
	Shops     func(ctx context.Context) ([]string, error) // shops beyond those with job settings (ingest.Keys.Shops)
	SyncEvery time.Duration                               // default 1 min
	Log       *slog.Logger

	s       gocron.Scheduler
	mu      sync.Mutex
	entries map[string]entry // by gocron job name "{shop}/job"
	ctx     context.Context
	cancel  context.CancelFunc
}

type entry struct {
	id       uuid.UUID
	schedule string
}

// Start builds the gocron scheduler on the runner's clock, loads the jobs and starts them.
func (sc *Scheduler) Start(ctx context.Context) error {
	clock := sc.Runner.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	opts := []gocron.SchedulerOption{gocron.WithClock(clock), gocron.WithStopTimeout(30 * time.Second)}
	if sc.Locker != nil {
		opts = append(opts, gocron.WithDistributedLocker(sc.Locker))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return fmt.Errorf("jobs: new scheduler: %w", err)
	}
	sc.s = s
	sc.entries = map[string]entry{}
	sc.ctx, sc.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if err := sc.Sync(ctx); err != nil {
		return err
	}
	every := sc.SyncEvery
	if every <= 0 {
		every = time.Minute
	}
	// The sync runs on every instance (no lock): each keeps its own job list current.
	if _, err := s.NewJob(gocron.DurationJob(every), gocron.NewTask(func() {
		if err := sc.Sync(sc.ctx); err != nil {
			sc.log().Warn("jobs: sync schedules", "err", err)
		}
	}), gocron.WithName("livedesk/sync"), gocron.WithDisabledDistributedJobLocker(true),
		gocron.WithSingletonMode(gocron.LimitModeReschedule)); err != nil {
		return fmt.Errorf("jobs: schedule sync: %w", err)
	}
	s.Start()
	return nil
}

// Sync makes the scheduled jobs match the stored settings of every shop.
func (sc *Scheduler) Sync(ctx context.Context) error {
	shops, err := sc.shops(ctx)
	if err != nil {
		return err
	}
	want := map[string]entry{}
	type target struct{ shop, job string }
	targets := map[string]target{}
	for _, shop := range shops {
		sts, err := sc.Runner.Store.Settings(ctx, shop)
		if err != nil {
			return err
		}
		loc := sc.Runner.loc(shop)
		for _, j := range sc.Runner.Registry.All() {
			st := j.SettingIn(shop, sts)
			if !st.Enabled {
				continue
			}
			name := "{" + shop + "}/" + j.Name // the hash tag keeps a shop's lock keys on one Redis slot
			want[name] = entry{schedule: "CRON_TZ=" + loc.String() + " " + st.Schedule}
			targets[name] = target{shop, j.Name}
		}
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for name, e := range sc.entries {
		if w, ok := want[name]; ok && w.schedule == e.schedule {
			continue
		}
		if err := sc.s.RemoveJob(e.id); err != nil {
			sc.log().Warn("jobs: remove job", "job", name, "err", err)
		}
		delete(sc.entries, name)
	}
	for name, w := range want {
		if _, ok := sc.entries[name]; ok {
			continue
		}
		t := targets[name]
		j, err := sc.s.NewJob(gocron.CronJob(w.schedule, false), gocron.NewTask(sc.runScheduled, t.shop, t.job),
			gocron.WithName(name), gocron.WithSingletonMode(gocron.LimitModeReschedule))
		if err != nil {
			sc.log().Warn("jobs: schedule job", "job", name, "schedule", w.schedule, "err", err)
			continue
		}
		sc.entries[name] = entry{id: j.ID(), schedule: w.schedule}
	}
	return nil
}

func (sc *Scheduler) runScheduled(shop, job string) {
	ctx, cancel := context.WithTimeout(sc.ctx, 5*time.Minute)
	defer cancel()
	if _, err := sc.Runner.Run(ctx, shop, job, TriggerSchedule); err != nil {
		sc.log().Warn("jobs: scheduled run", "shop", shop, "job", job, "err", err)
	}
}

// NextRun returns when shop's job runs next on this instance (zero when not scheduled).
func (sc *Scheduler) NextRun(shop, job string) time.Time {
	sc.mu.Lock()
	e, ok := sc.entries["{"+shop+"}/"+job]
	sc.mu.Unlock()
	if !ok || sc.s == nil {
		return time.Time{}
	}
	for _, j := range sc.s.Jobs() {
		if j.ID() == e.id {
			t, err := j.NextRun()
			if err != nil {
				return time.Time{}
			}
			return t
		}
	}
	return time.Time{}
}

// shops lists the shops to schedule: those Shops names and those with job settings.
func (sc *Scheduler) shops(ctx context.Context) ([]string, error) {
	out, err := sc.Runner.Store.Shops(ctx)
	if err != nil || sc.Shops == nil {
		return out, err
	}
	more, err := sc.Shops(ctx)
	if err != nil {
		return nil, err
	}
	out = append(out, more...)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Stop stops scheduling and waits for running jobs (up to the stop timeout).
func (sc *Scheduler) Stop() {
	if sc.s == nil {
		return
	}
	if err := sc.s.Shutdown(); err != nil {
		sc.log().Warn("jobs: scheduler shutdown", "err", err)
	}
	sc.cancel()
}

func (sc *Scheduler) log() *slog.Logger {
	if sc.Log == nil {
		return slog.Default()
	}
	return sc.Log
}
