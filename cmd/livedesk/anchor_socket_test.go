package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/account"
)

// TestAnchorSocketCarriesPrompterOnly: an anchor's room socket carries the prompter's stream —
// its tick (clock, the pinned product's clicks and orders, buyer questions without their
// authors) and the stage — and none of the control room's data (GMV, totals, flags, other
// products); the anchor has no shop-wide socket. The operator's socket still gets everything.
func TestAnchorSocketCarriesPrompterOnly(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-pass-1")
	s.addRoom("shopA", "ra")
	seedCatalog(t, s)
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	tok := op.csrf("/rooms/ra")
	if code, body := op.postJSON("/rooms/ra/session/start", tok, "{}"); code != http.StatusOK {
		t.Fatalf("session start: %d %s", code, body)
	}
	key := s.apiKey("shopA")
	now := time.Now().UnixMilli() // after the session began: the window counts the session only
	var body strings.Builder
	for i := range 20 {
		fmt.Fprintf(&body, `{"id":"c%d","type":"click","ts":%d,"room":"ra","user":"buyer-%d","product":"p1"}`+"\n", i, now, i)
		fmt.Fprintf(&body, `{"id":"k%d","type":"click","ts":%d,"room":"ra","user":"buyer-%d","product":"p2"}`+"\n", i, now, i)
	}
	fmt.Fprintf(&body, `{"id":"o1","type":"order","ts":%d,"room":"ra","user":"buyer-1","product":"p1","order":"o1","status":"paid","amount":98765,"qty":1}`+"\n", now)
	fmt.Fprintf(&body, `{"id":"q1","type":"comment","ts":%d,"room":"ra","user":"secret-nick","text":"有S码吗？"}`+"\n", now)
	if code, res := s.post(key, []byte(body.String())); code != 200 {
		t.Fatalf("post: %d %v", code, res)
	}
	if code, b := op.postJSON("/rooms/ra/actions/pin", tok, `{"product":"p1"}`); code != http.StatusOK {
		t.Fatalf("pin: %d %s", code, b)
	}

	anchor := newWebClient(t, s.URL())
	anchor.login("shopA", "anchor", "anchor-pass-1")
	if code, _ := anchor.dialSocket("/ws"); code != http.StatusForbidden {
		t.Fatalf("anchor's shop-wide socket: %d, want 403", code)
	}
	code, conn := anchor.dialSocket("/rooms/ra/ws")
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("anchor's room socket: %d", code)
	}
	kinds := map[string]int{}
	var tick map[string]json.RawMessage
	deadline := time.Now().Add(15 * time.Second)
	// Until the prompter's tick shows the pinned product's window and the size question.
	complete := func() bool {
		return tick != nil && kinds["stage"] > 0 && string(tick["pinned"]) == `"p1"` &&
			strings.Contains(string(tick["products"]), `"clicks":20`) && strings.Contains(string(tick["questions"]), `"topic":"size","label":"尺码","count":1`)
	}
	for time.Now().Before(deadline) && !complete() {
		_ = conn.SetReadDeadline(deadline)
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v (kinds so far %v, last tick pinned %s products %s questions %.300s)", err, kinds, tick["pinned"], tick["products"], tick["questions"])
		}
		for _, leak := range []string{"98765", "gmv", "session_totals", "flags", "p2", "buyer-", "secret-nick"} {
			if strings.Contains(string(msg), leak) {
				t.Fatalf("the anchor's socket carried %q: %.600s", leak, msg)
			}
		}
		var env struct {
			Kind string                     `json:"kind"`
			Data map[string]json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(msg, &env); err != nil {
			t.Fatal(err)
		}
		kinds[env.Kind]++
		if env.Kind != "tick" && env.Kind != "stage" {
			t.Fatalf("the anchor's socket carried a %q message", env.Kind)
		}
		if env.Kind == "tick" {
			tick = env.Data
		}
	}
	if !complete() || !strings.Contains(string(tick["products"]), `"orders":1`) {
		t.Fatalf("the prompter's stream lacks its data: kinds %v, tick products %s questions %s", kinds, tick["products"], tick["questions"])
	}

	// The operator's socket still carries the control room's tick.
	_, opConn := op.dialSocket("/rooms/ra/ws")
	for {
		_ = opConn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, msg, err := opConn.ReadMessage()
		if err != nil {
			t.Fatalf("operator's socket: %v", err)
		}
		if strings.Contains(string(msg), `"kind":"tick"`) {
			if !strings.Contains(string(msg), "session_totals") || !strings.Contains(string(msg), "98765") {
				t.Fatalf("operator's tick lacks the control room's data: %.400s", msg)
			}
			break
		}
	}
}
