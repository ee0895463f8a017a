package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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

// TestUnicodeRoomInBrowser: in a real browser, the room list's link to a room named in Chinese
// opens its control room, whose socket connects; the prompter of the same
// room connects too, and neither page has a script error.
func TestUnicodeRoomInBrowser(t *testing.T) {
	s := startServer(t)
	room := "直播间二号"
	s.addRoom("shopA", room)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	b := newBrowser(t)
	p := b.page(t, s.URL())
	login(t, p, "shopA", "op", "op-password-1")
	p.open("/", "main")
	href := evalIn[string](p, `(() => { const a = Array.from(document.querySelectorAll('a')).find(a => decodeURIComponent(a.pathname) === '/rooms/直播间二号'); return a ? a.getAttribute('href') : '' })()`)
	if href == "" {
		t.Fatal("the room list has no link to the room")
	}
	p.open(href, "#tiles")
	p.waitJS(`window.livedesk && livedesk.online`, 10*time.Second)
	key := s.apiKey("shopA")
	ts := time.Now().Add(-2 * time.Second).UnixMilli()
	if code, res := s.post(key, []byte(fmt.Sprintf(`{"id":"u-e1","type":"enter","ts":%d,"room":%q,"user":"v9"}`, ts, room))); code != 200 {
		t.Fatalf("post: %d %v", code, res)
	}
	p.waitJS(`document.body.textContent.includes('直播间二号') && livedesk.stats && livedesk.stats.connects >= 1`, 10*time.Second)
	p.open(href+"/prompter", "#prompter")
	p.waitJS(`window.livedesk && livedesk.online`, 10*time.Second)
	p.noJSErrors()
}
