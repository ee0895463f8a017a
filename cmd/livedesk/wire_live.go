package main

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/views"
)

func init() { wiring = append(wiring, openLive) }

// enginesByMain holds each running Main's live engine (tests run several Mains in one process).
var enginesByMain sync.Map // *Main → *live.Engine

// openLive starts the live engine: its counters observe every ingest batch, and its tick loop
// (leader-elected across instances) publishes each room's snapshot every second.
func openLive(ctx context.Context, m *Main) error {
	_, err := m.liveEngine(ctx)
	return err
}

// liveEngine returns the instance's live engine, building and starting it on first use. Other
// areas subscribe to it here (the report builder: OnSessionEnded).
func (m *Main) liveEngine(ctx context.Context) (*live.Engine, error) {
	if e, ok := enginesByMain.Load(m); ok {
		return e.(*live.Engine), nil
	}
	hub, err := m.liveHub(ctx)
	if err != nil {
		return nil, err
	}
	e := live.NewEngine(m.Redis, m.CH, hub, m.Log)
	m.Ingest.Observers = append(m.Ingest.Observers, e.Counters())
	// Events acknowledged from the spool reach ClickHouse later: minutes settled meanwhile are
	// computed again.
	m.Writer.OnReplay(e.Counters().Replayed)
	// Operator actions record flag responses against the engine's flags.
	actions, err := m.catalogActions(ctx)
	if err != nil {
		return nil, err
	}
	actions.Flags = e
	// The stage is the one source of the pinned product: it tells the tick every change, and
	// gives it back after Redis was lost.
	actions.Pins = e
	e.Stages = actions
	e.Catalog = actions.Catalog // stock of products no stock event reported yet
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(runCtx)
	}()
	enginesByMain.Store(m, e)
	m.OnClose(func() {
		cancel()
		<-done
		enginesByMain.Delete(m)
	})
	return e, nil
}

// roomControl adapts the engine to the control room's views.RoomControl.
func (m *Main) roomControl(ctx context.Context) (views.RoomControl, error) {
	e, err := m.liveEngine(ctx)
	if err != nil {
		return nil, err
	}
	return roomControl{e}, nil
}

// roomControl maps the views' calls (and error values) onto live.Engine.
type roomControl struct{ e *live.Engine }

func (r roomControl) StartSession(ctx context.Context, shop, room, by string) error {
	_, err := r.e.StartSession(ctx, shop, room)
	return err
}

func (r roomControl) EndSession(ctx context.Context, shop, room, by string) error {
	_, err := r.e.EndSession(ctx, shop, room)
	if errors.Is(err, live.ErrNotFound) {
		return nil
	}
	return err
}

func (r roomControl) AcknowledgeFlag(ctx context.Context, shop, room, flagID, by string) error {
	return flagErr(r.e.AckFlag(ctx, shop, room, flagID, by))
}

func (r roomControl) SnoozeFlag(ctx context.Context, shop, room, flagID, by string, d time.Duration) error {
	return flagErr(r.e.SnoozeFlag(ctx, shop, room, flagID, d, by))
}

func flagErr(err error) error {
	if errors.Is(err, live.ErrNoFlag) {
		return views.ErrNoFlag
	}
	return err
}
