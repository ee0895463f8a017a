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
