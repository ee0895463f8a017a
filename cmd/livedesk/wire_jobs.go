package main

import (
	"context"
	"sync"
	"time"

	"github.com/livedesk/livedesk/jobs"
)

func init() { wiring = append(wiring, openJobs) }

// jobsByMain holds each running Main's job scheduler (tests run several Mains at once).
var jobsByMain sync.Map // *Main → *jobs.Scheduler

// openJobs starts the daily-workflow scheduler; it stops (waiting for running jobs) when m closes.
func openJobs(ctx context.Context, m *Main) error {
	_, err := m.jobScheduler(ctx)
	return err
}

// jobScheduler returns the instance's job scheduler, starting it on first use. Notifications
// go to open pages through the hub and to each shop's group-bot webhook; scheduled runs are
// locked in Redis so that each happens on one instance.
func (m *Main) jobScheduler(ctx context.Context) (*jobs.Scheduler, error) {
	if sc, ok := jobsByMain.Load(m); ok {
		return sc.(*jobs.Scheduler), nil
	}
	hub, err := m.liveHub(ctx)
	if err != nil {
		return nil, err
	}
	store := jobs.NewStore(m.CH)
	hooks := &jobs.Webhooks{Store: store, Log: m.Log}
	loc := m.Config.Location
	runner := &jobs.Runner{Store: store, Registry: jobs.Default(), Publisher: hub, Webhooks: hooks, Log: m.Log,
		Location:  func(string) *time.Location { return loc },
		Serialize: jobs.RedisSerializer(m.Redis, "ld:jobs:run:", 2*time.Minute)}
	sc := &jobs.Scheduler{Runner: runner, Locker: jobs.NewRedisLocker(m.Redis, "ld:jobs:lock:"), Log: m.Log}
	if err := sc.Start(ctx); err != nil {
		return nil, err
	}
	jobsByMain.Store(m, sc)
	m.OnClose(func() {
		sc.Stop()
		hooks.Close()
		jobsByMain.Delete(m)
	})
	return sc, nil
}
