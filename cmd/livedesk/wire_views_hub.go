package main

import (
	"context"
	"sync"

	"github.com/livedesk/livedesk/live"
)

// hubs holds each running Main's websocket hub (tests run several Mains in one process).
var hubs sync.Map // *Main → *live.Hub

// liveHub returns the instance's websocket hub, creating it on first use; it closes with m.
func (m *Main) liveHub(ctx context.Context) (*live.Hub, error) {
	if h, ok := hubs.Load(m); ok {
		return h.(*live.Hub), nil
	}
	h, err := live.NewHub(ctx, m.Redis, m.Log)
	if err != nil {
		return nil, err
	}
	hubs.Store(m, h)
	m.OnClose(func() { h.Close(); hubs.Delete(m) })
	return h, nil
}
