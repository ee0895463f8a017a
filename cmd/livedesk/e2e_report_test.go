package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/livedesk/livedesk/report"
)

// TestReportEndToEnd: events posted through the API during a session; ending the session builds
// its report in the background (page ready well within a minute); the page, XLSX and CSV are
// served to the shop only; a late event (ts inside the session, sent after the end) is picked up
// by an automatic rebuild; the rebuild action works; the room's session list links the report.
func TestReportEndToEnd(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	s.addUser("shopA", "boss", "admin", "pw-boss-123")
	s.addUser("shopB", "spy", "admin", "pw-spy-1234")
	key := s.apiKey("shopA")
	e := s.Engine
	reports := s.Reports
	reports.LateDelay, reports.Sweep = 200*time.Millisecond, 300*time.Millisecond
	sess, err := e.StartSession(ctx, "shopA", "r1")
	if err != nil {
		t.Fatal(err)
	}
	at := sess.Started.Add(10 * time.Millisecond).UTC().Format(time.RFC3339Nano)
	body := ""
	for i, ev := range []string{
		`"type":"enter","user":"v1"`, `"type":"enter","user":"v2"`, `"type":"impression","user":"v1","product":"p1"`,
		`"type":"click","user":"v1","product":"p1"`, `"type":"click","user":"v2","product":"p1"`,
		`"type":"order","user":"v1","product":"p1","order":"o1","status":"paid","amount":12345,"qty":1`,
		`"type":"online","value":2`, `"type":"ad_spend","amount":5000`, `"type":"comment","user":"v2","text":"S码有吗？"`,
	} {
		body += fmt.Sprintf(`{"id":"ev%d","ts":"%s","room":"r1",%s}`+"\n", i, at, ev)
	}
	if code, res := s.post(key, []byte(body)); code != 200 || res["accepted"] != 9.0 {
		t.Fatalf("post: %d %v", code, res)
	}
	time.Sleep(2100 * time.Millisecond) // a session of at least two whole seconds
	ended, err := e.EndSession(ctx, "shopA", "r1")
	if err != nil {
		t.Fatal(err)
	}
	endedAt := time.Now()

	w := newWebClient(t, s.URL())
	w.login("shopA", "boss", "pw-boss-123")
	path := "/sessions/" + ended.ID + "/report"
	page := waitPage(t, w, path, "¥123.45", time.Minute)
	t.Logf("report ready %s after the session ended", time.Since(endedAt).Round(time.Millisecond))
	for _, want := range []string{"¥123.45", "¥50.00", `id="h-views">2<`, `id="h-viewers">2<`, "GPM", "÷", "尺码", "r1"} {
		if !strings.Contains(page, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	code, _, x := w.get(path + ".xlsx")
	if code != 200 || !strings.HasPrefix(x, "PK") {
		t.Fatalf("xlsx: %d %.20q", code, x)
	}
	code, _, csv := w.get("/sessions/" + ended.ID + "/minutes.csv")
	if code != 200 || !strings.Contains(csv, "成交金额") || !strings.Contains(csv, "123.45") {
		t.Fatalf("csv: %d %.300s", code, csv)
	}
	code, _, list := w.get("/rooms/r1/sessions")
	if code != 200 || !strings.Contains(list, path) {
		t.Fatalf("session list: %d %.300s", code, list)
	}

	// Another shop sees nothing of it.
	spy := newWebClient(t, s.URL())
	spy.login("shopB", "spy", "pw-spy-1234")
	for _, p := range []string{path, path + ".xlsx", "/sessions/" + ended.ID + "/minutes.csv"} {
		if code, _, _ := spy.get(p); code != 404 {
			t.Errorf("other shop GET %s: %d", p, code)
		}
	}
	if code, _, b := spy.get("/rooms/r1/sessions"); code != 200 || strings.Contains(b, ended.ID) {
		t.Errorf("other shop's session list shows the session: %d", code)
	}

	// A late paid order inside the session: the report is rebuilt by itself. Receive times and
	// the session end are stored in whole seconds, so the order is sent in a later second than
	// the end (within the end's own second it could not be told from an on-time event).
	time.Sleep(time.Until(endedAt.Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
	late := fmt.Sprintf(`{"id":"late1","ts":"%s","room":"r1","type":"order","user":"v2","product":"p1","order":"o2","status":"paid","amount":1000,"qty":1}`, at)
	if code, res := s.post(key, []byte(late)); code != 200 || res["accepted"] != 1.0 {
		t.Fatalf("late post: %d %v", code, res)
	}
	page = waitPage(t, w, path, "¥133.45", time.Minute)
	if !strings.Contains(page, `id="q-late">1`) {
		t.Errorf("late event not counted in data quality")
	}

	// The rebuild action (admin/operator, with CSRF).
	tok := w.csrf(path)
	code, loc, _ := w.postForm(path+"/rebuild", url.Values{"_csrf": {tok}})
	if code != 303 || loc != path {
		t.Fatalf("rebuild: %d %q", code, loc)
	}
	if code, _, _ := w.postForm(path+"/rebuild", url.Values{}); code != 403 {
		t.Fatalf("rebuild without CSRF: %d", code)
	}
}

// waitPage polls path until it answers 200 containing want.
func waitPage(t *testing.T, w *webClient, path, want string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	var last string
	var code int
	for time.Now().Before(deadline) {
		code, _, last = w.get(path)
		if code == 200 && strings.Contains(last, want) {
			return last
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("GET %s: %d without %q within %s: %.500s", path, code, want, within, last)
	return ""
}

// TestReportPageInBrowser: the report page renders its four uPlot charts with the markers
// without JS errors, and the print stylesheet hides the navigation and the buttons.
func TestReportPageInBrowser(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	s.addUser("shopA", "boss", "admin", "pw-boss-123")
	key := s.apiKey("shopA")
	start := time.Now().UTC().Add(-30 * time.Minute).Truncate(time.Minute)
	var body strings.Builder
	for i := 0; i < 20; i++ {
		at := start.Add(time.Duration(i) * time.Minute).Add(5 * time.Second).Format(time.RFC3339)
		fmt.Fprintf(&body, `{"id":"b%d-e","ts":"%s","room":"r1","type":"enter","user":"v%d"}`+"\n", i, at, i)
		fmt.Fprintf(&body, `{"id":"b%d-c","ts":"%s","room":"r1","type":"click","user":"v%d","product":"p1"}`+"\n", i, at, i)
		fmt.Fprintf(&body, `{"id":"b%d-o","ts":"%s","room":"r1","type":"online","value":%d}`+"\n", i, at, 100+i)
		if i%3 == 0 {
			fmt.Fprintf(&body, `{"id":"b%d-p","ts":"%s","room":"r1","type":"order","user":"v%d","product":"p1","order":"o%d","status":"paid","amount":%d,"qty":1}`+"\n", i, at, i, i, 1000+i)
		}
		if i%5 == 0 {
			fmt.Fprintf(&body, `{"id":"b%d-pin","ts":"%s","room":"r1","type":"pin","product":"p1"}`+"\n", i, at)
		}
	}
	if code, res := s.post(key, []byte(body.String())); code != 200 || res["rejected"] != 0.0 {
		t.Fatalf("post: %d %v", code, res)
	}
	reports := s.Reports
	span := report.SessionSpan{Shop: "shopA", Room: "r1", Session: "browser-1", Start: start, End: start.Add(20 * time.Minute)}
	if _, err := reports.Rebuild(ctx, span); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	p := b.page(t, s.URL())
	login(t, p, "shopA", "boss", "pw-boss-123")
	p.open("/sessions/browser-1/report", "#report-headline")
	p.waitJS(`document.querySelectorAll("#report-charts canvas").length >= 4`, 10*time.Second)
	p.waitJS(`document.querySelectorAll(".report-marker-list li").length === 4`, 5*time.Second)
	if got := p.text("#h-gmv"); got != "¥70.63" { // orders at minutes 0, 3, …, 18 of 1000+i fen: 7063 fen
		t.Errorf("GMV tile %q", got)
	}
	p.noJSErrors()
	p.screenshot("report.png")
	if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	p.waitJS(`getComputedStyle(document.querySelector(".topbar")).display === "none" && document.querySelector("#report-xlsx").getClientRects().length === 0 && getComputedStyle(document.body).backgroundColor === "rgb(255, 255, 255)"`, 5*time.Second)
}

// TestReportBuiltOnFirstVisit: a session that ended without a report yet (e.g. the server was
// restarting) shows "being built" and reloads until its report is there.
func TestReportBuiltOnFirstVisit(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	s.addUser("shopA", "boss", "viewer", "pw-boss-123")
	end := time.Now().UTC().Add(-time.Minute).Truncate(time.Second)
	b, err := s.CH.PrepareBatch(ctx, "INSERT INTO stream_sessions (shop, room, id, started, ended, auto, ended_by, version)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append("shopA", "r9", "visit-1", end.Add(-10*time.Minute), end, uint8(0), "operator", uint64(1)); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	w := newWebClient(t, s.URL())
	w.login("shopA", "boss", "pw-boss-123")
	code, _, first := w.get("/sessions/visit-1/report")
	if code != 200 || !(strings.Contains(first, `id="report-building"`) || strings.Contains(first, `id="report-headline"`)) {
		t.Fatalf("first visit: %d %.300s", code, first)
	}
	waitPage(t, w, "/sessions/visit-1/report", `id="report-headline"`, time.Minute)
	if code, _, _ := w.get("/sessions/nope/report"); code != 404 {
		t.Fatalf("unknown session: %d", code)
	}
}
