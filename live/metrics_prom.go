package live

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Prometheus metrics of the engine (metrics.go holds the product's metrics: CTR, GPM…),
// registered once per process on prometheus.DefaultRegisterer. Rule labels are the rule
// constants, a closed set.
var (
	tickSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "livedesk_tick_seconds",
		Help:    "Duration of one leader tick over every active room (observed only on the leader).",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	})

	batchTickSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "livedesk_batch_tick_seconds",
		Help:    "Duration of one room's tick started by a batch of its events (leader only).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	})

	flagsRaised = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "livedesk_flags_raised_total",
		Help: "Flags raised by the engine's rules, by rule.",
	}, []string{"rule"})
)

func init() {
	for _, r := range []string{RuleNoSale, RuleOnlineDrop, RuleLowROI, RuleLowStock} {
		flagsRaised.WithLabelValues(r) // exported as 0 before the first flag
	}
}
