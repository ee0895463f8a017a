package jobs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// hookServer fails the first `failures` requests with 500, then answers like the bot.
type hookServer struct {
	mu       sync.Mutex
	bodies   []string
	failures int
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.bodies = append(h.bodies, string(b))
	if len(h.bodies) <= h.failures {
		http.Error(w, "busy", http.StatusInternalServerError)
		return
	}
	io.WriteString(w, `{"code":0,"errcode":0}`)
}

func (h *hookServer) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

func TestWebhooksBothFormatsWithRetry(t *testing.T) {
	for _, c := range []struct {
		format string
		text   func(map[string]any) string
	}{
		{FormatFeishu, func(m map[string]any) string {
			if m["msg_type"] != "text" {
				return ""
			}
			return m["content"].(map[string]any)["text"].(string)
		}},
		{FormatWeCom, func(m map[string]any) string {
			if m["msgtype"] != "text" {
				return ""
			}
			return m["text"].(map[string]any)["content"].(string)
		}},
	} {
		t.Run(c.format, func(t *testing.T) {
			t0 := sh(2026, 11, 20, 10, 0)
			f := newFixture(t, t0)
			hs := &hookServer{failures: 2}
			srv := httptest.NewServer(hs)
			defer srv.Close()
			hooks := &Webhooks{Store: f.runner.Store, Base: 20 * time.Millisecond, Attempts: 4, AllowPrivate: true} // the test receiver is on loopback
			f.runner.Webhooks = hooks
			params := Values{"url": srv.URL, "format": c.format, "recaps": "yes"}
			if err := ValidateNotify(params); err != nil {
				t.Fatal(err)
			}
			if err := f.runner.Store.SaveSetting(context.Background(), Setting{Shop: shop, Job: NotifySetting, Enabled: true, Params: params}); err != nil {
				t.Fatal(err)
			}
			f.ev(t0, ingest.Event{Type: ingest.TypeStock, Product: "p9", Value: 2})
			f.run(t0.Add(time.Minute), "stock")
			hooks.Wait()
			bodies := hs.got()
			if len(bodies) != 3 {
				t.Fatalf("%d requests, want 3 (two failures then success)", len(bodies))
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(bodies[2]), &m); err != nil {
				t.Fatal(err)
			}
			if text := c.text(m); !strings.Contains(text, "补货：商品 p9 库存 2") {
				t.Fatalf("body %s", bodies[2])
			}
			if bodies[0] != bodies[2] {
				t.Fatal("a retry must resend the same body")
			}
		})
	}
}

func TestWebhookGivesUpAfterAttempts(t *testing.T) {
	hs := &hookServer{failures: 100}
	srv := httptest.NewServer(hs)
	defer srv.Close()
	w := &Webhooks{Base: 5 * time.Millisecond, Attempts: 3, AllowPrivate: true} // the test receiver is on loopback
	body, _ := WebhookBody(FormatWeCom, "x")
	start := time.Now()
	if err := w.Deliver(srv.URL, body); err == nil {
		t.Fatal("delivered to a failing server")
	}
	// Backoff doubles: 5 ms + 10 ms between the three tries.
	if n := len(hs.got()); n != 3 || time.Since(start) < 15*time.Millisecond {
		t.Fatalf("%d tries in %s", n, time.Since(start))
	}
	if ValidateNotify(Values{"url": "ftp://x", "format": "feishu", "recaps": "yes"}) == nil ||
		ValidateNotify(Values{"url": "", "format": "slack", "recaps": "yes"}) == nil {
		t.Fatal("bad webhook settings accepted")
	}
}

// TestWebhookRefusesNonPublic: a shop admin's webhook URL cannot reach loopback or carry
// credentials (SSRF towards ClickHouse's HTTP port was possible): refused at save and at dial.
func TestWebhookRefusesNonPublic(t *testing.T) {
	hit := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit++ }))
	defer srv.Close()
	w := &Webhooks{Base: time.Millisecond, Attempts: 1}
	if err := w.Deliver(srv.URL+"/hook", []byte(`{}`)); err == nil || hit != 0 {
		t.Fatalf("delivered to loopback: err %v, %d hits", err, hit)
	}
	if err := ValidateNotify(Values{"url": "https://u:p@open.feishu.cn/x", "format": FormatFeishu, "recaps": "yes"}); err == nil {
		t.Fatal("a URL with credentials was accepted")
	}
}
