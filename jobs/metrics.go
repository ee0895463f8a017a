package jobs

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Prometheus metrics of the jobs, registered once per process on prometheus.DefaultRegisterer.
// job is a registered job's name and status "ok" or "error": closed sets, never a shop.
var (
	jobRuns = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "livedesk_job_runs_total",
		Help: "Finished job runs by job and status (ok, error).",
	}, []string{"job", "status"})

	webhookFailures = promauto.NewCounter(prometheus.CounterOpts{
		Name: "livedesk_webhook_failures_total",
		Help: "Group-bot notifications not delivered after every retry.",
	})
)

func init() {
	// Every job's series exist from the start (at 0), so rates and dashboards see them before
	// the first run.
	for _, j := range Default().All() {
		for _, status := range []string{"ok", "error"} {
			jobRuns.WithLabelValues(j.Name, status)
		}
	}
}
