package platform

import (
	"context"
	"encoding/json"
	"fmt"
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
//
// Tokens: 抖店 token.create (for shop id "7001") and token.refresh hand out numbered tokens,
// TikTok's token/refresh too; the order-detail calls accept only the newest token (access_token
// query parameter, x-tts-access-token header). tokenCalls counts the token calls.
type fakeAPI struct {
	secret string
	mode   atomic.Value // "", "slow", "429", "badsign", "expire" (the current token is refused once)
	calls  atomic.Int64

	mu         sync.Mutex
	ddToken    string // the valid 抖店 access token
	ddRefresh  string
	ttToken    string // the valid TikTok access token
	ttRefresh  string
	issued     int
	tokenCalls []string // "create", "refresh", "tt-refresh"
	seenTokens []string // access tokens the detail calls carried
}

func (f *fakeAPI) newToken(prefix string) string {
	f.issued++
	return fmt.Sprintf("%s-%d", prefix, f.issued)
}

func (f *fakeAPI) tokenLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.tokenCalls...)
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
	f.mu.Lock()
	defer f.mu.Unlock()
	if mode == "expire" {
		f.mode.Store("")
		f.ddToken, f.ttToken = "expired", "expired"
	}
	switch r.URL.Path {
	case "/token/create", "/token/refresh":
		body, _ := io.ReadAll(r.Body)
		if DoudianAPISign(q.Get("app_key"), f.secret, q.Get("method"), q.Get("param_json"), q.Get("timestamp")) != q.Get("sign") ||
			q.Get("param_json") != string(body) || q.Has("access_token") {
			io.WriteString(w, `{"code":30002,"msg":"签名错误","data":{}}`)
			return
		}
		var p map[string]string
		_ = json.Unmarshal(body, &p)
		switch {
		case r.URL.Path == "/token/create" && q.Get("method") == "token.create" && p["grant_type"] == "authorization_self" &&
			p["shop_id"] == "7001" && q.Get("param_json") == `{"code":"","grant_type":"authorization_self","shop_id":"7001"}`:
			f.tokenCalls = append(f.tokenCalls, "create")
		case r.URL.Path == "/token/refresh" && q.Get("method") == "token.refresh" && p["grant_type"] == "refresh_token" &&
			p["refresh_token"] == f.ddRefresh && f.ddRefresh != "":
			f.tokenCalls = append(f.tokenCalls, "refresh")
		default:
			io.WriteString(w, `{"code":30004,"msg":"参数错误","sub_code":"isv.parameter-invalid","data":{}}`)
			return
		}
		f.ddToken, f.ddRefresh = f.newToken("dd-access"), f.newToken("dd-refresh")
		fmt.Fprintf(w, `{"code":10000,"msg":"success","data":{"access_token":%q,"expires_in":604800,"refresh_token":%q,"scope":"SCOPE","shop_id":7001,"shop_name":"测试店"}}`,
			f.ddToken, f.ddRefresh)
		return
	case "/api/v2/token/refresh":
		if q.Get("app_secret") != f.secret || q.Get("grant_type") != "refresh_token" || q.Get("refresh_token") != f.ttRefresh {
			io.WriteString(w, `{"code":36004004,"message":"invalid refresh token","data":{}}`)
			return
		}
		f.tokenCalls = append(f.tokenCalls, "tt-refresh")
		f.ttToken, f.ttRefresh = f.newToken("tt-access"), f.newToken("tt-refresh")
		fmt.Fprintf(w, `{"code":0,"message":"success","data":{"access_token":%q,"access_token_expire_in":%d,"refresh_token":%q,"refresh_token_expire_in":%d,"seller_name":"s"}}`,
			f.ttToken, time.Now().Add(7*24*time.Hour).Unix(), f.ttRefresh, time.Now().Add(60*24*time.Hour).Unix())
		return
	case "/order/orderDetail":
		body, _ := io.ReadAll(r.Body)
		if DoudianAPISign(q.Get("app_key"), f.secret, q.Get("method"), q.Get("param_json"), q.Get("timestamp")) != q.Get("sign") || mode == "badsign" {
			io.WriteString(w, `{"code":30002,"msg":"签名错误","data":{}}`)
			return
		}
		f.seenTokens = append(f.seenTokens, q.Get("access_token"))
		if q.Get("access_token") == "" || q.Get("access_token") != f.ddToken {
			io.WriteString(w, `{"code":30001,"msg":"access_token已过期","sub_code":"isv.access-token-expired","sub_msg":"access_token已过期","data":{}}`)
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
		f.seenTokens = append(f.seenTokens, r.Header.Get("x-tts-access-token"))
		if r.Header.Get("x-tts-access-token") != f.ttToken || f.ttToken == "" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":105002,"message":"Expired credentials","data":{}}`)
			return
		}
		if q.Get("shop_cipher") != "GCP_cipher" {
			io.WriteString(w, `{"code":36009004,"message":"shop_cipher is required","data":{}}`)
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
	api.ttToken, api.ttRefresh = "tt-operator-access", "tt-operator-refresh"
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	sealer, _ := NewSealer([]byte(strings.Repeat("s", 32)))
	ints := NewIntegrations(conn, sealer)
	ctx := context.Background()
	for _, in := range []Integration{
		{Shop: "shop1", Platform: Doudian, AppKey: "app-123", Secret: "secret-456", APIURL: srv.URL, ShopID: "7001"},
		{Shop: "shop1", Platform: TikTok, AppKey: "tts-app-key", Secret: "tts-secret", APIURL: srv.URL, AuthURL: srv.URL,
			ShopCipher: "GCP_cipher", AccessToken: "tt-operator-access", RefreshToken: "tt-operator-refresh"},
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
	// The operator's TikTok tokens are stored (sealed), shown masked; 抖店 has none yet.
	if list[0].Platform != Doudian || list[0].AccessToken != "" || list[0].ShopID != "7001" ||
		list[1].AccessToken != MaskedSecret || list[1].ShopCipher != "GCP_cipher" || list[1].RefreshToken != "" {
		t.Fatalf("list tokens: %+v", list)
	}
	if tok, ok, err := ints.Token(ctx, "shop1", TikTok); err != nil || !ok || tok.Access != "tt-operator-access" || tok.Refresh != "tt-operator-refresh" {
		t.Fatalf("token: %+v %v %v", tok, ok, err)
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
	if tok, ok, err := ints.Token(ctx, "shop1", TikTok); err != nil || ok || tok.Access != "" {
		t.Fatalf("tokens of a removed integration: %+v %v %v", tok, ok, err)
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
				!strings.Contains(sum.Errors[0].Error, says) || strings.Contains(sum.Errors[0].Error, "sign=") || sum.Errors[0].Kind != "" {
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
	if api.calls.Load() != 4 {
		t.Fatalf("calls %d, want token.create and MaxAttempts=3", api.calls.Load())
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

// sealedInTheClear counts stored token rows carrying a token in the clear.
func sealedInTheClear(t *testing.T, ints *Integrations, fragment string) uint64 {
	var n uint64
	if err := ints.ch.QueryRow(context.Background(), "SELECT count() FROM integration_tokens WHERE access LIKE ? OR refresh LIKE ?",
		"%"+fragment+"%", "%"+fragment+"%").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// 抖店 self-use app: token.create for the shop id, the token sent as access_token (outside the
// signature, which the fake checks), kept and reused; a refused token is refreshed with
// token.refresh and the call retried at once.
func TestDoudianToken(t *testing.T) {
	api := &fakeAPI{secret: "secret-456"}
	e, rec, ints := newEnricher(t, api)
	ctx := context.Background()
	if err := e.Enrich(ctx, enrichJob{Shop: "shop1", Platform: Doudian, Order: "501", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.get("dd:501:item:4881995531871913483:paid"); !ok {
		t.Fatal("not enriched")
	}
	if got := api.tokenLog(); len(got) != 1 || got[0] != "create" {
		t.Fatalf("token calls %v", got)
	}
	if err := e.Enrich(ctx, enrichJob{Shop: "shop1", Platform: Doudian, Order: "502", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	seen := append([]string(nil), api.seenTokens...)
	api.mu.Unlock()
	if len(seen) != 2 || seen[0] != "dd-access-1" || seen[1] != "dd-access-1" {
		t.Fatalf("tokens sent %v", seen)
	}
	if tok, ok, _ := ints.Token(ctx, "shop1", Doudian); !ok || tok.Access != "dd-access-1" || tok.Refresh != "dd-refresh-2" ||
		tok.Expires.Before(time.Now().Add(6*24*time.Hour)) {
		t.Fatalf("stored token %+v", tok)
	}
	if n := sealedInTheClear(t, ints, "dd-"); n != 0 {
		t.Fatalf("%d token rows in the clear", n)
	}
	// The platform now refuses the token: one refresh, one retry, no error recorded.
	api.mode.Store("expire")
	if err := e.Enrich(ctx, enrichJob{Shop: "shop1", Platform: Doudian, Order: "503", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.get("dd:503:item:4881995531871913483:paid"); !ok {
		t.Fatal("not enriched after the refresh")
	}
	if got := api.tokenLog(); len(got) != 2 || got[1] != "refresh" {
		t.Fatalf("token calls %v", got)
	}
	if tok, _, _ := ints.Token(ctx, "shop1", Doudian); tok.Access != "dd-access-3" {
		t.Fatalf("refreshed token not stored: %+v", tok)
	}
	// Another instance (an empty cache) uses the stored token without a token call.
	e2 := &Enricher{Integrations: ints, Events: rec, Redis: e.Redis, Stats: e.Stats, Client: e.Client, Log: e.Log}
	if err := e2.Enrich(ctx, enrichJob{Shop: "shop1", Platform: Doudian, Order: "504", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := api.tokenLog(); len(got) != 2 {
		t.Fatalf("token calls %v", got)
	}
	// The refresh token is spent (refused): a self-use app creates a new token.
	api.mu.Lock()
	api.ddRefresh, api.ddToken = "other", "other"
	api.mu.Unlock()
	if err := e.Enrich(ctx, enrichJob{Shop: "shop1", Platform: Doudian, Order: "505", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := api.tokenLog(); len(got) != 3 || got[2] != "create" {
		t.Fatalf("token calls %v", got)
	}
}

// Without a shop id no token can be made: a "token" error on the page, retried later.
func TestDoudianTokenNoShopID(t *testing.T) {
	api := &fakeAPI{secret: "secret-456"}
	e, rec, ints := newEnricher(t, api)
	ctx := context.Background()
	old, _, _ := ints.Get(ctx, "shop1", Doudian)
	if err := ints.Put(ctx, Integration{Shop: "shop1", Platform: Doudian, AppKey: "app-123", Secret: "secret-456", APIURL: old.APIURL}); err != nil {
		t.Fatal(err)
	}
	_ = e.Enqueue(ctx, "shop1", Doudian, "601", time.Now())
	e.round(ctx)
	if len(rec.events) != 0 {
		t.Fatal("enriched without a token")
	}
	sum, _ := e.Stats.Summary(ctx, "shop1", Doudian)
	if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0].Error, "token: no 抖店 shop id") || sum.Errors[0].Kind != ErrorToken {
		t.Fatalf("errors %+v", sum.Errors)
	}
}

// TikTok Shop: the operator's token in the x-tts-access-token header, shop_cipher in the query;
// a 401 refresh through the auth endpoint and a retry; a token near its expiry is renewed first;
// a token refused with nothing to renew it is a "token" error that names no token.
func TestTikTokToken(t *testing.T) {
	api := &fakeAPI{secret: "tts-secret"}
	e, rec, ints := newEnricher(t, api)
	ctx := context.Background()
	if err := e.Enrich(ctx, enrichJob{Shop: "shop1", Platform: TikTok, Order: "701", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := api.tokenLog(); len(got) != 0 {
		t.Fatalf("token calls %v", got)
	}
	api.mode.Store("expire")
	if err := e.Enrich(ctx, enrichJob{Shop: "shop1", Platform: TikTok, Order: "702", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.get("tt:702:paid:total"); !ok {
		t.Fatal("not enriched after the refresh")
	}
	if got := api.tokenLog(); len(got) != 1 || got[0] != "tt-refresh" {
		t.Fatalf("token calls %v", got)
	}
	tok, _, _ := ints.Token(ctx, "shop1", TikTok)
	if tok.Access != "tt-access-1" || tok.Refresh != "tt-refresh-2" || tok.Expires.Before(time.Now().Add(6*24*time.Hour)) {
		t.Fatalf("stored %+v", tok)
	}
	if n := sealedInTheClear(t, ints, "tt-"); n != 0 {
		t.Fatalf("%d token rows in the clear", n)
	}
	// Near expiry: renewed before the call.
	now := time.Now()
	e.Now = func() time.Time { return now.Add(7*24*time.Hour - 5*time.Minute) }
	if err := e.Enrich(ctx, enrichJob{Shop: "shop1", Platform: TikTok, Order: "703", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	seen := append([]string(nil), api.seenTokens...)
	api.mu.Unlock()
	if got := api.tokenLog(); len(got) != 2 || seen[len(seen)-1] != "tt-access-3" {
		t.Fatalf("token calls %v, sent %v", got, seen)
	}
	e.Now = nil
	// Refused, and the refresh token refused too: a token error, recorded without any token.
	api.mu.Lock()
	api.ttToken, api.ttRefresh = "revoked", "revoked"
	api.mu.Unlock()
	_ = e.Enqueue(ctx, "shop1", TikTok, "704", time.Now())
	e.round(ctx)
	sum, _ := e.Stats.Summary(ctx, "shop1", TikTok)
	if len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0].Error, "token: refresh: platform answered code 36004004") || sum.Errors[0].Kind != ErrorToken ||
		strings.Contains(sum.Errors[0].Error, "tt-") || strings.Contains(sum.Errors[0].Error, "tts-secret") {
		t.Fatalf("errors %+v", sum.Errors)
	}
}
