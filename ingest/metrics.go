package ingest

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Prometheus metrics of ingest, registered once per process on prometheus.DefaultRegisterer
// (several servers in one test process share them; the gauges add up every open Writer). Labels
// are closed sets: a result name or an HTTP status code, never a shop, user or id.
var (
	eventsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "livedesk_ingest_events_total",
		Help: "Events answered by the ingest API and stream, by result: accepted, duplicate, rejected.",
	}, []string{"result"})
	// Curried once so that counting a request allocates nothing.
	eventsAccepted  = eventsTotal.WithLabelValues("accepted")
	eventsDuplicate = eventsTotal.WithLabelValues("duplicate")
	eventsRejected  = eventsTotal.WithLabelValues("rejected")

	requestsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "livedesk_ingest_requests_total",
		Help: "POST /api/v1/events requests by HTTP status code.",
	}, []string{"code"})
	// The codes the handler answers with, curried once (and exported as 0 from the start).
	requestsByCode = func() map[int]prometheus.Counter {
		m := map[int]prometheus.Counter{}
		for _, code := range []int{200, 400, 401, 403, 413, 429, 500, 503} {
			m[code] = requestsTotal.WithLabelValues(strconv.Itoa(code))
		}
		return m
	}()

	ackSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "livedesk_ingest_ack_seconds",
		Help:    "Time from an events request's arrival to its 200 acknowledgement (events durable and observed).",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	})

	quotaRejections = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "livedesk_ingest_quota_rejections_total",
		Help: "Requests refused (429) because their shop was over an ingest quota, by limit: rate (events per second) or memory (Redis held for the shop's dedup).",
	}, []string{"limit"})

	deadRows = promauto.NewCounter(prometheus.CounterOpts{
		Name: "livedesk_ingest_dead_letter_rows_total",
		Help: "Acknowledged events ClickHouse refused for their content, moved to the dead letters (livedesk dead-letter list).",
	})

	insertRows = promauto.NewCounter(prometheus.CounterOpts{
		Name: "livedesk_clickhouse_insert_rows_total",
		Help: "Event rows inserted into ClickHouse, directly or replayed from the spool.",
	})

	_ = promauto.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "livedesk_ingest_spool_bytes",
		Help: "Bytes of spooled batches waiting to be replayed into ClickHouse (all open writers).",
	}, func() float64 { return float64(openWriters.sum(func(w *Writer) int64 { return w.spool.bytes() })) })

	_ = promauto.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "livedesk_ingest_writer_queued_events",
		Help: "Events handed to the writer and not yet in ClickHouse: queued for an INSERT or spilled and waiting for the replayer (the backlog MaxQueued bounds).",
	}, func() float64 {
		return float64(openWriters.sum(func(w *Writer) int64 { return w.queued.Load() + w.spilled.Load() }))
	})
)

// countResult adds one answered request's events to livedesk_ingest_events_total.
func countResult(res Result) {
	if res.Accepted > 0 {
		eventsAccepted.Add(float64(res.Accepted))
	}
	if res.Duplicates > 0 {
		eventsDuplicate.Add(float64(res.Duplicates))
	}
	if res.Rejected > 0 {
		eventsRejected.Add(float64(res.Rejected))
	}
}

// measure counts an events request by its final status and times its acknowledgement. It runs
// before authentication, so refused keys are counted too.
func measure(c *fiber.Ctx) error {
	err := c.Next()
	code := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			code = fe.Code
		} else {
			code = fiber.StatusInternalServerError
		}
	}
	if code == fiber.StatusOK {
		ackSeconds.Observe(time.Since(c.Context().Time()).Seconds())
	}
	if ctr, ok := requestsByCode[code]; ok {
		ctr.Inc()
	} else {
		requestsTotal.WithLabelValues(strconv.Itoa(code)).Inc()
	}
	return err
}

// writerSet is the process's open writers, which the gauges read at scrape time.
type writerSet struct {
	mu sync.Mutex
	m  map[*Writer]struct{}
}

var openWriters = &writerSet{m: map[*Writer]struct{}{}}

func (s *writerSet) add(w *Writer) {
	s.mu.Lock()
	s.m[w] = struct{}{}
	s.mu.Unlock()
}

func (s *writerSet) remove(w *Writer) {
	s.mu.Lock()
	delete(s.m, w)
	s.mu.Unlock()
}

func (s *writerSet) sum(f func(*Writer) int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for w := range s.m {
		n += f(w)
	}
	return n
}

// bytes is the size of the spooled batches (complete files; read at scrape time, not tracked).
func (s *Spool) bytes() int64 {
	files, _ := filepath.Glob(filepath.Join(s.dir, "*.ndjson"))
	var n int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			n += fi.Size()
		}
	}
	return n
}
