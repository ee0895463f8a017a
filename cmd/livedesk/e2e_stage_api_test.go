package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/livedesk/livedesk/account"
)

// TestPrompterFollowsAPIPin: a pin posted through POST /api/v1/events (as the simulator or a
// platform adapter sends it) reaches the prompter's stage, and the control room's header (from
// the tick) names the same product; an API unpin clears both.
func TestPrompterFollowsAPIPin(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-password-1")
	s.addRoom("shopA", "r1")
	seedCatalog(t, s)
	key := s.apiKey("shopA")

	opB, anB := newBrowser(t), newBrowser(t)
	ctl := opB.page(t, s.URL())
	login(t, ctl, "shopA", "op", "op-password-1")
	ctl.open("/rooms/r1", "#tiles")
	ctl.waitJS(`window.livedesk && livedesk.online`, 10*time.Second)
	pr := anB.page(t, s.URL())
	login(t, pr, "shopA", "anchor", "anchor-password-1")
	pr.open("/rooms/r1/prompter", "#prompter")
	pr.waitJS(`!document.getElementById('product-none').hidden && window.livedesk && livedesk.online`, 10*time.Second)

	now := time.Now().UnixMilli()
	body, _ := json.Marshal([]map[string]any{
		{"id": "k1", "type": "click", "ts": now, "room": "r1", "user": "u1", "product": "p2"}, // the room is live
		{"id": "pin1", "type": "pin", "ts": now, "room": "r1", "product": "p2", "user": "adapter"},
	})
	if code, res := s.post(key, body); code != 200 || res["accepted"] != 2.0 {
		t.Fatalf("post: %d %v", code, res)
	}
	start := time.Now()
	pr.waitText("#p-title", "纯棉T恤", 5*time.Second)
	ctl.waitText("#pinned", "纯棉T恤 (p2)", 5*time.Second)
	ctl.waitText(`#products tr[data-product="p2"]`, "讲解中", 5*time.Second)
	t.Logf("API pin → prompter and control room header: %v", time.Since(start).Round(time.Millisecond))

	body, _ = json.Marshal([]map[string]any{{"id": "unpin1", "type": "unpin", "ts": time.Now().UnixMilli(), "room": "r1", "product": "p2"}})
	if code, res := s.post(key, body); code != 200 || res["accepted"] != 1.0 {
		t.Fatalf("post: %d %v", code, res)
	}
	pr.waitJS(`!document.getElementById('product-none').hidden`, 5*time.Second)
	ctl.waitJS(`document.getElementById('pinned').textContent === '—'`, 5*time.Second)
	pr.noJSErrors()
	ctl.noJSErrors()
}
