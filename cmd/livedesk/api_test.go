package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/api"
)

// apiClient calls the JSON API with a key and checks every answer against the OpenAPI
// document: a handler that drifts from the document fails here.
type apiClient struct {
	t      *testing.T
	base   string
	key    string
	router routers.Router
}

func newAPIClient(t *testing.T, s *testServer, key string) *apiClient {
	t.Helper()
	doc, err := api.Document()
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: s.URL() + "/api/v1"}}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, base: s.URL(), key: key, router: r}
}

// do sends method path with body (JSON, or NDJSON for /events), validates the answer against
// the document, and returns the status and the decoded JSON (nil for a non-JSON answer).
func (a *apiClient) do(method, path, body string) (int, map[string]any) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+"/api/v1"+path, strings.NewReader(body))
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
		if strings.HasPrefix(path, "/events") || strings.HasPrefix(path, "/relay/") {
			req.Header.Set("Content-Type", "application/x-ndjson")
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a.validate(req, resp, raw)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			a.t.Fatalf("%s %s: %d answer is not JSON: %.300s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

// validate checks resp against the route's documented responses.
func (a *apiClient) validate(req *http.Request, resp *http.Response, body []byte) {
	a.t.Helper()
	route, params, err := a.router.FindRoute(req)
	if err != nil {
		a.t.Fatalf("%s %s is not in the OpenAPI document: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		a.t.Errorf("%s %s answered %d, which the OpenAPI document does not allow: %v\n%.500s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

// keyOf creates a key of scope for shop.
func keyOf(t *testing.T, s *testServer, shop, scope string) string {
	t.Helper()
	k, err := s.Keys.CreateScoped(context.Background(), shop, "api-"+scope, scope)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestAPIEndToEnd drives every endpoint class through the API with keys, checks each answer
// against the OpenAPI document, and checks the numbers against what was posted.
func TestAPIEndToEnd(t *testing.T) {
	s := startServer(t)
	admin := newAPIClient(t, s, keyOf(t, s, "shopA", livedesk.ScopeAdmin))
	// The room exists once an event names it; the session starts before the sales are posted, so
	// the report counts them.
	if code, res := admin.do("POST", "/events", fmt.Sprintf(`{"id":"in1","type":"enter","ts":%d,"room":"r1","user":"u0"}`, time.Now().UnixMilli())); code != 200 {
		t.Fatalf("enter: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/rooms/r1/session/start", ""); code != 200 || res["session"].(map[string]any)["live"] != true {
		t.Fatalf("session start: %d %v", code, res)
	}
	time.Sleep(1100 * time.Millisecond) // the session's first second is whole before the sales
	now := time.Now().UTC()
	var body strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&body, `{"id":"e%d","type":"click","ts":%d,"room":"r1","user":"u%d","product":"p1"}`+"\n", i, now.UnixMilli(), i)
	}
	fmt.Fprintf(&body, `{"id":"o1","type":"order","status":"paid","order":"o1","amount":1990,"ts":%d,"room":"r1","user":"u1","product":"p1"}`+"\n", now.UnixMilli())
	body.WriteString(`{"id":"bad","type":"nope","ts":1}` + "\n")
	if code, res := admin.do("POST", "/events", body.String()); code != 200 || res["accepted"] != 31.0 || res["rejected"] != 1.0 {
		t.Fatalf("events: %d %v", code, res)
	}
	// The live snapshot arrives with the next tick.
	var snap map[string]any
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, res := admin.do("GET", "/rooms/r1/live", "")
		if code == 200 {
			snap = res["snapshot"].(map[string]any)
			if st := snap["session_totals"]; st != nil && st.(map[string]any)["gmv"] == 1990.0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot with the posted GMV: %d %v", code, res)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, res := admin.do("GET", "/rooms", ""); code != 200 || len(res["items"].([]any)) != 1 || res["zone"] != "Asia/Shanghai" {
		t.Fatalf("rooms: %d %v", code, res)
	}
	admin.do("GET", "/rooms/r1/minutes", "") // 200 or 404 before the first closed minute: both documented
	if code, res := admin.do("PUT", "/products/p1", `{"title":"冰丝阔腿裤","price":8990,"list_price":12900,"stock":40,"points":["垂感好","不起球"]}`); code != 200 || res["product"].(map[string]any)["price"] != 8990.0 {
		t.Fatalf("put product: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/products", `{"id":"p1","title":"x","price":1}`); code != 409 || res["code"] != "conflict" {
		t.Fatalf("create existing: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/products", `{"id":"p2","title":"","price":100}`); code != 400 || res["field"] != "title" {
		t.Fatalf("invalid product names its field: %d %v", code, res)
	}
	if code, res := admin.do("GET", "/products", ""); code != 200 || len(res["items"].([]any)) != 1 {
		t.Fatalf("products: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/rooms/r1/actions/pin", `{"product":"p1"}`); code != 200 {
		t.Fatalf("pin: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/rooms/r1/actions/flash_sale", `{"product":"p1","price":6990,"qty":50,"seconds":120}`); code != 200 {
		t.Fatalf("flash sale: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/rooms/r1/actions/cue", `{"text":"讲一下面料"}`); code != 200 {
		t.Fatalf("cue: %d %v", code, res)
	}
	if code, res := admin.do("GET", "/rooms/r1/stage", ""); code != 200 || res["stage"] == nil {
		t.Fatalf("stage: %d %v", code, res)
	}
	if code, res := admin.do("PUT", "/rooms/r1/settings", `{"no_sale_clicks":20}`); code != 200 || res["settings"].(map[string]any)["no_sale_clicks"] != 20.0 || res["settings"].(map[string]any)["window_s"] != 300.0 {
		t.Fatalf("settings: %d %v", code, res)
	}
	if code, res := admin.do("PUT", "/rooms/r1/settings", `{"window_s":5}`); code != 400 || res["field"] != "window_s" {
		t.Fatalf("bad settings must name the field: %d %v", code, res)
	}
	// Rules: the defaults (seed rule first, with the room's threshold), a bad rule named with its
	// field, then the room's own set.
	if code, res := admin.do("GET", "/rooms/r1/rules", ""); code != 200 || res["own"] != false ||
		res["rules"].([]any)[0].(map[string]any)["when"].([]any)[0].(map[string]any)["value"] != 20.0 {
		t.Fatalf("default rules: %d %v", code, res)
	}
	bad := `{"rules":[{"id":"mine","name":"我的","scope":"product","window_s":60,"when":[{"metric":"clicks","op":"=>","value":20}]}]}`
	if code, res := admin.do("PUT", "/rooms/r1/rules", bad); code != 400 || res["field"] != "rules[0].when[0].op" ||
		!strings.Contains(res["error"].(string), "我的") {
		t.Fatalf("a bad rule must name the rule and the field: %d %v", code, res)
	}
	good := `{"rules":[{"id":"mine","name":"我的","scope":"product","window_s":60,"enabled":true,"when":[{"metric":"clicks","op":">","value":20},{"metric":"paid_orders","op":"=","value":0}],"responses":[{"kind":"flash_sale","price_fen":990,"qty":50,"duration_s":300}]}]}`
	if code, res := admin.do("PUT", "/rooms/r1/rules", good); code != 200 || res["own"] != true ||
		res["rules"].([]any)[0].(map[string]any)["responses"].([]any)[0].(map[string]any)["key"] == "" {
		t.Fatalf("rules: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/rooms/r1/flags/no_sale%3Ap9%3A1/ack", ""); code != 404 {
		t.Fatalf("ack of an unknown flag: %d %v", code, res)
	}
	time.Sleep(1100 * time.Millisecond) // the sales' second is whole before the end
	// Under load an acknowledged event reaches ClickHouse from the spool a moment later (the report
	// is then rebuilt); end the session once the sales are stored, so the first build has them.
	for deadline := time.Now().Add(15 * time.Second); s.count("SELECT count() FROM events WHERE shop = 'shopA' AND type = 'order'") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the paid order never reached ClickHouse")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, res := admin.do("POST", "/rooms/r1/session/end", ""); code != 200 || res["session"].(map[string]any)["ended"] == nil {
		t.Fatalf("session end: %d %v", code, res)
	}
	code, res := admin.do("GET", "/rooms/r1/sessions", "")
	if code != 200 || len(res["items"].([]any)) != 1 {
		t.Fatalf("sessions: %d %v", code, res)
	}
	id := res["items"].([]any)[0].(map[string]any)["id"].(string)
	deadline = time.Now().Add(20 * time.Second)
	for {
		code, res = admin.do("GET", "/sessions/"+url.PathEscape(id)+"/report", "")
		if code == 200 {
			break
		}
		if code != 409 || time.Now().After(deadline) {
			t.Fatalf("report: %d %v", code, res)
		}
		time.Sleep(300 * time.Millisecond)
	}
	h := res["report"].(map[string]any)["headline"].(map[string]any)
	if h["gmv"] != 1990.0 || h["gpm"].(map[string]any)["num"] != 1990.0 {
		rep := res["report"].(map[string]any)
		t.Fatalf("report headline: %v\nspan %v quality %v notes %v", h, rep["span"], rep["quality"], rep["notes"])
	}
	for _, p := range []string{"/report.xlsx", "/minutes.csv"} {
		if code, _ := admin.do("GET", "/sessions/"+url.PathEscape(id)+p, ""); code != 200 {
			t.Fatalf("%s: %d", p, code)
		}
	}
	if code, res := admin.do("GET", "/jobs", ""); code != 200 || len(res["items"].([]any)) == 0 {
		t.Fatalf("jobs: %d %v", code, res)
	}
	if code, res := admin.do("POST", "/jobs/stock/run", ""); code != 200 || res["run"].(map[string]any)["status"] != "ok" {
		t.Fatalf("run job: %d %v", code, res)
	}
	if code, res := admin.do("GET", "/jobs/runs?limit=1", ""); code != 200 || len(res["items"].([]any)) != 1 {
		t.Fatalf("runs: %d %v", code, res)
	}
	if code, res := admin.do("GET", "/tasks?status=all", ""); code != 200 {
		t.Fatalf("tasks: %d %v", code, res)
	}
	if code, res := admin.do("GET", "/tasks?status=nope", ""); code != 400 || res["field"] != "status" {
		t.Fatalf("bad filter: %d %v", code, res)
	}
	if code, res := admin.do("DELETE", "/products/p1", ""); code != 200 {
		t.Fatalf("delete: %d %v", code, res)
	}
	if code, _ := admin.do("DELETE", "/products/p1", ""); code != 404 {
		t.Fatalf("delete of a missing product: %d", code)
	}
	if code, res := admin.do("GET", "/openapi.json", ""); code != 200 || res["openapi"] != "3.0.3" {
		t.Fatalf("openapi.json: %d", code)
	}
}

// TestAPIScopes checks every scope against each endpoint class, and that nothing reaches another
// shop.
func TestAPIScopes(t *testing.T) {
	s := startServer(t)
	keys := map[string]*apiClient{}
	for _, sc := range livedesk.Scopes {
		keys[sc] = newAPIClient(t, s, keyOf(t, s, "shopA", sc))
	}
	other := newAPIClient(t, s, keyOf(t, s, "shopB", livedesk.ScopeAdmin))
	now := time.Now().UnixMilli()
	if code, _ := keys[livedesk.ScopeIngest].do("POST", "/events", fmt.Sprintf(`{"id":"a1","type":"enter","ts":%d,"room":"ra","user":"u1"}`, now)); code != 200 {
		t.Fatalf("ingest key posts: %d", code)
	}
	if code, _ := other.do("POST", "/events", fmt.Sprintf(`{"id":"b1","type":"enter","ts":%d,"room":"rb","user":"u1"}`, now)); code != 200 {
		t.Fatalf("other shop posts: %d", code)
	}
	classes := []struct {
		name, method, path, body string
		allowed                  []string // scopes that may
	}{
		{"post events", "POST", "/events", fmt.Sprintf(`{"id":"x%d","type":"enter","ts":%d,"room":"ra","user":"u2"}`, now, now), []string{"ingest", "admin"}},
		{"read", "GET", "/rooms", "", []string{"read", "operate", "admin"}},
		{"read stage", "GET", "/rooms/ra/stage", "", []string{"read", "operate", "admin"}},
		{"operate", "POST", "/rooms/ra/actions/cue", `{"text":"hello"}`, []string{"operate", "admin"}},
		{"operate settings", "PUT", "/rooms/ra/settings", `{"low_stock":5}`, []string{"operate", "admin"}},
		{"operate rules", "PUT", "/rooms/ra/rules", `{"rules":[]}`, []string{"operate", "admin"}},
		{"admin products", "PUT", "/products/px", `{"title":"t","price":100}`, []string{"admin"}},
	}
	for _, c := range classes {
		for _, sc := range livedesk.Scopes {
			code, res := keys[sc].do(c.method, c.path, c.body)
			want := 403
			for _, a := range c.allowed {
				if a == sc {
					want = 200
				}
			}
			if code != want {
				t.Errorf("%s with a %s key: %d %v, want %d", c.name, sc, code, res, want)
			}
			if code == 403 && (res["error"] == nil || res["code"] != "forbidden") {
				t.Errorf("%s with a %s key: 403 without a JSON error: %v", c.name, sc, res)
			}
		}
	}
	// Another shop's room is not found, whatever the scope; so is its product.
	for _, p := range []string{"/rooms/rb/live", "/rooms/rb/stage", "/rooms/rb/settings", "/rooms/rb/sessions"} {
		if code, _ := keys[livedesk.ScopeAdmin].do("GET", p, ""); code != 404 {
			t.Errorf("GET %s of another shop: %d", p, code)
		}
	}
	if code, _ := other.do("GET", "/products/px", ""); code != 404 {
		t.Errorf("another shop's product: %d", code)
	}
	if code, _ := other.do("POST", "/rooms/ra/session/start", ""); code != 404 {
		t.Errorf("another shop's session start: %d", code)
	}
	// No key, a bad key, a revoked key.
	anon := newAPIClient(t, s, "")
	if code, res := anon.do("GET", "/rooms", ""); code != 401 || res["error"] == nil {
		t.Errorf("no key: %d %v", code, res)
	}
	bad := newAPIClient(t, s, "ld_notakey0000000000000000000000")
	if code, _ := bad.do("GET", "/rooms", ""); code != 401 {
		t.Errorf("bad key: %d", code)
	}
}

// TestAPISessions: the pages' sessions use the same endpoints with their role; writes need the
// CSRF header; an anchor reads the stage only.
func TestAPISessions(t *testing.T) {
	s := startServer(t)
	key := s.apiKey("shopA")
	s.post(key, []byte(fmt.Sprintf(`{"id":"a1","type":"enter","ts":%d,"room":"ra","user":"u1"}`, time.Now().UnixMilli())))
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-password-1")
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	if code, _, body := op.get("/api/v1/rooms"); code != 200 || !strings.Contains(body, `"ra"`) {
		t.Fatalf("operator session reads rooms: %d %s", code, body)
	}
	tok := op.csrf("/rooms/ra")
	if code, body := op.postJSON("/api/v1/rooms/ra/actions/cue", "", `{"text":"hi"}`); code != 403 || !strings.Contains(body, "CSRF") {
		t.Fatalf("a write without the CSRF header: %d %s", code, body)
	}
	if code, body := op.postJSON("/api/v1/rooms/ra/actions/cue", tok, `{"text":"hi"}`); code != 200 {
		t.Fatalf("operator cue: %d %s", code, body)
	}
	req, _ := http.NewRequest("PUT", s.URL()+"/api/v1/rooms/ra/settings", strings.NewReader(`{"low_stock":3}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", tok)
	resp, err := op.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("an operator changes the room's settings (the control room's panel): %d", resp.StatusCode)
	}
	an := newWebClient(t, s.URL())
	an.login("shopA", "anchor", "anchor-password-1")
	if code, _, _ := an.get("/api/v1/rooms/ra/stage"); code != 200 {
		t.Fatalf("anchor reads the stage: %d", code)
	}
	for _, p := range []string{"/api/v1/rooms", "/api/v1/rooms/ra/live", "/api/v1/products", "/api/v1/tasks"} {
		if code, _, _ := an.get(p); code != 403 {
			t.Errorf("anchor GET %s: %d, want 403", p, code)
		}
	}
}
