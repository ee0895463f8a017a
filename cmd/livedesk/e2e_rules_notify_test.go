package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/jobs"
)

// TestRuleFlagWebhook: a rule with notify on sends its raised flag to the shop's 企业微信 group
// bot through the jobs' webhook sender — in Chinese and English, naming the rule and the numbers —
// even when the shop turned recaps off; a rule without notify sends nothing.
func TestRuleFlagWebhook(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		_, _ = io.WriteString(w, `{"errcode":0}`)
	}))
	defer bot.Close()
	s := startServer(t, func(c *Config) { c.OutboundPrivate = true })
	if err := jobs.NewStore(s.CH).SaveSetting(context.Background(), jobs.Setting{Shop: "shopA", Job: jobs.NotifySetting, Enabled: true,
		Params: jobs.Values{"url": bot.URL, "format": jobs.FormatWeCom, "recaps": "no"}}); err != nil {
		t.Fatal(err)
	}
	s.addRoom("shopA", "r1")
	admin := newAPIClient(t, s, keyOf(t, s, "shopA", livedesk.ScopeAdmin))
	rules := `{"rules":[
		{"id":"loud","name":"五次点击就报","scope":"product","window_s":60,"enabled":true,"notify":true,
		 "when":[{"metric":"clicks","op":">","value":5}]},
		{"id":"quiet","name":"不发群","scope":"product","window_s":60,"enabled":true,
		 "when":[{"metric":"clicks","op":">","value":1}]}]}`
	if code, res := admin.do("PUT", "/rooms/r1/rules", rules); code != 200 {
		t.Fatalf("rules: %d %v", code, res)
	}
	var ev strings.Builder
	ts := time.Now().UTC().Format(time.RFC3339)
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&ev, `{"id":"n%d","type":"click","ts":"%s","room":"r1","user":"u%d","product":"p7"}`+"\n", i, ts, i)
	}
	if code, res := s.post(s.apiKey("shopA"), []byte(ev.String())); code != 200 {
		t.Fatalf("post: %d %v", code, res)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		got := append([]string(nil), bodies...)
		mu.Unlock()
		if len(got) > 0 {
			b := got[0]
			if !strings.Contains(b, `"msgtype":"text"`) || !strings.Contains(b, "五次点击就报") || !strings.Contains(b, `点击数 6 \u003e 5`) ||
				!strings.Contains(b, `Clicks 6 \u003e 5`) || !strings.Contains(b, "p7") {
				t.Fatalf("webhook body %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no webhook for the flag")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // a second tick: still one post, the quiet rule sends none
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d webhook posts, want 1: %v", len(bodies), bodies)
	}
}

// TestLiveDefaultsRoles: the shop-wide defaults page and its calls are for admins; the room's
// panel for operators and admins, not viewers; a shop default applies to rooms without their own
// settings, and every change is in the log with who made it.
func TestLiveDefaultsRoles(t *testing.T) {
	s := startServer(t)
	s.addRoom("shopA", "r1")
	s.addRoom("shopA", "r2")
	s.addUser("shopA", "boss", account.RoleAdmin, "boss-password-1")
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "view", account.RoleViewer, "view-password-1")
	boss, op, view := newWebClient(t, s.URL()), newWebClient(t, s.URL()), newWebClient(t, s.URL())
	boss.login("shopA", "boss", "boss-password-1")
	op.login("shopA", "op", "op-password-1")
	view.login("shopA", "view", "view-password-1")
	if code, _, body := boss.get("/live-defaults"); code != 200 || !strings.Contains(body, `id="rules"`) {
		t.Fatalf("admin defaults page: %d", code)
	}
	if code, _, _ := op.get("/live-defaults"); code != 403 {
		t.Fatalf("operator on the defaults page: %d", code)
	}
	if code, _, _ := view.get("/rooms/r1/live-config"); code != 403 {
		t.Fatalf("viewer reads the room's config: %d", code)
	}
	if code, _, body := op.get("/rooms/r1/live-config"); code != 200 || !strings.Contains(body, `"own_rules":false`) {
		t.Fatalf("operator reads the room's config: %d %.200s", code, body)
	}
	opTok := op.csrf("/rooms/r1")
	if code, body := op.postJSON("/live-defaults/settings", opTok, `{"no_sale_clicks":40}`); code != 403 {
		t.Fatalf("operator changes the shop defaults: %d %s", code, body)
	}
	tok := boss.csrf("/live-defaults")
	if code, body := boss.postJSON("/live-defaults/settings", tok, `{"no_sale_clicks":40}`); code != 200 {
		t.Fatalf("admin changes the shop defaults: %d %s", code, body)
	}
	if code, body := op.postJSON("/rooms/r1/live-config/settings", opTok, `{"no_sale_clicks":15,"window_s":30}`); code != 400 || !strings.Contains(body, "window_s") {
		t.Fatalf("bad room setting: %d %s", code, body)
	}
	if code, body := op.postJSON("/rooms/r1/live-config/settings", opTok, `{"no_sale_clicks":15}`); code != 200 {
		t.Fatalf("operator changes the room: %d %s", code, body)
	}
	ctx := context.Background()
	if st, _ := s.Engine.Settings(ctx, "shopA", "r2"); st.NoSaleClicks != 40 {
		t.Fatalf("r2 follows the shop default: %+v", st)
	}
	if st, _ := s.Engine.Settings(ctx, "shopA", "r1"); st.NoSaleClicks != 15 {
		t.Fatalf("r1 has its own: %+v", st)
	}
	if code, body := op.postJSON("/rooms/r1/live-config/preview", opTok, `{"name":"试算","scope":"room","window_s":60,"when":[{"metric":"clicks","op":">=","value":0}]}`); code != 200 || !strings.Contains(body, `"hits":[{`) {
		t.Fatalf("preview: %d %s", code, body)
	}
	if code, body := op.postJSON("/rooms/r1/live-config/preview", opTok, `{"name":"坏","scope":"room","window_s":60,"when":[{"metric":"nope","op":">","value":0}]}`); code != 400 || !strings.Contains(body, "坏") {
		t.Fatalf("preview of a bad rule: %d %s", code, body)
	}
	if n := s.count("SELECT count() FROM live_config_changes WHERE shop = 'shopA' AND kind = 'settings' AND ((room = '' AND actor = 'boss') OR (room = 'r1' AND actor = 'op'))"); n != 2 {
		t.Fatalf("changes logged: %d", n)
	}
}
