package main

import (
	"context"
	"sync"

	"github.com/livedesk/livedesk/live"
)

func init() { wiring = append(wiring, openReports) }

// reportsByMain holds each running Main's report service (tests run several Mains at once).
var reportsByMain sync.Map // *Main → *live.Reports

// openReports starts the post-stream report service: the live engine tells it when a session
// ends, ingest shows it every batch (late events trigger a rebuild), and its loop builds reports
// and sweeps for ended sessions without one.
func openReports(ctx context.Context, m *Main) error {
	_, err := m.sessionReports(ctx)
	return err
}

// sessionReports returns the instance's report service, starting it on first use.
func (m *Main) sessionReports(ctx context.Context) (*live.Reports, error) {
	if r, ok := reportsByMain.Load(m); ok {
		return r.(*live.Reports), nil
	}
	engine, err := m.liveEngine(ctx)
	if err != nil {
		return nil, err
	}
	store := &live.ReportStore{CH: m.CH}
	r := &live.Reports{
		Builder: &live.ReportBuilder{CH: m.CH, Products: live.NewCatalog(m.CH), Store: store},
		Store:   store,
		Redis:   m.Redis,
		Log:     m.Log,
	}
	engine.OnSessionEnded(r.SessionEnded)
	m.Ingest.Observers = append(m.Ingest.Observers, r)
	m.Writer.OnReplay(r.Replayed) // events acknowledged from the spool land after their 2xx
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(runCtx)
	}()
	reportsByMain.Store(m, r)
	m.OnClose(func() {
		cancel()
		<-done
		reportsByMain.Delete(m)
	})
	return r, nil
}
