package main

import (
	"context"
	"sync"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/live"
)

func init() { wiring = append(wiring, openCatalog) }

// actionsByMain holds each running Main's operator actions (tests run several Mains at once).
var actionsByMain sync.Map // *Main → *live.Actions

// openCatalog builds the catalog and the operator actions and makes `stock` events update the
// catalog (one write per round of queued batches) and the prompter of rooms presenting the product.
func openCatalog(ctx context.Context, m *Main) error {
	_, err := m.catalogActions(ctx)
	return err
}

// catalogActions returns the instance's operator actions, building them on first use: stage
// changes go out through the hub; flag responses go to the live engine when it records them.
// observeEvery paces the stage and stock observers (see ingest.AsyncObserver).
const observeEvery = 100 * time.Millisecond

func (m *Main) catalogActions(ctx context.Context) (*live.Actions, error) {
	if a, ok := actionsByMain.Load(m); ok {
		return a.(*live.Actions), nil
	}
	hub, err := m.liveHub(ctx)
	if err != nil {
		return nil, err
	}
	cat := live.NewCatalog(m.CH)
	a := &live.Actions{CH: m.CH, Catalog: cat, Recorder: m.Ingest, Publisher: hub, Log: m.Log}
	// a itself observes pin/unpin/flash_sale/cue/coupon events posted through the ingest API
	// (simulator, platform adapters), so the prompter's stage follows them too. Both observers
	// write to ClickHouse, so they run off the acknowledgement path (their state is rebuilt from
	// the durable events); Close drains them before the writer closes.
	// Each runs at most every observeEvery, on everything queued meanwhile: one ClickHouse round
	// per shop for hundreds of requests under load, and at most that much delay on a quiet one.
	stock := ingest.NewAsyncObserver(&live.StockObserver{Catalog: cat, Listeners: []live.StockListener{a}, Log: m.Log},
		ingest.AsyncOptions{Keep: func(_ context.Context, e *ingest.Event) bool { return e.Type == ingest.TypeStock && e.Product != "" },
			Every: observeEvery, Log: m.Log})
	stage := ingest.NewAsyncObserver(a, ingest.AsyncOptions{Keep: a.Wants, Every: observeEvery, Log: m.Log})
	m.Ingest.Observers = append(m.Ingest.Observers, stock, stage)
	m.OnClose(stock.Close)
	m.OnClose(stage.Close)
	actionsByMain.Store(m, a)
	m.OnClose(func() { actionsByMain.Delete(m) })
	return a, nil
}
