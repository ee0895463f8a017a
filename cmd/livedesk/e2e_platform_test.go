package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/platform"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// hook posts body to /hooks/<platform>/<shop> with headers (name, value, …).
func (s *testServer) hook(plat, shop string, body []byte, headers ...string) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.URL()+"/hooks/"+plat+"/"+shop, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// ddPush builds a 抖店 push body: each record's data object is sent as a JSON string.
func ddPush(recs ...[3]string) []byte {
	var parts []string
	for _, r := range recs {
		d, _ := json.Marshal(r[2])
		parts = append(parts, fmt.Sprintf(`{"tag":%s,"msg_id":"%s","data":%s}`, r[0], r[1], d))
	}
	return []byte("[" + strings.Join(parts, ",") + "]")
}

// fakeDoudianAPI answers token.create (self-use app, shop id 7001) and order.orderDetail like
// the documented API (checking the signature, and the access token it handed out): two SKU
// orders of the live room r1, product p1.
func fakeDoudianAPI(t *testing.T, secret string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if platform.DoudianAPISign(q.Get("app_key"), secret, q.Get("method"), q.Get("param_json"), q.Get("timestamp")) != q.Get("sign") {
			io.WriteString(w, `{"code":30002,"msg":"sign error"}`)
			return
		}
		if r.URL.Path == "/token/create" {
			if q.Get("method") != "token.create" || q.Get("param_json") != `{"code":"","grant_type":"authorization_self","shop_id":"7001"}` {
				io.WriteString(w, `{"code":30004,"msg":"param error"}`)
				return
			}
			io.WriteString(w, `{"code":10000,"msg":"success","data":{"access_token":"e2e-access","expires_in":604800,"refresh_token":"e2e-refresh","shop_id":7001}}`)
			return
		}
		if q.Get("access_token") != "e2e-access" {
			io.WriteString(w, `{"code":30001,"msg":"access_token不存在","sub_code":"isv.access-token-no-existed"}`)
			return
		}
		var p struct {
			ID string `json:"shop_order_id"`
		}
		_ = json.Unmarshal([]byte(q.Get("param_json")), &p)
		fmt.Fprintf(w, `{"code":10000,"msg":"success","data":{"shop_order_detail":{"order_id":"%s","pay_amount":1990,
			"sku_order_list":[{"order_id":"%s1","product_id":"p1","item_num":1,"pay_amount":1500,"room_id":"r1"},
			{"order_id":"%s2","product_id":"p1","item_num":1,"pay_amount":490,"room_id":"r1"}]}}}`, p.ID, p.ID, p.ID)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func snapshotOf(t *testing.T, e *live.Engine, shop, room string) live.Snapshot {
	raw, err := e.Snapshot(context.Background(), shop, room)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Data live.Snapshot `json:"data"`
	}
	if raw != nil {
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatal(err)
		}
	}
	return env.Data
}

// A paid 抖店 order pushed while product p1 has a no-sale flag: the push is acknowledged at
// once, enrichment attaches product and room, the control room's GMV moves by the order's
// amount (once) and the flag clears. Bad signatures store nothing; a replay counts once; ids
// beyond 2^53 stay exact; unknown tags are counted as ignored.
func TestDoudianPushEndToEnd(t *testing.T) {
	api := fakeDoudianAPI(t, "secret-456")
	a := startServer(t, func(c *Config) { c.outboundPrivate = "true" }) // the fake order API is on loopback
	ctx := context.Background()
	if err := a.Integrations.Put(ctx, platform.Integration{Shop: "shop1", Platform: platform.Doudian, AppKey: "app-123",
		Secret: "secret-456", APIURL: api.URL, ShopID: "7001"}); err != nil {
		t.Fatal(err)
	}
	sign := func(b []byte) []string {
		return []string{"app-id", "app-123", "event-sign", platform.DoudianSign("app-123", "secret-456", b)}
	}
	// The verification ping.
	ping := []byte(`[{"tag":"0","msg_id":"0","data":"2020-09-10T16:27:56.52842897+08:00"}]`)
	if code, body := a.hook("doudian", "shop1", ping, sign(ping)...); code != 200 || body != `{"code":0,"msg":"success"}` {
		t.Fatalf("ping: %d %s", code, body)
	}
	// The no-sale flag first: 101 clicks on p1, no order.
	key := a.apiKey("shop1")
	var clicks strings.Builder
	now := time.Now().UTC()
	for i := 0; i < 101; i++ {
		fmt.Fprintf(&clicks, `{"id":"c%d","type":"click","ts":%d,"room":"r1","user":"u%d","product":"p1"}`+"\n", i, now.UnixMilli(), i)
	}
	if code, res := a.post(key, []byte(clicks.String())); code != 200 {
		t.Fatalf("clicks: %d %v", code, res)
	}
	waitSnap(t, a.Engine, func(s live.Snapshot) bool { return len(s.Flags) == 1 && s.Flags[0].Rule == live.RuleNoSale })

	const order = "4881995531871913482" // > 2^53
	paidAt := now.Unix()
	push := ddPush(
		[3]string{`"100"`, "m1", fmt.Sprintf(`{"p_id":%s,"s_ids":[%s],"shop_id":1,"order_status":1,"order_type":0,"create_time":%d,"biz":2}`, order, order, paidAt-60)},
		[3]string{`101`, "m2", fmt.Sprintf(`{"pay_amount":1990,"s_ids":[%s],"order_status":2,"order_type":0,"pay_time":%d,"p_id":%s,"shop_id":1,"pay_type":1,"biz":2}`, order, paidAt, order)},
		[3]string{`"104"`, "m3", `{"p_id":1}`},
	)
	// Bad and missing signatures, a wrong app-id, an unknown shop: 401, nothing stored.
	for _, h := range [][]string{{"app-id", "app-123", "event-sign", strings.Repeat("0", 32)}, {"app-id", "app-123"},
		{"app-id", "app-999", "event-sign", platform.DoudianSign("app-123", "secret-456", push)}} {
		if code, _ := a.hook("doudian", "shop1", push, h...); code != 401 {
			t.Fatalf("bad signature %v: %d", h, code)
		}
	}
	if code, _ := a.hook("doudian", "shop2", push, sign(push)...); code != 401 {
		t.Fatalf("unknown shop: %d", code)
	}
	if n := a.count("SELECT count() FROM events WHERE shop = 'shop1' AND type = 'order'"); n != 0 {
		t.Fatalf("%d events stored from refused pushes", n)
	}
	began := time.Now()
	if code, body := a.hook("doudian", "shop1", push, sign(push)...); code != 200 || body != `{"code":0,"msg":"success"}` {
		t.Fatalf("push: %d %s", code, body)
	}
	if d := time.Since(began); d > 2*time.Second {
		t.Fatalf("push answered after %v", d)
	}
	// Redelivered: a duplicate, counted once.
	if code, _ := a.hook("doudian", "shop1", push, sign(push)...); code != 200 {
		t.Fatalf("replay: %d", code)
	}
	s := waitSnap(t, a.Engine, func(s live.Snapshot) bool { return s.SessionTotals.GMV == 1990 && len(s.Flags) == 0 })
	if s.SessionTotals.GMV != 1990 {
		t.Fatalf("GMV %d", s.SessionTotals.GMV)
	}
	if n := a.count("SELECT count() FROM events WHERE shop = 'shop1' AND type = 'order' AND order_id = ?", order); n != 4 {
		t.Fatalf("order events %d, want created + paid + 2 items", n)
	}
	if n := a.count("SELECT count() FROM events WHERE shop = 'shop1' AND order_id = ? AND status = 'paid' AND room = '' AND amount = 1990 AND extra LIKE '%doudian%'", order); n != 1 {
		t.Fatalf("the push's paid event: %d", n)
	}
	sum, err := (&platform.Stats{Redis: a.Redis}).Summary(ctx, "shop1", platform.Doudian)
	if err != nil {
		t.Fatal(err)
	}
	if sum.CountOf("100", false) != 1 || sum.CountOf("101", false) != 1 || sum.CountOf("104", true) != 1 || sum.LastAt.IsZero() {
		t.Fatalf("counts: %+v", sum.Counts)
	}
	if len(sum.Errors) != 3 || !strings.Contains(sum.Errors[0].Error, "signature rejected") {
		t.Fatalf("errors: %+v", sum.Errors)
	}
	time.Sleep(300 * time.Millisecond) // the GMV stays: the replay did not double it
	if s := snapshotOf(t, a.Engine, "shop1", "r1"); s.SessionTotals.GMV != 1990 {
		t.Fatalf("GMV after replay %d", s.SessionTotals.GMV)
	}
	// A refund of the enriched order lands in its live room.
	refund := ddPush([3]string{`"206"`, "m9", fmt.Sprintf(`{"p_id":%s,"s_id":%s,"shop_id":1,"aftersale_id":"a1","aftersale_status":12,"aftersale_type":1,"refund_amount":490,"refund_post_amount":0,"reason_code":15,"success_time":%d}`, order, order, time.Now().Unix())})
	if code, _ := a.hook("doudian", "shop1", refund, sign(refund)...); code != 200 {
		t.Fatalf("refund: %d", code)
	}
	s = waitSnap(t, a.Engine, func(s live.Snapshot) bool { return s.SessionTotals.RefundFen == 490 })
	if s.SessionTotals.Refunds != 1 || s.SessionTotals.GMV != 1990 {
		t.Fatalf("after refund: %+v", s.SessionTotals)
	}
}

func waitSnap(t *testing.T, e *live.Engine, ok func(live.Snapshot) bool) live.Snapshot {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := snapshotOf(t, e, "shop1", "r1")
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("snapshot never matched: totals %+v flags %+v", s.SessionTotals, s.Flags)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TikTok Shop: signed notifications of each mapped type become events; a replay counts once;
// malformed JSON is a 400 with the reason; a bad signature a 401.
func TestTikTokWebhookEndToEnd(t *testing.T) {
	a := startServer(t)
	ctx := context.Background()
	if err := a.Integrations.Put(ctx, platform.Integration{Shop: "shop1", Platform: platform.TikTok, AppKey: "tts-app-key", Secret: "tts-secret"}); err != nil {
		t.Fatal(err)
	}
	send := func(body string) (int, string) {
		return a.hook("tiktok", "shop1", []byte(body), "Authorization", platform.TikTokSign("tts-app-key", "tts-secret", []byte(body)))
	}
	ts := time.Now().Unix()
	bodies := []string{
		fmt.Sprintf(`{"type":1,"tts_notification_id":"n1","shop_id":"7494049642642441621","timestamp":%d,"data":{"order_id":"576486316948490001","order_status":"UNPAID","is_on_hold_order":false,"update_time":%d}}`, ts, ts),
		fmt.Sprintf(`{"type":1,"tts_notification_id":"n2","shop_id":"7494049642642441621","timestamp":%d,"data":{"order_id":"576486316948490001","order_status":"CANCEL","update_time":%d}}`, ts, ts),
		fmt.Sprintf(`{"type":12,"tts_notification_id":"n3","shop_id":"1","timestamp":%d,"data":{"order_id":"5764","return_role":"BUYER","return_type":"REFUND","return_status":"RETURN_OR_REFUND_REQUEST_PENDING","return_id":"r1","create_time":%d,"update_time":%d}}`, ts, ts, ts),
		fmt.Sprintf(`{"type":14,"tts_notification_id":"n4","shop_id":"1","timestamp":%d,"data":{"content":"{\"content\":\"444\"}","conversation_id":"710688832392260838","create_time":%d,"is_visible":true,"message_id":"722323407926368819","index":"7494560109732334274","type":"TEXT","sender":{"im_user_id":"707885565181165594","role":"BUYER"}}}`, ts, ts),
		fmt.Sprintf(`{"type":27,"tts_notification_id":"n5","shop_id":"1","timestamp":%d,"data":{"product_id":"1729","sku_id":"1730","inventory_distribution":{"total_quantity":10,"available_quantity":7},"update_time":%d}}`, ts, ts),
		fmt.Sprintf(`{"type":5,"tts_notification_id":"n6","shop_id":"1","timestamp":%d,"data":{"product_id":"1"}}`, ts),
	}
	for _, b := range bodies {
		if code, out := send(b); code != 200 {
			t.Fatalf("%s: %d %s", b, code, out)
		}
	}
	if code, _ := send(bodies[0]); code != 200 {
		t.Fatal("replay refused")
	}
	if code, _ := a.hook("tiktok", "shop1", []byte(bodies[0]), "Authorization", strings.Repeat("a", 64)); code != 401 {
		t.Fatalf("bad signature: %d", code)
	}
	if code, _ := send(`{"type":1,"pad":"` + strings.Repeat("x", platform.MaxPush) + `"}`); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized: %d", code)
	}
	bad := `{"type":12,"tts_notification_id":"n7","shop_id":"1","timestamp":1,"data":{"order_id":"1","create_time": 1627587600 "update_time":1}}`
	if code, out := send(bad); code != 400 || !strings.Contains(out, "body") {
		t.Fatalf("malformed: %d %s", code, out)
	}
	for q, want := range map[string]uint64{
		"SELECT count() FROM events WHERE shop = 'shop1' AND id LIKE 'tt:%'":                                                              5,
		"SELECT count() FROM events WHERE shop = 'shop1' AND type = 'order' AND status = 'cancelled' AND order_id = '576486316948490001'": 1,
		"SELECT count() FROM events WHERE shop = 'shop1' AND type = 'cs_message' AND direction = 'in' AND text = '444'":                   1,
		"SELECT count() FROM events WHERE shop = 'shop1' AND type = 'stock' AND product = '1729' AND value = 7":                           1,
	} {
		if n := a.count(q); n != want {
			t.Fatalf("%s: %d, want %d", q, n, want)
		}
	}
	sum, _ := (&platform.Stats{Redis: a.Redis}).Summary(ctx, "shop1", platform.TikTok)
	if sum.CountOf("1", false) != 2 || sum.CountOf("5", true) != 1 {
		t.Fatalf("counts %+v", sum.Counts)
	}
}

func TestIntegrationCommand(t *testing.T) {
	opts, conn := localtest.Database(t)
	ctx := context.Background()
	common := []string{"--clickhouse-addr", opts.Addr, "--clickhouse-db", opts.Database, "--base-url", "https://desk.example.com"}
	runCmd := func(stdin string, args ...string) (int, string, string) {
		integrationStdin = strings.NewReader(stdin)
		defer func() { integrationStdin = nil }()
		var out, errb bytes.Buffer
		code := run(ctx, append(append([]string{"integration"}, args...), common...), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := runCmd("very-secret-1\n", "set", "--shop", "shop1", "--platform", "doudian", "--app-key", "app-123", "--api-url", "https://openapi-fxg.jinritemai.com")
	if code != 0 || !strings.Contains(out, "https://desk.example.com/hooks/doudian/shop1") {
		t.Fatalf("set: %d %q %q", code, out, errs)
	}
	if code, _, errs := runCmd("", "set", "--shop", "shop1", "--platform", "tiktok", "--app-key", "k"); code != 1 || !strings.Contains(errs, "no app secret") {
		t.Fatalf("no secret: %d %q", code, errs)
	}
	if code, _, errs := runCmd("s\n", "set", "--shop", "shop1", "--platform", "taobao", "--app-key", "k"); code != 1 || !strings.Contains(errs, "platform") {
		t.Fatalf("bad platform: %d %q", code, errs)
	}
	code, out, _ = runCmd("", "list", "--shop", "shop1")
	if code != 0 || !strings.Contains(out, "app-123") || strings.Contains(out, "very-secret-1") || !strings.Contains(out, platform.MaskedSecret) {
		t.Fatalf("list: %d %q", code, out)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM integrations WHERE secret LIKE '%very-secret%'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("secret stored in the clear: %d %v", n, err)
	}
	// 抖店 with its platform shop id (token.create needs it); tokens on standard input are TikTok's only.
	if code, out, errs := runCmd("very-secret-1\n", "set", "--shop", "shop1", "--platform", "doudian", "--app-key", "app-123",
		"--api-url", "https://openapi-fxg.jinritemai.com", "--shop-id", "7001"); code != 0 || strings.Contains(out, "no --shop-id") {
		t.Fatalf("set shop id: %d %q %q", code, out, errs)
	}
	if code, _, errs := runCmd("very-secret-1\nsome-token\n", "set", "--shop", "shop1", "--platform", "doudian", "--app-key", "app-123"); code != 1 ||
		!strings.Contains(errs, "only TikTok Shop takes tokens") {
		t.Fatalf("doudian tokens: %d %q", code, errs)
	}
	// TikTok: the app secret, then the access token and the refresh token, one a line (no final newline).
	code, out, errs = runCmd("tts-secret-9\r\nTTP_access_tok_123\nTTP_refresh_tok_456", "set", "--shop", "shop1", "--platform", "tiktok",
		"--app-key", "tts-key", "--api-url", "https://open-api.tiktokglobalshop.com", "--shop-cipher", "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3")
	if code != 0 || !strings.Contains(out, "secret and tokens encrypted") {
		t.Fatalf("set tiktok: %d %q %q", code, out, errs)
	}
	code, out, _ = runCmd("", "list", "--shop", "shop1")
	if code != 0 || !strings.Contains(out, "GCP_XF90igAAAABh00qsWgtvOiGFNqyubMt3") || !strings.Contains(out, "7001") ||
		strings.Contains(out, "TTP_") || strings.Contains(out, "tts-secret-9") || strings.Count(out, platform.MaskedSecret) != 3 {
		t.Fatalf("list with tokens: %d %q", code, out)
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM integration_tokens WHERE access LIKE '%TTP_%' OR refresh LIKE '%TTP_%'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("token stored in the clear: %d %v", n, err)
	}
	secret, err := account.Secret(ctx, conn, "integrations", nil)
	if err != nil {
		t.Fatal(err)
	}
	sealer, _ := platform.NewSealer(secret)
	store := platform.NewIntegrations(conn, sealer)
	if tok, ok, err := store.Token(ctx, "shop1", platform.TikTok); err != nil || !ok || tok.Access != "TTP_access_tok_123" || tok.Refresh != "TTP_refresh_tok_456" {
		t.Fatalf("stored tokens: %+v %v %v", tok, ok, err)
	}
	if in, ok, err := store.Get(ctx, "shop1", platform.TikTok); err != nil || !ok || in.Secret != "tts-secret-9" || in.ShopCipher == "" {
		t.Fatalf("stored tiktok: %+v %v %v", in, ok, err)
	}
	// Saved again without tokens: the stored ones stay.
	if code, _, errs := runCmd("tts-secret-9\n", "set", "--shop", "shop1", "--platform", "tiktok", "--app-key", "tts-key"); code != 0 {
		t.Fatalf("set again: %d %q", code, errs)
	}
	if tok, ok, _ := store.Token(ctx, "shop1", platform.TikTok); !ok || tok.Access != "TTP_access_tok_123" {
		t.Fatalf("tokens lost: %+v", tok)
	}
	if code, out, _ := runCmd("", "remove", "--shop", "shop1", "--platform", "doudian"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %d %q", code, out)
	}
	if code, out, _ := runCmd("", "list"); code != 0 || strings.Contains(out, "app-123") {
		t.Fatalf("list after remove: %q", out)
	}
}

// The Integrations page: admins only, CSRF on its forms, the secret never shown back, the push
// URL, counts and errors per platform; a refused field names itself.
func TestIntegrationsPage(t *testing.T) {
	s := startServer(t, func(c *Config) { c.BaseURL = "https://desk.example.com" })
	s.addUser("shopA", "boss", account.RoleAdmin, "boss-password-1")
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	if code, _, _ := op.get("/integrations"); code != http.StatusForbidden {
		t.Fatalf("operator: %d", code)
	}
	w := newWebClient(t, s.URL())
	w.login("shopA", "boss", "boss-password-1")
	code, _, body := w.get("/integrations")
	if code != 200 || !strings.Contains(body, "https://desk.example.com/hooks/doudian/shopA") || !strings.Contains(body, "https://desk.example.com/hooks/tiktok/shopA") {
		t.Fatalf("page: %d %.500s", code, body)
	}
	form := url.Values{"app_key": {"app-123"}, "app_secret": {"page-secret-9"}, "api_url": {""}}
	if code, _, _ := w.postForm("/integrations/doudian", form); code != http.StatusForbidden {
		t.Fatalf("save without csrf: %d", code)
	}
	form.Set("_csrf", w.csrf("/integrations"))
	if code, loc, body := w.postForm("/integrations/doudian", form); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/integrations?saved=doudian") {
		t.Fatalf("save: %d %q %.300s", code, loc, body)
	}
	// A push signed with the page's secret is accepted and shows up.
	push := []byte(`[{"tag":"0","msg_id":"0","data":"2020-09-10T16:27:56.52842897+08:00"},{"tag":"104","msg_id":"9","data":"{\"p_id\":1}"}]`)
	if code, _ := s.hook("doudian", "shopA", push, "app-id", "app-123", "event-sign", platform.DoudianSign("app-123", "page-secret-9", push)); code != 200 {
		t.Fatalf("push: %d", code)
	}
	_, _ = s.hook("doudian", "shopA", push, "app-id", "app-123", "event-sign", "bad")
	_, _, body = w.get("/integrations")
	if strings.Contains(body, "page-secret-9") || !strings.Contains(body, "app-123") || !strings.Contains(body, "signature rejected") ||
		!strings.Contains(body, "104") {
		t.Fatalf("page after save: %.3000s", body)
	}
	form.Set("api_url", "ftp://nope")
	if code, _, body := w.postForm("/integrations/tiktok", form); code != http.StatusBadRequest || !strings.Contains(body, "API 地址") {
		t.Fatalf("bad url: %d %.300s", code, body)
	}
	// TikTok tokens and shop_cipher given through the CLI: the page shows that a token is
	// stored (masked) and the cipher, never the token; a save on the page keeps all of them.
	ctx := context.Background()
	if err := s.Integrations.Put(ctx, platform.Integration{Shop: "shopA", Platform: platform.TikTok, AppKey: "tts-key", Secret: "tts-secret",
		ShopCipher: "GCP_cipher_1", AccessToken: "TTP_page_access", RefreshToken: "TTP_page_refresh"}); err != nil {
		t.Fatal(err)
	}
	_, _, body = w.get("/integrations")
	if strings.Contains(body, "TTP_page") || !strings.Contains(body, "GCP_cipher_1") || !strings.Contains(body, "token-state") ||
		!strings.Contains(body, "自用型应用按店铺 ID 自动获取") {
		t.Fatalf("page with tokens: %.3000s", body)
	}
	form.Set("api_url", "")
	if code, _, body := w.postForm("/integrations/tiktok", form); code != http.StatusSeeOther {
		t.Fatalf("save tiktok: %d %.300s", code, body)
	}
	if list, err := s.Integrations.List(ctx, "shopA"); err != nil || len(list) != 2 || list[1].ShopCipher != "GCP_cipher_1" ||
		list[1].AccessToken != platform.MaskedSecret || list[1].AppKey != "app-123" {
		t.Fatalf("after the page's save: %+v %v", list, err)
	}
	rm := url.Values{"_csrf": {form.Get("_csrf")}}
	if code, loc, _ := w.postForm("/integrations/doudian/remove", rm); code != http.StatusSeeOther || !strings.Contains(loc, "removed=doudian") {
		t.Fatalf("remove: %d %q", code, loc)
	}
	if code, _ := s.hook("doudian", "shopA", push, "app-id", "app-123", "event-sign", platform.DoudianSign("app-123", "page-secret-9", push)); code != 401 {
		t.Fatalf("push after remove: %d", code)
	}
}

// One signed push with every mapped 抖店 tag (the documented data objects) and unknown tags
// between them: each mapped tag is stored once with its status, the unknown ones are counted as
// ignored, and a record that cannot be mapped is reported while its neighbours are kept.
func TestDoudianEveryTag(t *testing.T) {
	a := startServer(t)
	ctx := context.Background()
	if err := a.Integrations.Put(ctx, platform.Integration{Shop: "shop1", Platform: platform.Doudian, AppKey: "app-123", Secret: "secret-456"}); err != nil {
		t.Fatal(err)
	}
	const o = "4881995531871913482"
	ts := time.Now().Unix()
	recs := [][3]string{
		{`"100"`, "1", fmt.Sprintf(`{"p_id":%s,"s_ids":[%s],"shop_id":1,"order_status":1,"order_type":0,"create_time":%d,"biz":2}`, o, o, ts)},
		{`"101"`, "2", fmt.Sprintf(`{"pay_amount":1990,"s_ids":[%s],"order_status":2,"order_type":0,"pay_time":%d,"p_id":%s,"shop_id":1,"pay_type":1,"biz":2}`, o, ts, o)},
		{`"110"`, "3", fmt.Sprintf(`{"p_id":%s}`, o)},
		{`"102"`, "4", fmt.Sprintf(`{"biz":2,"logistics_msg":{"express_company_id":"7","logistics_code":"SF1"},"order_status":3,"order_type":0,"p_id":%s,"receiver_msg":{"addr":"a","name":"n","tel":"t"},"s_ids":[%s],"shop_id":1,"update_time":%d}`, o, o, ts)},
		{`"108"`, "5", fmt.Sprintf(`{"p_id":%s,"s_ids":[%s],"update_time":%d}`, o, o, ts+1)},
		{`"103"`, "6", fmt.Sprintf(`{"biz":2,"complete_time":%d,"order_status":5,"order_type":0,"p_id":%s,"s_ids":[%s],"shop_id":1}`, ts, o, o)},
		{`"104"`, "7", fmt.Sprintf(`{"p_id":%s}`, o)},
		{`"106"`, "8", fmt.Sprintf(`{"biz":2,"cancel_reason":"不想要了","cancel_time":%d,"order_status":4,"order_type":0,"p_id":%s,"s_ids":[%s],"shop_id":1}`, ts, o, o)},
		{`"109"`, "9", fmt.Sprintf(`{"p_id":%s,"total_amount":2990,"post_amount":0,"update_time":%d}`, o, ts)},
		{`"200"`, "10", fmt.Sprintf(`{"refund_amount":8900,"refund_voucher_num":0,"shop_id":1,"aftersale_id":7000893114000949517,"aftersale_status":6,"aftersale_type":1,"apply_time":%d,"s_id":%s,"p_id":%s,"refund_post_amount":0,"reason_code":15,"update_time":"2022-09-02T10:27:50+08:00"}`, ts, o, o)},
		{`"201"`, "11", fmt.Sprintf(`{"p_id":%s,"aftersale_id":"7"}`, o)},
		{`"204"`, "12", fmt.Sprintf(`{"p_id":%s,"aftersale_id":"7000893114000949517","refuse_time":%d}`, o, ts)},
		{`"205"`, "13", fmt.Sprintf(`{"p_id":%s,"aftersale_id":"7000893114000949518","refuse_time":%d}`, o, ts)},
		{`"206"`, "14", fmt.Sprintf(`{"p_id":%s,"s_id":%s,"shop_id":95250,"aftersale_id":"7000893114000949519","aftersale_status":12,"aftersale_type":1,"refund_amount":13200,"refund_post_amount":0,"reason_code":15,"success_time":%d,"refund_voucher_num":0}`, o, o, ts)},
		{`"207"`, "15", fmt.Sprintf(`{"p_id":%s,"aftersale_id":"7000893114000949520","close_time":%d}`, o, ts)},
		{`"101"`, "16", `{"pay_amount":"abc","p_id":1}`}, // cannot be mapped: reported, skipped
	}
	push := ddPush(recs...)
	code, body := a.hook("doudian", "shop1", push, "app-id", "app-123", "event-sign", strings.ToUpper(platform.DoudianSign("app-123", "secret-456", push)))
	if code != 200 || body != `{"code":0,"msg":"success"}` {
		t.Fatalf("push: %d %s", code, body)
	}
	want := map[string]string{"100": "created", "101": "paid", "102": "shipped", "108": "shipped", "103": "delivered",
		"106": "cancelled", "109": "created", "200": "refund_requested", "204": "refund_rejected", "205": "refund_rejected",
		"206": "refunded", "207": "refund_rejected"}
	for tag, st := range want {
		if n := a.count("SELECT count() FROM events WHERE shop = 'shop1' AND order_id = ? AND status = ? AND id LIKE ?", o, st, "dd:"+o+":"+tag+":%"); n != 1 {
			t.Errorf("tag %s: %d events with status %s", tag, n, st)
		}
	}
	if n := a.count("SELECT count() FROM events WHERE shop = 'shop1'"); n != uint64(len(want)) {
		t.Fatalf("%d events stored, want %d", n, len(want))
	}
	for q, n := range map[string]uint64{
		"SELECT count() FROM events WHERE id LIKE 'dd:%:200:%' AND amount = 8900":                1,
		"SELECT count() FROM events WHERE id LIKE 'dd:%:206:%' AND amount = 13200":               1,
		"SELECT count() FROM events WHERE id LIKE 'dd:%:109:%' AND amount = 2990":                1,
		"SELECT count() FROM events WHERE extra LIKE '%\"tag\":\"102\"%' AND extra LIKE '%SF1%'": 1,
	} {
		if got := a.count(q); got != n {
			t.Fatalf("%s: %d", q, got)
		}
	}
	sum, _ := (&platform.Stats{Redis: a.Redis}).Summary(ctx, "shop1", platform.Doudian)
	for _, k := range []string{"110", "104", "201"} {
		if sum.CountOf(k, true) != 1 {
			t.Errorf("tag %s not counted as ignored: %+v", k, sum.Counts)
		}
	}
	if sum.CountOf("101", false) != 1 || sum.CountOf("101", true) != 1 || len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0].Error, "pay_amount") {
		t.Fatalf("counts %+v errors %+v", sum.Counts, sum.Errors)
	}
}
