package main

import (
	"context"

	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/platform"
)

// liveRooms tells the 千川 poller which rooms of a shop have a live session (platform.LiveRooms
// over the engine).
type liveRooms struct{ e *live.Engine }

func (l liveRooms) LiveRooms(ctx context.Context, shop string) ([]platform.LiveRoom, error) {
	rooms, err := l.e.Rooms(ctx, shop)
	if err != nil {
		return nil, err
	}
	var out []platform.LiveRoom
	for _, r := range rooms {
		if r.State != live.StateLive {
			continue
		}
		s, ok, err := l.e.CurrentSession(ctx, shop, r.Room)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, platform.LiveRoom{Room: r.Room, Started: s.Started})
		}
	}
	return out, nil
}

// openQianchuan starts the 千川 poller (after the platform part, with the engine's sessions).
func (m *Main) openQianchuan() {
	q := &platform.QianchuanPoller{Integrations: m.Integrations, Totals: m.Totals, Live: liveRooms{m.Engine},
		Stats: m.Hooks.Stats, Redis: m.Redis, Log: m.Log, AllowPrivate: m.Config.OutboundPrivate}
	m.onClose(goRun(q.Run))
}
