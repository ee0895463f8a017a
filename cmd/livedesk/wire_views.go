package main

import (
	"context"
	"fmt"
	"time"

	"github.com/bsm/redislock"

	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/views"
)

func init() { wiring = append(wiring, openViews) }

// openViews mounts the pages: logins, the room list, the control room and the sockets.
func openViews(ctx context.Context, m *Main) error {
	secret, err := live.Secret(ctx, m.CH, "session", m.secretLock)
	if err != nil {
		return err
	}
	hub, err := m.liveHub(ctx)
	if err != nil {
		return err
	}
	actions, err := m.catalogActions(ctx)
	if err != nil {
		return err
	}
	sched, err := m.jobScheduler(ctx)
	if err != nil {
		return err
	}
	control, err := m.roomControl(ctx)
	if err != nil {
		return err
	}
	engine, err := m.liveEngine(ctx)
	if err != nil {
		return err
	}
	s := &views.Server{
		Jobs:          sched,
		Users:         live.NewUsers(m.CH),
		Redis:         m.Redis,
		CH:            m.CH,
		Hub:           hub,
		Actions:       actions,
		Control:       control,
		States:        engine,
		Titles:        catalogTitles{actions.Catalog},
		Log:           m.Log,
		Location:      m.Config.Location,
		SecureCookies: m.Config.SecureCookies,
		BaseURL:       m.Config.BaseURL,
		Secret:        secret,
	}
	s.Register(m.App)
	return nil
}

// catalogTitles gives the control room the catalog's product titles.
type catalogTitles struct{ c *live.Catalog }

// Titles returns id → title of every product of shop.
func (t catalogTitles) Titles(ctx context.Context, shop string) (map[string]string, error) {
	ps, err := t.c.List(ctx, shop)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		out[p.ID] = p.Title
	}
	return out, nil
}

// secretLock serialises the creation of shared secrets across instances.
func (m *Main) secretLock(ctx context.Context) (func(), error) {
	lock, err := redislock.New(m.Redis).Obtain(ctx, "ld:auth:lock:secret", 30*time.Second, &redislock.Options{
		RetryStrategy: redislock.LimitRetry(redislock.LinearBackoff(100*time.Millisecond), 300),
	})
	if err != nil {
		return nil, fmt.Errorf("secret lock: %w", err)
	}
	return func() { _ = lock.Release(context.Background()) }, nil
}
