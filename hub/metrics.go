package hub

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Prometheus metrics of the hub, registered once per process on prometheus.DefaultRegisterer.
// The clients gauge reads Stats of every open Hub at scrape time (tests run several in one
// process); drops are counted where they happen.
var (
	_ = promauto.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "livedesk_hub_clients",
		Help: "Websocket clients connected to this instance's hub.",
	}, func() float64 {
		openHubs.mu.Lock()
		defer openHubs.mu.Unlock()
		n := 0
		for h := range openHubs.m {
			n += h.Stats().Clients
		}
		return float64(n)
	})

	droppedTotal = promauto.NewCounter(prometheus.CounterOpts{
		Name: "livedesk_hub_dropped_total",
		Help: "Websocket clients dropped for being too slow to take their messages.",
	})
)

// openHubs is the process's open hubs, which livedesk_hub_clients adds up.
var openHubs = struct {
	mu sync.Mutex
	m  map[*Hub]struct{}
}{m: map[*Hub]struct{}{}}

func track(h *Hub, open bool) {
	openHubs.mu.Lock()
	defer openHubs.mu.Unlock()
	if open {
		openHubs.m[h] = struct{}{}
	} else {
		delete(openHubs.m, h)
	}
}
