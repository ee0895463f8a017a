package stage

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestPinnedStockFromStoredLevels: a product known only from events, pinned with its stock event
// in the same batch (the simulator's order: pin, then stock) or a later one, shows the stored
// level on the prompter, not 0 (issue 15: 库存 0 已售罄 beside a control room saying 500).
func TestPinnedStockFromStoredLevels(t *testing.T) {
	_, conn := localtest.Database(t)
	ctx := context.Background()
	cat := catalog.NewCatalog(conn)
	a := &Actions{CH: conn, Catalog: cat}
	obs := ingest.Chain{&catalog.StockObserver{Catalog: cat, Listeners: []catalog.StockListener{a}}, a}
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	obs.Observe(ctx, "s1", []ingest.Event{
		{ID: "e1", Type: ingest.TypePin, Room: "r1", Product: "ev-1", Text: "冰丝阔腿裤", Amount: 5990, TS: t0},
		{ID: "e2", Type: ingest.TypeStock, Room: "r1", Product: "ev-1", Value: 500, TS: t0.Add(2 * time.Millisecond)},
	})
	stockOf := func() int64 {
		t.Helper()
		st, err := loadStage(ctx, a, "s1", "r1")
		if err != nil || st.Product == nil {
			b, _ := json.Marshal(st)
			t.Fatalf("stage: %s, %v", b, err)
		}
		return st.Product.Stock
	}
	if n := stockOf(); n != 500 {
		t.Fatalf("same batch: prompter stock %d, want 500", n)
	}
	obs.Observe(ctx, "s1", []ingest.Event{{ID: "e3", Type: ingest.TypeStock, Room: "r1", Product: "ev-1", Value: 7, TS: t0.Add(time.Second)}})
	if n := stockOf(); n != 7 {
		t.Fatalf("later stock event: prompter stock %d, want 7", n)
	}
	// A later pin of the same product reads the stored level (no stock event with it).
	obs.Observe(ctx, "s1", []ingest.Event{{ID: "e4", Type: ingest.TypeUnpin, Room: "r1", Product: "ev-1", TS: t0.Add(2 * time.Second)},
		{ID: "e5", Type: ingest.TypePin, Room: "r1", Product: "ev-1", Text: "冰丝阔腿裤", TS: t0.Add(3 * time.Second)}})
	if n := stockOf(); n != 7 {
		t.Fatalf("re-pinned: prompter stock %d, want 7", n)
	}
}
