package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/livedesk/livedesk/account"
)

// TestUnicodeRoomEndToEnd: a room named in Chinese is taken by ingest, listed, and opens as the
// control room, the prompter, its sessions, its socket and the API; a room id with path
// characters is refused at ingest with the field named, so no link can point at another page.
func TestUnicodeRoomEndToEnd(t *testing.T) {
	s := startServer(t)
	room := "直播间1"
	s.addRoom("shopA", room)
	key := s.apiKey("shopA")
	code, res := s.post(key, []byte(`{"id":"bad1","type":"enter","ts":1796200000000,"room":"../../jobs","user":"u"}`))
	errs, _ := res["errors"].([]any)
	if code != 400 || len(errs) != 1 || errs[0].(map[string]any)["field"] != "room" {
		t.Fatalf("path characters in a room: %d %v", code, res)
	}
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	w := newWebClient(t, s.URL())
	w.login("shopA", "op", "op-password-1")
	if code, _, body := w.get("/"); code != 200 || !strings.Contains(body, room) {
		t.Fatalf("room list: %d, %q not in it", code, room)
	}
	esc := "/rooms/" + url.PathEscape(room)
	for _, p := range []string{esc, esc + "/prompter", esc + "/sessions"} {
		if code, loc, body := w.get(p); code != 200 {
			t.Errorf("GET %s: %d %q %.200s", p, code, loc, body)
		}
	}
	if code, conn := w.dialSocket(esc + "/ws"); code != http.StatusSwitchingProtocols {
		t.Errorf("socket of %s: %d", room, code)
	} else {
		conn.Close()
	}
	if code, _, _ := w.get("/rooms/" + url.PathEscape("直播间2")); code != 404 {
		t.Errorf("a room the shop does not have: %d", code)
	}
	if code, _, _ := w.get("/rooms/a%2F..%2Fjobs"); code == 200 {
		t.Errorf("an encoded slash reached a room page")
	}
	tok := w.csrf(esc)
	if code, body := w.postJSON(esc+"/actions/cue", tok, `{"text":"讲讲面料"}`); code != 200 {
		t.Errorf("cue to %s: %d %s", room, code, body)
	}
}
