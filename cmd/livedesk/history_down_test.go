package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestConsoleWhileClickHouseDown: an operator who reloads the control room mid-stream while
// ClickHouse is down gets the console back from Redis (page with the "history unavailable"
// notice, prompter, room socket), the products page says the catalog is unavailable, and
// another shop's room is still refused (issue 17, item 11).
func TestConsoleWhileClickHouseDown(t *testing.T) {
	ch := localtest.ClickHouseServer(t)
	raddr, _ := localtest.Redis(t)
	s := startServerOn(t, schema.Options{Addr: ch.Addr, Database: "histdown"}, raddr, t.TempDir())
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addRoom("shopA", "ra")
	s.addRoom("shopB", "rb")
	ctx := context.Background()
	for _, r := range [][2]string{{"shopA", "ra"}, {"shopB", "rb"}} {
		if _, err := s.Engine.StartSession(ctx, r[0], r[1]); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the engine has published a tick of each room (the latest tick is in Redis).
	deadline := time.Now().Add(20 * time.Second)
	for _, r := range [][2]string{{"shopA", "ra"}, {"shopB", "rb"}} {
		for {
			b, err := s.Engine.Snapshot(ctx, r[0], r[1])
			if err != nil {
				t.Fatal(err)
			}
			if b != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no tick for %s/%s", r[0], r[1])
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	if code, _, _ := op.get("/"); code != http.StatusOK {
		t.Fatalf("room list before the outage: %d", code)
	}

	ch.Stop()
	t.Cleanup(func() {
		// Bring ClickHouse back so the server closes as usual.
		rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if ch2, err := localdb.StartClickHouse(rctx, ch.Dir, ch.Port); err == nil {
			t.Cleanup(ch2.Stop)
		}
	})

	code, _, body := op.get("/rooms/ra")
	if code != http.StatusOK {
		t.Fatalf("control room while ClickHouse is down: %d %.500s", code, body)
	}
	if !strings.Contains(body, "历史数据暂不可用（数据库连接中断），实时数字照常更新") || !strings.Contains(body, `id="history-down"`) {
		t.Errorf("control room without the history notice: %.3000s", body)
	}
	code, _, body = op.get("/rooms/ra/prompter")
	if code != http.StatusOK {
		t.Fatalf("prompter while ClickHouse is down: %d %.500s", code, body)
	}
	if !strings.Contains(body, `id="history-down"`) {
		t.Errorf("prompter without the history notice")
	}
	if code, _ := op.dialSocket("/rooms/ra/ws"); code != http.StatusSwitchingProtocols {
		t.Fatalf("room socket while ClickHouse is down: %d", code)
	}
	// The products page renders with its own notice, no list and no forms.
	code, _, body = op.get("/products")
	if code != http.StatusOK {
		t.Fatalf("products page while ClickHouse is down: %d %.500s", code, body)
	}
	if !strings.Contains(body, `id="products-down"`) || strings.Contains(body, `id="products-empty"`) {
		t.Errorf("products page without the notice, or claiming an empty catalog: %.3000s", body)
	}
	// The cross-shop guard: shopB's room ticks too, yet shopA's operator is never let in. The
	// engine does not know a shopA room "rb" and ClickHouse cannot say, so the answer is 503
	// (unavailable), never the page (404 once ClickHouse is back).
	refused := func(code int) bool { return code == http.StatusNotFound || code == http.StatusServiceUnavailable }
	if code, _, _ := op.get("/rooms/rb"); !refused(code) {
		t.Errorf("another shop's room page while ClickHouse is down: %d", code)
	}
	if code, _, _ := op.get("/rooms/rb/prompter"); !refused(code) {
		t.Errorf("another shop's prompter while ClickHouse is down: %d", code)
	}
	if code, _ := op.dialSocket("/rooms/rb/ws"); !refused(code) {
		t.Errorf("another shop's room socket while ClickHouse is down: %d", code)
	}
}
