package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/livedesk/livedesk"
)

// Run triggers.
const (
	TriggerSchedule = "schedule"
	TriggerManual   = "manual"
)

// ErrUnknownJob is returned for a job name that is not registered.
var ErrUnknownJob = errors.New("jobs: unknown job")

// Runner runs one job for one shop: it loads the shop's setting, runs the check at the clock's
// now, reconciles tasks, records the run in job_runs and delivers notifications.
type Runner struct {
	Store    *Store
	Registry *Registry
	Clock    clockwork.Clock                     // real clock when nil
	Location func(shop string) *time.Location    // the shop's zone (shops.Settings.Zone); UTC when nil
	Currency func(shop string) livedesk.Currency // the shop's currency (shops.Settings.Currency); CNY when nil
	Catalog  Catalog                             // products and preset cues for the recaps and the compliance scan; may be nil
	Words    WordSource                          // banned words and qualifications (compliance.Store); may be nil
	// Titles gives the titles of a shop's products by id, read once per run, so tasks name a
	// product by its title with the id beside it (nil or an error: ids alone).
	Titles    func(ctx context.Context, shop string) (map[string]string, error)
	Publisher Publisher // may be nil
	Webhooks  *Webhooks // may be nil
	Log       *slog.Logger
	// Serialize, when set, makes runs of the same (shop, job) wait for each other across
	// instances (a "run now" during a scheduled run), so the second sees the first's tasks and
	// nothing is announced twice. See RedisSerializer.
	Serialize func(ctx context.Context, key string) (unlock func(), err error)
}

// Now returns the runner's clock time in UTC.
func (r *Runner) Now() time.Time {
	if r.Clock == nil {
		return time.Now().UTC()
	}
	return r.Clock.Now().UTC()
}

func (r *Runner) loc(shop string) *time.Location {
	if r.Location != nil {
		if l := r.Location(shop); l != nil {
			return l
		}
	}
	return time.UTC
}

func (r *Runner) currency(shop string) livedesk.Currency {
	if r.Currency != nil {
		return r.Currency(shop)
	}
	return livedesk.CurrencyOf("")
}

// Zone returns shop's time zone as the runner uses it.
func (r *Runner) Zone(shop string) *time.Location { return r.loc(shop) }

// CurrencyOf returns shop's currency as the runner uses it.
func (r *Runner) CurrencyOf(shop string) livedesk.Currency { return r.currency(shop) }

// Setting returns shop's setting of job with defaults filled in.
func (r *Runner) Setting(ctx context.Context, shop, job string) (Setting, error) {
	j, ok := r.Registry.Get(job)
	if !ok {
		return Setting{}, fmt.Errorf("%w %q", ErrUnknownJob, job)
	}
	sts, err := r.Store.Settings(ctx, shop)
	if err != nil {
		return Setting{}, err
	}
	return j.SettingIn(shop, sts), nil
}

// Run runs job for shop now and returns the finished run record. A check error is recorded in
// the run (status error) and returned.
func (r *Runner) Run(ctx context.Context, shop, job, trigger string) (Run, error) {
	j, ok := r.Registry.Get(job)
	if !ok {
		return Run{}, fmt.Errorf("%w %q", ErrUnknownJob, job)
	}
	if r.Serialize != nil {
		unlock, err := r.Serialize(ctx, "{"+shop+"}/"+job)
		if err != nil {
			return Run{}, fmt.Errorf("jobs: wait for the running %s: %w", job, err)
		}
		defer unlock()
	}
	st, err := r.Setting(ctx, shop, job)
	if err != nil {
		return Run{}, err
	}
	now := r.Now()
	run := Run{Shop: shop, Job: job, ID: newID(), Started: now, Status: "running", Trigger: trigger, Version: 1}
	if err := r.Store.SaveRun(ctx, run); err != nil {
		return run, err
	}
	env := &Env{Shop: shop, Loc: r.loc(shop), Currency: r.currency(shop), Now: now, Params: st.Params, Store: r.Store,
		Catalog: r.Catalog, Words: r.Words}
	if r.Titles != nil {
		titles, terr := r.Titles(ctx, shop)
		if terr != nil {
			r.log().Warn("jobs: product titles", "shop", shop, "err", terr)
		}
		env.Titles = titles
	}
	plan, f, err := r.check(ctx, j, env)
	run.Ended, run.Version = r.Now(), 2
	if run.Ended.Before(run.Started) {
		run.Ended = run.Started
	}
	if err != nil {
		run.Status, run.Error = "error", err.Error()
		r.log().Error("jobs: run failed", "shop", shop, "job", job, "err", err)
	} else {
		run.Status = "ok"
		run.Found = uint32(max(f.Found, len(f.Tasks)))
		run.Opened, run.Closed = uint32(plan.Opened), uint32(plan.Closed)
		run.Summary = f.Summary
	}
	jobRuns.WithLabelValues(job, run.Status).Inc()
	if serr := r.Store.SaveRun(context.WithoutCancel(ctx), run); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return run, err
	}
	for _, t := range plan.Notify {
		r.deliver(ctx, shop, taskNotification(job, t))
	}
	for _, n := range f.Notify {
		if n.Job == "" {
			n.Job = job
		}
		r.deliver(ctx, shop, n)
	}
	for _, p := range f.Publish {
		if r.Publisher == nil {
			continue
		}
		if perr := r.Publisher.PublishShop(ctx, shop, p.Kind, p.Body); perr != nil {
			r.log().Warn("jobs: publish", "shop", shop, "kind", p.Kind, "err", perr)
		}
	}
	return run, nil
}

// check runs the job's check and writes the resulting task changes.
func (r *Runner) check(ctx context.Context, j *Job, env *Env) (Plan, Findings, error) {
	f, err := j.Check(ctx, env)
	if err != nil {
		return Plan{}, f, fmt.Errorf("jobs: %s: %w", j.Name, err)
	}
	if len(j.TaskTypes) == 0 {
		return Plan{}, f, nil
	}
	ids := make([]string, len(f.Tasks))
	for i, s := range f.Tasks {
		ids[i] = s.ID()
	}
	existing, err := r.Store.liveTasks(ctx, env.Shop, j.TaskTypes, ids)
	if err != nil {
		return Plan{}, f, err
	}
	plan := Reconcile(env.Shop, env.Now, f.Tasks, existing, f.Covers)
	if err := r.Store.SaveTasks(ctx, plan.Writes); err != nil {
		return Plan{}, f, err
	}
	return plan, f, nil
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// MarkDone closes a task on a person's word.
func (r *Runner) MarkDone(ctx context.Context, shop, id, user string) (Task, error) {
	return r.update(ctx, shop, id, func(t *Task) {
		t.Status, t.ClosedBy, t.SnoozedUntil = StatusDone, user, time.Time{}
	})
}

// Snooze hides a task until until; the next run after that reopens it if its condition holds.
func (r *Runner) Snooze(ctx context.Context, shop, id string, until time.Time) (Task, error) {
	return r.update(ctx, shop, id, func(t *Task) {
		t.Status, t.SnoozedUntil = StatusSnoozed, until.UTC().Truncate(time.Second)
	})
}

// ErrNoTask is returned when a shop has no task with the given id.
var ErrNoTask = &livedesk.Error{Code: livedesk.ENOTFOUND, Key: "error.notfound", Message: "jobs: no such task"}

func (r *Runner) update(ctx context.Context, shop, id string, f func(*Task)) (Task, error) {
	t, ok, err := r.Store.Task(ctx, shop, id)
	if err != nil {
		return Task{}, err
	}
	if !ok {
		return Task{}, ErrNoTask
	}
	f(&t)
	t.Updated, t.Version = r.Now(), nextVersion(t.Version)
	return t, r.Store.SaveTasks(ctx, []Task{t})
}

// SoldOut returns the shop's 即将售罄 list now, with the shop's own threshold (the stock job's
// soldout_below), for pages that render stock server-side such as the control room's products.
func (r *Runner) SoldOut(ctx context.Context, shop string) ([]LowStock, error) {
	st, err := r.Setting(ctx, shop, "stock")
	if err != nil {
		return nil, err
	}
	return r.Store.SoldOut(ctx, shop, st.Params.Int("soldout_below"), r.Now())
}
