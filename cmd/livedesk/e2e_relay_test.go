package main

// e2e_relay_test.go: live-room relay lines, running totals and the stream's relay format
// through the running server, into the control room's numbers and the prompter's questions.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/platform"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// liveSnapshot reads the room's latest snapshot from the engine until ok accepts it.
func liveSnapshot(t *testing.T, s *testServer, shop, room string, ok func(live.Snapshot) bool) live.Snapshot {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last []byte
	for {
		raw, err := s.Engine.Snapshot(context.Background(), shop, room)
		if err != nil {
			t.Fatal(err)
		}
		if raw != nil {
			last = raw
			var env struct {
				Data live.Snapshot `json:"data"`
			}
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatal(err)
			}
			if ok(env.Data) {
				return env.Data
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the snapshot never got there: %.3000s", last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRelayEndToEnd(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	if err := s.Catalog.Save(ctx, "shopR", []catalog.Product{
		{ID: "coat", Title: "23号 双面羊毛大衣", Price: 59900, Stock: 10},
		{ID: "down", Title: "3号 轻薄羽绒服", Price: 29900, Stock: 10},
	}); err != nil {
		t.Fatal(err)
	}
	c := newAPIClient(t, s, keyOf(t, s, "shopR", livedesk.ScopeIngest))
	ms := time.Now().UnixMilli()
	common := func(method string, id int) string {
		return fmt.Sprintf(`"common":{"method":"%s","msgId":"72920269037314%05d","roomId":"7291917675155180297","createTime":"%d"}`, method, id, ms)
	}
	user := func(id int, nick string) string {
		return fmt.Sprintf(`"user":{"id":"36851754708642%02d","nickname":%q,"secUid":"MS4wLjABAAAApseudo%02d"}`, id, nick, id)
	}
	lines := []string{
		`{` + common("WebcastMemberMessage", 1) + `,` + user(1, "<i>小王</i>") + `,"memberCount":"180","method":"WebcastMemberMessage"}`,
		`{` + common("WebcastMemberMessage", 2) + `,` + user(2, "阿某") + `,"memberCount":"181","method":"WebcastMemberMessage"}`,
		`{` + common("WebcastMemberMessage", 3) + `,` + user(3, "路人") + `,"memberCount":"182","method":"WebcastMemberMessage"}`,
		`{` + common("WebcastRoomUserSeqMessage", 4) + `,"total":"250","totalUser":"9000","method":"WebcastRoomUserSeqMessage"}`,
		`{` + common("WebcastChatMessage", 5) + `,` + user(1, "<i>小王</i>") + `,"content":"23号大衣还有吗","method":"WebcastChatMessage"}`,
		`{` + common("WebcastChatMessage", 6) + `,` + user(2, "阿某") + `,"content":"666","method":"WebcastChatMessage"}`,
		`{` + common("WebcastGiftMessage", 7) + `,` + user(3, "路人") + `,"giftId":"2002","method":"WebcastGiftMessage"}`,
		`{"this is":"not a relay message"}`,
		`{` + common("WebcastLikeMessage", 8) + `,` + user(2, "阿某") + `,"count":"4","method":"WebcastLikeMessage"}`,
	}
	body := strings.Join(lines, "\n") + "\n"
	code, res := c.do("POST", "/relay/douyin?room=relayroom", body)
	if code != 200 || res["accepted"] != 3.0*2+1+1+1+4 || res["raw"] != 1.0 || res["rejected"] != 1.0 {
		t.Fatalf("relay: %d %v", code, res)
	}
	if errs := res["errors"].([]any); errs[0].(map[string]any)["line"] != 8.0 {
		t.Fatalf("errors: %v", errs)
	}
	// The relay reconnects and sends everything again: nothing counts twice.
	if code, res := c.do("POST", "/relay/douyin?room=relayroom", body); code != 200 || res["accepted"] != 0.0 || res["duplicates"] != 13.0 {
		t.Fatalf("resent: %d %v", code, res)
	}
	snap := liveSnapshot(t, s, "shopR", "relayroom", func(x live.Snapshot) bool {
		return x.SessionTotals.Views == 3 && x.SessionTotals.Online == 250 && x.SessionTotals.Likes == 4 && len(x.Comments) == 2
	})
	if snap.SessionTotals.Viewers != 3 {
		t.Errorf("viewers %d", snap.SessionTotals.Viewers)
	}
	var stock live.TopicCount
	for _, q := range snap.Questions {
		if q.Topic == livedesk.TopicStock {
			stock = q
		}
	}
	if stock.Count != 1 || stock.Example != "23号大衣还有吗" || stock.Product != "coat" || stock.ProductTitle != "23号 双面羊毛大衣" {
		t.Fatalf("the prompter's stock question: %+v", stock)
	}
	for _, cm := range snap.Comments {
		if strings.Contains(cm.User, "3685175470") || (cm.User != "<i>小王</i>" && cm.User != "阿某") {
			t.Fatalf("a comment shows %q, not the nickname", cm.User)
		}
	}
	// The prompter's data through the API: the same question, attached to the coat.
	read := newAPIClient(t, s, keyOf(t, s, "shopR", livedesk.ScopeRead))
	if code, res := read.do("GET", "/rooms/relayroom/live", ""); code != 200 || !strings.Contains(fmt.Sprint(res["snapshot"]), "product_title:23号 双面羊毛大衣") {
		t.Fatalf("live: %d %v", code, res)
	}

	// Running totals: clicks without users; the clickers are then not available.
	tb := fmt.Sprintf(`{"at":%d,"room":{"ad_spend":"1500"},"products":[{"product":"coat","impressions":400,"clicks":"25"}]}`, ms)
	if code, res := c.do("POST", "/totals?room=relayroom", tb); code != 200 || res["accepted"] != 426.0 {
		t.Fatalf("totals: %d %v", code, res)
	}
	if code, res := c.do("POST", "/totals?room=relayroom", tb); code != 200 || res["accepted"] != 0.0 {
		t.Fatalf("totals again: %d %v", code, res)
	}
	snap = liveSnapshot(t, s, "shopR", "relayroom", func(x live.Snapshot) bool { return x.SessionTotals.Clicks == 25 })
	if snap.SessionTotals.AdSpend != 1500 || strings.Join(snap.SessionTotals.PeopleNA, ",") != "clickers" || snap.SessionTotals.CVR.OK {
		t.Fatalf("totals in the snapshot: %+v", snap.SessionTotals)
	}
	if code, _ := c.do("POST", "/totals?room=relayroom", `{"room":{"views":-3}}`); code != 400 {
		t.Fatalf("negative total: %d", code)
	}

	// A gzip body (relays batch and compress) is read like the events endpoint reads it.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write([]byte(body))
	zw.Close()
	req, _ := http.NewRequest("POST", s.URL()+"/api/v1/relay/douyin?room=relayroom", &zb)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Encoding", "gzip")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("gzip relay body: %v %v", resp, err)
	} else {
		var got map[string]any
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if got["duplicates"] != 13.0 {
			t.Fatalf("gzip relay body: %v", got)
		}
	}

	// The stream socket takes the same lines with format=relay.
	h := http.Header{"Authorization": {"Bearer " + c.key}}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, _, err := d.Dial("ws://"+s.Addr()+"/api/v1/stream?format=relay&platform=tiktok&room=ttroom", h)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	frame := fmt.Sprintf(`{"event":"chat","data":{"comment":"link 3 还有吗","userId":"6506646277295882242","nickname":"Shîñ","msgId":"7301234567890123456","createTime":"%d"}}`+"\n"+
		`{"event":"roomUser","data":{"viewerCount":77}}`+"\n"+`nonsense`, ms)
	if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatal(err)
	}
	_, reply, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Accepted, Rejected int }
	if json.Unmarshal(reply, &got) != nil || got.Accepted != 2 || got.Rejected != 1 {
		t.Fatalf("stream reply %s", reply)
	}
	snap = liveSnapshot(t, s, "shopR", "ttroom", func(x live.Snapshot) bool { return x.SessionTotals.Online == 77 && len(x.Comments) == 1 })
	if snap.Comments[0].User != "Shîñ" || snap.Comments[0].Product != "down" {
		t.Fatalf("tiktok comment %+v", snap.Comments[0])
	}
}

func TestQianchuanIntegrationCommand(t *testing.T) {
	opts, conn := localtest.Database(t)
	ctx := context.Background()
	common := []string{"--clickhouse-addr", opts.Addr, "--clickhouse-db", opts.Database}
	runCmd := func(stdin string, args ...string) (int, string, string) {
		integrationStdin = strings.NewReader(stdin)
		defer func() { integrationStdin = nil }()
		var out, errb bytes.Buffer
		code := run(ctx, append(append([]string{"integration"}, args...), common...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, _, errs := runCmd("", "set", "--shop", "shop1", "--platform", "qianchuan", "--advertiser-id", "1700000000000001", "--aweme-id", "98765"); code != 1 ||
		!strings.Contains(errs, "no access token") {
		t.Fatalf("no token: %d %q", code, errs)
	}
	if code, _, errs := runCmd("tok\n", "set", "--shop", "shop1", "--platform", "qianchuan", "--advertiser-id", "abc", "--aweme-id", "98765"); code != 1 ||
		!strings.Contains(errs, "advertiser id") {
		t.Fatalf("bad advertiser: %d %q", code, errs)
	}
	code, out, errs := runCmd("QC_token_secret_1\n", "set", "--shop", "shop1", "--platform", "qianchuan", "--advertiser-id", "1700000000000001",
		"--aweme-id", "98765", "--room", "main")
	if code != 0 || !strings.Contains(out, "room main") {
		t.Fatalf("set: %d %q %q", code, out, errs)
	}
	code, out, _ = runCmd("", "list", "--shop", "shop1")
	if code != 0 || !strings.Contains(out, "advertiser 1700000000000001 aweme 98765 room main") || strings.Contains(out, "QC_token") ||
		!strings.Contains(out, platform.DefaultQianchuanURL) {
		t.Fatalf("list: %d %q", code, out)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM integration_tokens WHERE access LIKE '%QC_token%'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("token stored in the clear: %d %v", n, err)
	}
	if code, out, _ := runCmd("", "remove", "--shop", "shop1", "--platform", "qianchuan"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("remove: %d %q", code, out)
	}
}

// The server's 千川 poller polls while the room is live; a refused token shows on the
// Integrations page as a token error, escaped.
func TestQianchuanTokenErrorOnPage(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"code":40102,"message":"access_token已过期<script>","request_id":"r1","data":{}}`)
	}))
	t.Cleanup(api.Close)
	s := startServer(t, func(c *Config) { c.OutboundPrivate = true })
	ctx := context.Background()
	if err := s.Integrations.Put(ctx, platform.Integration{Shop: "shopA", Platform: platform.Qianchuan, AdvertiserID: "1700000000000001",
		AwemeID: "98765", Room: "main", APIURL: api.URL, AccessToken: "expired-token"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Engine.StartSession(ctx, "shopA", "main"); err != nil {
		t.Fatal(err)
	}
	s.addUser("shopA", "boss", account.RoleAdmin, "boss-password-1")
	w := newWebClient(t, s.URL())
	w.login("shopA", "boss", "boss-password-1")
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _, body := w.get("/integrations")
		if code == 200 && strings.Contains(body, `class="token-error"`) && strings.Contains(body, "40102") {
			if strings.Contains(body, "<script>") || !strings.Contains(body, "98765") {
				t.Fatalf("page: %.3000s", body)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no token error on the page: %d %.3000s", code, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// In headless Chromium: relay comments reach the prompter's questions, the product a question
// names is shown (escaped) when it is not the one on air, and 其他 never shows there.
func TestRelayPrompterBrowser(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	if err := s.Catalog.Save(ctx, "shopA", []catalog.Product{
		{ID: "coat", Title: "23号 <b>双面</b>羊毛大衣", Price: 59900, Stock: 10},
		{ID: "tee", Title: "2号 纯棉T恤", Price: 1990, Stock: 10},
	}); err != nil {
		t.Fatal(err)
	}
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-password-1")
	s.addRoom("shopA", "r1")
	pr := newBrowser(t).page(t, s.URL())
	login(t, pr, "shopA", "anchor", "anchor-password-1")
	pr.open("/rooms/r1/prompter", "#prompter")
	pr.waitJS(`window.livedesk && livedesk.online`, 10*time.Second)

	key := keyOf(t, s, "shopA", livedesk.ScopeIngest)
	ms := time.Now().Add(-5 * time.Second).UnixMilli()
	var body strings.Builder
	for i, text := range []string{"23号大衣还有吗", "23号还有货吗", "几点下播", "主播是哪里人", "福袋几点"} {
		fmt.Fprintf(&body, `{"method":"WebcastChatMessage","msg_id":"69226363200996%05d","payload":{"content":%q,"user":{"uid":%d,"nickname":"观众%d"},"common":{"create_time":"%d"}}}`+"\n",
			i, text, 60722721600+i, i, ms)
	}
	req, _ := http.NewRequest("POST", s.URL()+"/api/v1/relay/douyin?room=r1", strings.NewReader(body.String()))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("relay: %v %v", resp, err)
	}
	resp.Body.Close()
	stock := `#q-list li[data-topic="stock"]`
	pr.waitJS(`!!document.querySelector('`+stock+` .q-product')`, 10*time.Second)
	if got := pr.text(stock + " .q-count"); got != "×2" {
		t.Fatalf("stock count %q", got)
	}
	if got := pr.text(stock + " .q-product"); got != "→ 23号 <b>双面</b>羊毛大衣" {
		t.Fatalf("question product %q", got)
	}
	if got := pr.text("#q-list"); strings.Contains(got, "其他") || strings.Contains(got, "下播") {
		t.Fatalf("其他 on the prompter: %q", got)
	}
	if evalIn[bool](pr, `!!document.querySelector('#q-list li[data-topic="other"]')`) {
		t.Fatal("the other topic is listed on the prompter")
	}
}
