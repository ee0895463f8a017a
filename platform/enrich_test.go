package platform

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestMain(m *testing.M) { os.Exit(localtest.Run(m)) }

// recorder is a Submitter keeping events by id (a duplicate id is not stored twice).
type recorder struct {
	mu     sync.Mutex
	events map[string]ingest.Event
}

func (r *recorder) Submit(_ context.Context, events []ingest.Event) (ingest.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.events == nil {
		r.events = map[string]ingest.Event{}
	}
	var res ingest.Result
	for _, e := range events {
		if _, ok := r.events[e.ID]; ok {
			res.Duplicates++
			continue
		}
		r.events[e.ID] = e
		res.Accepted++
	}
	return res, nil
}

func (r *recorder) get(id string) (ingest.Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.events[id]
	return e, ok
}

// fakeAPI answers like the documented order-detail APIs, checking each call's signature with
// its own copy of the app secret; mode switches to a failure.
type fakeAPI struct {
	secret string
	mode   atomic.Value // "", "slow", "429", "badsign"
	calls  atomic.Int64
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	mode, _ := f.mode.Load().(string)
	switch mode {
	case "slow":
		time.Sleep(time.Second)
	case "429":
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	q := r.URL.Query()
	switch r.URL.Path {
	case "/order/orderDetail":
		body, _ := io.ReadAll(r.Body)
		if DoudianAPISign(q.Get("app_key"), f.secret, q.Get("method"), q.Get("param_json"), q.Get("timestamp")) != q.Get("sign") || mode == "badsign" {
			io.WriteString(w, `{"code":30002,"msg":"签名错误","data":{}}`)
			return
		}
		var p struct {
			ID string `json:"shop_order_id"`
		}
		_ = json.Unmarshal(body, &p)
		io.WriteString(w, `{"code":10000,"msg":"success","data":{"shop_order_detail":{"order_id":"`+p.ID+`","pay_amount":1990,
			"sku_order_list":[{"order_id":"4881995531871913483","product_id":3473196049974326153,"item_num":2,"pay_amount":1500,"room_id":"r1","author_id":1},
			{"order_id":"4881995531871913484","product_id":"3473196049974326154","item_num":1,"pay_amount":490,"room_id":"0"}]}}}`)
	case "/order/202309/orders":
		if TikTokAPISign(f.secret, r.URL.Path, q, nil) != q.Get("sign") || mode == "badsign" {
			io.WriteString(w, `{"code":106001,"message":"Invalid sign","data":{}}`)
			return
		}
		io.WriteString(w, `{"code":0,"message":"Success","data":{"orders":[{"id":"`+q.Get("ids")+`","status":"AWAITING_SHIPMENT",
			"payment":{"total_amount":"25.98","currency":"USD"},
			"line_items":[{"id":"li1","product_id":"1729","sku_id":"s1","sale_price":"12.99"},{"id":"li2","product_id":"1729","sku_id":"s1","sale_price":"12.99"}]}]}}`)
	default:
		http.NotFound(w, r)
	}
}

func newEnricher(t *testing.T, api *fakeAPI) (*Enricher, *recorder, *Integrations) {
	_, conn := localtest.Database(t)
	_, rc := localtest.Redis(t)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	sealer, _ := NewSealer([]byte(strings.Repeat("s", 32)))
	ints := NewIntegrations(conn, sealer)
	ctx := context.Background()
	for _, in := range []Integration{
		{Shop: "shop1", Platform: Doudian, AppKey: "app-123", Secret: "secret-456", APIURL: srv.URL},
		{Shop: "shop1", Platform: TikTok, AppKey: "tts-app-key", Secret: "tts-secret", APIURL: srv.URL},
	} {
		if err := ints.Put(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	e := &Enricher{Integrations: ints, Events: rec, Redis: rc, Stats: &Stats{Redis: rc},
		Client: &http.Client{Timeout: 300 * time.Millisecond}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		MinGap: time.Millisecond, Backoff: 50 * time.Millisecond, MaxAttempts: 3}
	return e, rec, ints
}

func TestIntegrationsStore(t *testing.T) {
	api := &fakeAPI{secret: "secret-456"}
	_, _, ints := newEnricher(t, api)
	ctx := context.Background()
	in, ok, err := ints.Get(ctx, "shop1", Doudian)
	if err != nil || !ok || in.Secret != "secret-456" || in.AppKey != "app-123" {
		t.Fatalf("get: %+v %v %v", in, ok, err)
	}
	list, err := ints.List(ctx, "shop1")
	if err != nil || len(list) != 2 || list[0].Secret != MaskedSecret {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := ints.Put(ctx, Integration{Shop: "shop1", Platform: "taobao", AppKey: "k", Secret: "s"}); err == nil || !strings.Contains(err.Error(), "platform") {
		t.Fatalf("bad platform: %v", err)
	}
	if err := ints.Put(ctx, Integration{Shop: "shop1", Platform: TikTok, AppKey: "k", Secret: "s", APIURL: "ftp://x"}); err == nil || !strings.Contains(err.Error(), "API URL") {
		t.Fatalf("bad url: %v", err)
	}
	if err := ints.Remove(ctx, "shop1", TikTok, "t"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := ints.Get(ctx, "shop1", TikTok); ok {
		t.Fatal("removed integration still there")
	}
	if err := ints.Remove(ctx, "shop1", TikTok, "t"); err == nil {
		t.Fatal("removed twice")
	}
}

func TestEnrichDoudian(t *testing.T) {
	api := &fakeAPI{secret: "secret-456"}
	e, rec, _ := newEnricher(t, api)
	ctx := context.Background()
	paid := time.Unix(1630373504, 0).UTC()
	if err := e.Enqueue(ctx, "shop1", Doudian, "4881995531871913482", paid); err != nil {
		t.Fatal(err)
	}
	e.round(ctx)
	it, ok := rec.get("dd:4881995531871913482:item:4881995531871913483:paid")
	if !ok || it.Product != "3473196049974326153" || it.Qty != 2 || it.Amount != 1500 || it.Room != "r1" ||
		it.Status != ingest.StatusPaid || it.Order != "4881995531871913482" || !it.TS.Equal(paid) {
		t.Fatalf("item 1: %+v %v", it, ok)
	}
	it, ok = rec.get("dd:4881995531871913482:item:4881995531871913484:paid")
	if !ok || it.Room != "" || it.Amount != 490 {
		t.Fatalf("item 2 (not from a live room): %+v", it)
	}
	// Enriched once: a second push of the same order is not queued, no API call.
	calls := api.calls.Load()
	if err := e.Enqueue(ctx, "shop1", Doudian, "4881995531871913482", paid); err != nil {
		t.Fatal(err)
	}
	e.round(ctx)
	if api.calls.Load() != calls {
		t.Fatal("an enriched order was fetched again")
	}
}

func TestEnrichTikTok(t *testing.T) {
	api := &fakeAPI{secret: "tts-secret"}
	e, rec, _ := newEnricher(t, api)
	ctx := context.Background()
	if err := e.Enqueue(ctx, "shop1", TikTok, "576486316948490001", time.Now()); err != nil {
		t.Fatal(err)
	}
	e.round(ctx)
	total, ok := rec.get("tt:576486316948490001:paid:total")
	if !ok || total.Amount != 2598 || total.Room != "" || total.Product != "" {
		t.Fatalf("total: %+v %v", total, ok)
	}
	if it, ok := rec.get("tt:576486316948490001:item:li2:paid"); !ok || it.Amount != 1299 || it.Product != "1729" {
		t.Fatalf("item: %+v %v", it, ok)
	}
}

// Timeouts, 429 and a refused signature: the order stays stored (the recorder has nothing yet),
// the error is recorded, and the order is retried with backoff until it works or gives up.
func TestEnrichFailuresRetry(t *testing.T) {
	for mode, says := range map[string]string{"slow": "no answer within the timeout", "429": "rate limited by the platform (429)",
		"badsign": "platform answered code 30002"} {
		t.Run(mode, func(t *testing.T) {
			api := &fakeAPI{secret: "secret-456"}
			api.mode.Store(mode)
			e, rec, _ := newEnricher(t, api)
			ctx := context.Background()
			if err := e.Enqueue(ctx, "shop1", Doudian, "42", time.Now()); err != nil {
				t.Fatal(err)
			}
			e.round(ctx)
			if len(rec.events) != 0 {
				t.Fatal("events from a failed enrichment")
			}
			sum, _ := e.Stats.Summary(ctx, "shop1", Doudian)
			if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0].Error, "order 42: enrichment attempt 1 failed") ||
				!strings.Contains(sum.Errors[0].Error, says) || strings.Contains(sum.Errors[0].Error, "sign=") {
				t.Fatalf("errors: %+v", sum.Errors)
			}
			if n, _ := e.Redis.ZCard(ctx, enrichQueue).Result(); n != 1 {
				t.Fatalf("not re-queued: %d", n)
			}
			api.mode.Store("")
			deadline := time.Now().Add(5 * time.Second)
			for {
				e.round(ctx)
				if _, ok := rec.get("dd:42:item:4881995531871913483:paid"); ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("not retried")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func TestEnrichGivesUp(t *testing.T) {
	api := &fakeAPI{secret: "secret-456"}
	api.mode.Store("badsign")
	e, _, _ := newEnricher(t, api)
	ctx := context.Background()
	_ = e.Enqueue(ctx, "shop1", Doudian, "43", time.Now())
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.round(ctx)
		if u, _ := e.Unenriched(ctx, "shop1", Doudian); len(u) == 1 && u[0] == "43" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never marked unenriched")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if api.calls.Load() != 3 {
		t.Fatalf("calls %d, want MaxAttempts=3", api.calls.Load())
	}
	if sum, _ := e.Stats.Summary(ctx, "shop1", Doudian); sum.Unenriched != 1 || !strings.Contains(sum.Errors[0].Error, "gave up after 3 attempts") {
		t.Fatalf("summary: %+v", sum)
	}
}

// An order claimed by a worker that died mid-call comes due again once the lease ends.
func TestEnrichClaimLease(t *testing.T) {
	api := &fakeAPI{secret: "secret-456"}
	e, rec, _ := newEnricher(t, api)
	ctx := context.Background()
	now := time.Now()
	e.Now = func() time.Time { return now }
	_ = e.Enqueue(ctx, "shop1", Doudian, "44", now)
	member := enrichJob{Shop: "shop1", Platform: Doudian, Order: "44", PaidAt: now}.member()
	// The claim made by the worker that then died.
	if won, err := claimScript.Run(ctx, e.Redis, []string{enrichQueue}, member, now.UnixMilli(), now.Add(claimLease).UnixMilli()).Int(); err != nil || won != 1 {
		t.Fatalf("claim: %d %v", won, err)
	}
	e.round(ctx)
	if api.calls.Load() != 0 {
		t.Fatal("a claimed order was taken again inside its lease")
	}
	now = now.Add(claimLease + time.Second)
	e.round(ctx)
	if _, ok := rec.get("dd:44:item:4881995531871913483:paid"); !ok {
		t.Fatal("not retried after the lease")
	}
	if n, _ := e.Redis.ZCard(ctx, enrichQueue).Result(); n != 0 {
		t.Fatalf("queue not emptied: %d", n)
	}
}
