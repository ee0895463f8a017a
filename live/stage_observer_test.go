package live

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/stage"
)

// TestIngestedStageEvents: pin, cue, flash_sale and unpin events posted through the ingest API
// (not the console) change the prompter's stage, and the tick's pinned product is the stage's —
// also for a late, older pin (ignored by both), a console pin after an API pin, and after Redis
// was lost.
func TestIngestedStageEvents(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if err := te.act.Catalog.Save(ctx, "s1", []catalog.Product{{ID: "p1", Title: "纯棉T恤", Price: 1990, Stock: 120, Points: []string{"纯棉"}},
		{ID: "p2", Title: "卫衣", Price: 8900, Stock: 12}}); err != nil {
		t.Fatal(err)
	}
	post := func(body string) {
		t.Helper()
		res, err := te.svc.Ingest(ctx, "s1", []byte(body))
		if err != nil || res.Accepted == 0 {
			t.Fatalf("ingest %s: %+v %v", body, res, err)
		}
	}
	stage := func() stage.Stage {
		t.Helper()
		st, err := te.act.Stage(ctx, "s1", "r1")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	ms := func(d time.Duration) int64 { return testBase.Add(d).UnixMilli() }
	te.feed(te.ev(ingest.TypeClick, time.Second, "u1", "p1")) // the room is live
	te.at(2 * time.Second)

	post(`{"id":"a1","type":"pin","room":"r1","product":"p1","ts":` + itoa(ms(time.Second)) + `}`)
	if st := stage(); st.Product == nil || st.Product.ID != "p1" || st.Product.Title != "纯棉T恤" || st.PinnedAt != ms(time.Second) {
		t.Fatalf("stage after an API pin: %+v", st.Product)
	}
	if s := te.tick(); s.Pinned != "p1" {
		t.Fatalf("tick pinned %q, stage p1", s.Pinned)
	}
	// A pin stamped before the current one (late delivery) changes neither.
	post(`{"id":"a2","type":"pin","room":"r1","product":"p2","ts":` + itoa(ms(500*time.Millisecond)) + `}`)
	if st := stage(); st.Product.ID != "p1" {
		t.Fatalf("a late pin moved the stage to %s", st.Product.ID)
	}
	if s := te.tick(); s.Pinned != "p1" {
		t.Fatalf("a late pin moved the tick to %q", s.Pinned)
	}
	// A product the catalog does not know: shown from the event's own fields.
	post(`{"id":"a3","type":"pin","room":"r1","product":"x9","text":"外部商品","amount":500,"ts":` + itoa(ms(3*time.Second)) + `}`)
	post(`{"id":"a4","type":"cue","room":"r1","text":"强调尺码","user":"adapter","ts":` + itoa(ms(4*time.Second)) + `}` + "\n" +
		`{"id":"a5","type":"flash_sale","room":"r1","product":"p2","amount":5900,"qty":30,"value":180,"ts":` + itoa(ms(4*time.Second)) + `}`)
	st := stage()
	if st.Product == nil || st.Product.ID != "x9" || st.Product.Title != "外部商品" || st.Product.Price != 500 || st.Product.LowStock {
		t.Fatalf("pin of an unknown product: %+v", st.Product)
	}
	if st.Cue == nil || st.Cue.Text != "强调尺码" || st.Cue.ID != "a4" || st.Cue.Acked {
		t.Fatalf("cue: %+v", st.Cue)
	}
	if f := st.FlashSale; f == nil || f.Title != "卫衣" || f.Price != 5900 || f.Qty != 30 || f.Ends-f.Started != 180_000 {
		t.Fatalf("flash sale: %+v", st.FlashSale)
	}
	// The console pins after that: applied once (no second stage change from its own event).
	te.at(5 * time.Second)
	if _, err := te.act.Pin(ctx, "s1", "r1", "p2", "ops"); err != nil {
		t.Fatal(err)
	}
	if s := te.tick(); s.Pinned != "p2" || stage().Product.ID != "p2" {
		t.Fatalf("console pin: tick %q", s.Pinned)
	}
	// Redis is lost: the rebuilt room still shows the stage's product.
	if err := te.rdb.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	te.e.lastLoad = time.Time{}
	if s := te.tick(); s.Pinned != "p2" {
		t.Fatalf("after Redis loss: tick pinned %q", s.Pinned)
	}
	// An API unpin clears both.
	post(`{"id":"a6","type":"unpin","room":"r1","product":"p2","ts":` + itoa(ms(6*time.Second)) + `}`)
	te.at(7 * time.Second)
	if s := te.tick(); s.Pinned != "" || stage().Product != nil {
		t.Fatalf("unpin: tick %q stage %+v", s.Pinned, stage().Product)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
