package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/livedesk/livedesk/account"
	"github.com/redis/go-redis/v9"
)

// webClient is a browser-like HTTP client: a cookie jar and no automatic redirects.
type webClient struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newWebClient(t testing.TB, base string) *webClient {
	jar, _ := cookiejar.New(nil)
	return &webClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get returns the status, Location and body of GET path.
func (w *webClient) get(path string) (int, string, string) {
	w.t.Helper()
	resp, err := w.c.Get(w.base + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// postForm posts form to path; csrf "" sends no token.
func (w *webClient) postForm(path string, form url.Values) (int, string, string) {
	w.t.Helper()
	resp, err := w.c.PostForm(w.base+path, form)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// postJSON posts a JSON body with the CSRF header, as livedesk.post does.
func (w *webClient) postJSON(path, csrf, body string) (int, string) {
	w.t.Helper()
	req, _ := http.NewRequest("POST", w.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)

// csrf loads path and returns the page's CSRF token.
func (w *webClient) csrf(path string) string {
	w.t.Helper()
	code, _, body := w.get(path)
	m := csrfMeta.FindStringSubmatch(body)
	if code != 200 || m == nil {
		w.t.Fatalf("GET %s: %d, no csrf token in %.300s", path, code, body)
	}
	return m[1]
}

// login logs in through the form and fails the test unless it succeeds.
func (w *webClient) login(shop, user, pass string) {
	w.t.Helper()
	tok := w.csrf("/login")
	code, loc, body := w.postForm("/login", url.Values{"_csrf": {tok}, "shop": {shop}, "user": {user}, "password": {pass}, "next": {"/"}})
	if code != http.StatusSeeOther || loc != "/" {
		w.t.Fatalf("login %s/%s: %d %q %.300s", shop, user, code, loc, body)
	}
}

// dialSocket opens a websocket with the client's cookies; it returns the HTTP status of the
// handshake (101 when it upgraded) and the connection.
func (w *webClient) dialSocket(path string) (int, *websocket.Conn) {
	w.t.Helper()
	u, _ := url.Parse(w.base + path)
	h := http.Header{}
	for _, c := range w.c.Jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial("ws://"+u.Host+u.Path, h)
	if err != nil {
		if resp != nil {
			return resp.StatusCode, nil
		}
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { conn.Close() })
	return resp.StatusCode, conn
}

// addUser creates a login on the test server.
func (s *testServer) addUser(shop, name, role, pass string) {
	s.t.Helper()
	if _, err := account.NewUsers(s.CH).Put(context.Background(), shop, name, role, pass); err != nil {
		s.t.Fatal(err)
	}
}

// addRoom gives shop a room by posting one event to it.
func (s *testServer) addRoom(shop, room string) {
	s.t.Helper()
	key := s.apiKey(shop)
	ts := time.Now().Add(-30 * time.Second).UTC().Format(time.RFC3339)
	code, res := s.post(key, []byte(`{"id":"`+shop+room+`-enter","type":"enter","ts":"`+ts+`","room":"`+room+`","user":"v1"}`))
	if code != 200 || res["accepted"] != 1.0 {
		s.t.Fatalf("add room: %d %v", code, res)
	}
}

func TestLoginLogoutCSRF(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	w := newWebClient(t, s.URL())

	// Without a session a page redirects to the login, JSON calls get 401.
	if code, loc, _ := w.get("/"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("GET / without session: %d %q", code, loc)
	}
	// A login post without the CSRF token is refused even with the right password.
	w.get("/login")
	if code, _, _ := w.postForm("/login", url.Values{"shop": {"shopA"}, "user": {"op"}, "password": {"op-password-1"}}); code != http.StatusForbidden {
		t.Fatalf("login without csrf: %d", code)
	}
	// A wrong password gets the generic message.
	tok := w.csrf("/login")
	code, _, body := w.postForm("/login", url.Values{"_csrf": {tok}, "shop": {"shopA"}, "user": {"op"}, "password": {"wrong-password"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "店铺、用户名或密码不正确") {
		t.Fatalf("wrong password: %d %.200s", code, body)
	}
	w.login("shopA", "op", "op-password-1")
	code, _, body = w.get("/")
	if code != 200 || !strings.Contains(body, "shopA · op") {
		t.Fatalf("room list after login: %d %.300s", code, body)
	}
	// A state-changing request needs the token: the room form without it is refused.
	if code, _, _ := w.postForm("/rooms", url.Values{"room": {"r9"}}); code != http.StatusForbidden {
		t.Fatalf("create room without csrf: %d", code)
	}
	tok = w.csrf("/")
	if code, loc, _ := w.postForm("/rooms", url.Values{"_csrf": {tok}, "room": {"r9"}}); code != http.StatusSeeOther || loc != "/rooms/r9" {
		t.Fatalf("create room: %d %q", code, loc)
	}
	if _, _, body := w.get("/"); !strings.Contains(body, `data-room="r9"`) {
		t.Fatalf("created room not listed")
	}
	// A valid token from a page of another origin is refused (Origin check).
	req, _ := http.NewRequest("POST", s.URL()+"/rooms", strings.NewReader(url.Values{"_csrf": {tok}, "room": {"r7"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	resp, err := w.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin post with a valid token: %d", resp.StatusCode)
	}
	// A token from another visitor does not work.
	other := newWebClient(t, s.URL())
	other.login("shopA", "op", "op-password-1")
	if code, _, _ := other.postForm("/rooms", url.Values{"_csrf": {tok}, "room": {"r8"}}); code != http.StatusForbidden {
		t.Fatalf("foreign csrf token: %d", code)
	}
	// Logout revokes the session even for a copy of the cookie.
	u, _ := url.Parse(s.URL())
	stolen := w.c.Jar.Cookies(u)
	tok = w.csrf("/")
	if code, loc, _ := w.postForm("/logout", url.Values{"_csrf": {tok}}); code != http.StatusSeeOther || loc != "/login" {
		t.Fatalf("logout: %d %q", code, loc)
	}
	replay := newWebClient(t, s.URL())
	replay.c.Jar.SetCookies(u, stolen)
	if code, loc, _ := replay.get("/"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("revoked session still works: %d %q", code, loc)
	}
	// Redis restarted without persistence: the logout must not be undone.
	rdb := redis.NewClient(&redis.Options{Addr: s.redis})
	defer rdb.Close()
	if err := rdb.FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	replay = newWebClient(t, s.URL()) // the first replay's jar lost the cookie to the server's clearing
	replay.c.Jar.SetCookies(u, stolen)
	if code, loc, _ := replay.get("/"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("a Redis restart undid the logout: %d %q", code, loc)
	}
}

// TestLoginRateLimit: after the free attempts each further one waits a doubling delay (429 with
// Retry-After, even with the right password); the wait ends and the right password works.
func TestLoginRateLimit(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	w := newWebClient(t, s.URL())
	tok := w.csrf("/login")
	try := func(pass string) (int, string) {
		code, _, body := w.postForm("/login", url.Values{"_csrf": {tok}, "shop": {"shopA"}, "user": {"op"}, "password": {pass}, "next": {"/"}})
		return code, body
	}
	for i := 0; i < 6; i++ { // 5 free, and the 6th starts the 1 s delay
		if code, _ := try("nope-nope"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	if code, body := try("op-password-1"); code != http.StatusTooManyRequests || !strings.Contains(body, "秒后再试") {
		t.Fatalf("during the delay: %d %.300s", code, body)
	}
	time.Sleep(4100 * time.Millisecond) // the 7th attempt doubled the delay to 2 s (from its time)
	if code, _ := try("op-password-1"); code != http.StatusSeeOther {
		t.Fatalf("after the delay the right password is refused: %d", code)
	}
}

// TestLoginAttemptsCountedBeforeBcrypt: 36 simultaneous wrong passwords cannot all reach the
// password check — they are counted first, atomically.
func TestLoginAttemptsCountedBeforeBcrypt(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	w := newWebClient(t, s.URL())
	tok := w.csrf("/login")
	codes := make(chan int, 36)
	var wg sync.WaitGroup
	for i := 0; i < 36; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := w.c.PostForm(s.URL()+"/login", url.Values{"_csrf": {tok}, "shop": {"shopA"}, "user": {"op"}, "password": {"nope-nope"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	checked, limited := 0, 0
	for c := range codes {
		switch c {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Errorf("answer %d", c)
		}
	}
	if checked > 6 || checked+limited != 36 {
		t.Fatalf("%d attempts reached the password check, %d were limited", checked, limited)
	}
}

// TestLoginLimitBehindTrustedProxy: behind a trusted proxy each client is counted on its own
// (X-Forwarded-For), so one guesser does not slow everyone; from an untrusted peer the header is
// ignored.
func TestLoginLimitBehindTrustedProxy(t *testing.T) {
	s := startServer(t, func(c *Config) { c.trustedProxies = "127.0.0.1" })
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	w := newWebClient(t, s.URL())
	tok := w.csrf("/login")
	post := func(xff, pass string) int {
		req, _ := http.NewRequest("POST", s.URL()+"/login", strings.NewReader(url.Values{"_csrf": {tok}, "shop": {"shopA"}, "user": {"op"}, "password": {pass}, "next": {"/"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := w.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 0; i < 8; i++ {
		post("203.0.113.7", "nope-nope") // the guesser
	}
	if code := post("203.0.113.7", "op-password-1"); code != http.StatusTooManyRequests {
		t.Fatalf("the guesser is not slowed: %d", code)
	}
	if code := post("198.51.100.9, 203.0.113.99", "op-password-1"); code != http.StatusSeeOther {
		t.Fatalf("another client behind the proxy is slowed by the guesser: %d", code)
	}
}

func TestDisabledUserLoggedOut(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addRoom("shopA", "ra")
	w := newWebClient(t, s.URL())
	w.login("shopA", "op", "op-password-1")
	code, conn := w.dialSocket("/rooms/ra/ws")
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("socket: %d", code)
	}
	closed := make(chan time.Time, 1)
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				closed <- time.Now()
				return
			}
		}
	}()
	if err := account.NewUsers(s.CH).Disable(context.Background(), "shopA", "op"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case at := <-closed:
		t.Logf("socket closed %v after disable", at.Sub(start).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("socket still open 10 s after the user was disabled")
	}
	if code, loc, _ := w.get("/"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Fatalf("disabled user's page: %d %q", code, loc)
	}
}
func TestRoleAndShopScoping(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-pass-1")
	s.addUser("shopA", "viewer", account.RoleViewer, "viewer-pass-1")
	s.addRoom("shopA", "ra")
	s.addRoom("shopB", "rb")

	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	if code, _ := op.dialSocket("/rooms/ra/ws"); code != http.StatusSwitchingProtocols {
		t.Fatalf("own room socket: %d", code)
	}
	// Another shop's room: 404 for the page and the socket.
	if code, _, _ := op.get("/rooms/rb"); code != http.StatusNotFound {
		t.Fatalf("other shop's room page: %d", code)
	}
	if code, _ := op.dialSocket("/rooms/rb/ws"); code != http.StatusNotFound {
		t.Fatalf("other shop's room socket: %d", code)
	}
	// fetch() calls need the token in X-CSRF-Token; another shop's room is not found.
	if code, _ := op.postJSON("/rooms/ra/session/start", "", "{}"); code != http.StatusForbidden {
		t.Fatalf("session start without csrf: %d", code)
	}
	tokA := op.csrf("/rooms/ra")
	if code, body := op.postJSON("/rooms/ra/session/start", tokA, "{}"); code != http.StatusOK {
		t.Fatalf("session start: %d %s", code, body)
	}
	if code, _ := op.postJSON("/rooms/rb/session/start", tokA, "{}"); code != http.StatusNotFound {
		t.Fatalf("other shop's session start: %d", code)
	}
	if code, body := op.postJSON("/rooms/ra/flags/no_sale%3Ap1%3A1/ack", tokA, "{}"); code != http.StatusNotFound || strings.Contains(body, "live:") {
		t.Fatalf("ack of an unknown flag: %d %s", code, body)
	}
	// No session: the socket is refused.
	anon := newWebClient(t, s.URL())
	if code, _ := anon.dialSocket("/rooms/ra/ws"); code != http.StatusUnauthorized {
		t.Fatalf("socket without session: %d", code)
	}
	if code, _ := anon.dialSocket("/ws"); code != http.StatusUnauthorized {
		t.Fatalf("shop socket without session: %d", code)
	}
	if code, _ := op.dialSocket("/ws"); code != http.StatusSwitchingProtocols {
		t.Fatalf("shop socket: %d", code)
	}
	// The viewer reads but cannot change the stream; the anchor sees no control room.
	viewer := newWebClient(t, s.URL())
	viewer.login("shopA", "viewer", "viewer-pass-1")
	tok := viewer.csrf("/")
	if code, _, _ := viewer.postForm("/rooms", url.Values{"_csrf": {tok}, "room": {"x1"}}); code != http.StatusForbidden {
		t.Fatalf("viewer creates a room: %d", code)
	}
	if code, _, body := viewer.get("/rooms/ra"); code != 200 || strings.Contains(body, `id="session-start"`) {
		t.Fatalf("viewer's control room: %d, start button shown: %v", code, strings.Contains(body, `id="session-start"`))
	}
	if code, _ := viewer.postJSON("/rooms/ra/session/end", viewer.csrf("/rooms/ra"), "{}"); code != http.StatusForbidden {
		t.Fatalf("viewer ends the stream: %d", code)
	}
	anchor := newWebClient(t, s.URL())
	anchor.login("shopA", "anchor", "anchor-pass-1")
	if _, _, body := anchor.get("/"); strings.Contains(body, `href="/rooms/ra"`) || !strings.Contains(body, `href="/rooms/ra/prompter"`) || strings.Contains(body, `action="/rooms"`) {
		t.Fatalf("anchor's room list must link only to the prompter: %.2000s", body)
	}
	if code, _, _ := anchor.get("/rooms/ra"); code != http.StatusForbidden {
		t.Fatalf("anchor opens the control room: %d", code)
	}
	// Nor the desk beyond the prompter: products, tasks, sessions, reports and their exports.
	for _, p := range []string{"/products", "/products/export", "/tasks", "/rooms/ra/sessions", "/sessions/x/report", "/sessions/x/report.xlsx", "/sessions/x/minutes.csv"} {
		if code, _, _ := anchor.get(p); code != http.StatusForbidden {
			t.Errorf("anchor GET %s: %d, want 403", p, code)
		}
	}
	if _, _, body := anchor.get("/"); strings.Contains(body, `href="/products"`) || strings.Contains(body, `href="/tasks"`) {
		t.Errorf("anchor's nav links to pages it may not open")
	}
	if code, _ := anchor.dialSocket("/rooms/ra/ws"); code != http.StatusSwitchingProtocols {
		t.Fatalf("anchor's room socket (for the prompter): %d", code)
	}
}

func TestLanguageSwitchAndStatic(t *testing.T) {
	s := startServer(t)
	w := newWebClient(t, s.URL())
	if _, _, body := w.get("/login"); !strings.Contains(body, `<html lang="zh-CN">`) || !strings.Contains(body, "登录") {
		t.Fatalf("default language is not Chinese: %.300s", body)
	}
	// Only local paths are followed back.
	if code, loc, _ := w.get("/lang?to=en&back=" + url.QueryEscape("//evil.example/x")); code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("lang switch to another site: %d %q", code, loc)
	}
	// A header smuggled in with CR/LF, and a tab that browsers drop ("/\t/host" is "//host"), are
	// never followed: the answer has one Set-Cookie (the language) and goes home.
	for _, back := range []string{"/\r\nSet-Cookie: ld_session=forged", "/\t/evil.example", "/\\evil.example"} {
		resp, err := w.c.Get(s.URL() + "/lang?to=en&back=" + url.QueryEscape(back))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" || len(resp.Header.Values("Set-Cookie")) != 1 {
			t.Fatalf("back=%q: %d Location %q Set-Cookie %q", back, resp.StatusCode, loc, resp.Header.Values("Set-Cookie"))
		}
	}
	if code, loc, _ := w.get("/lang?to=en&back=" + url.QueryEscape("/login?next=/")); code != http.StatusSeeOther || loc != "/login?next=/" {
		t.Fatalf("lang switch: %d %q", code, loc)
	}
	_, _, body := w.get("/login")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Log in") {
		t.Fatalf("English not applied: %.300s", body)
	}
	// Static assets: hashed URLs are immutable for a year; a changed hash is revalidated.
	m := regexp.MustCompile(`href="(/static/css/app\.css\?v=([0-9a-f]+))"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hashed stylesheet link in %.300s", body)
	}
	resp, err := http.Get(s.URL() + m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("hashed asset: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ := http.NewRequest("GET", s.URL()+"/static/css/app.css", nil)
	req.Header.Set("If-None-Match", `"`+m[2]+`"`)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("unhashed asset revalidation: %d %v", resp.StatusCode, resp.Header)
	}
	for _, p := range []string{"/static/../go.mod", "/static/static.go", "/static/nope.js"} {
		if code, _, _ := w.get(p); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, code)
		}
	}
}

func TestRoomListShowsLiveRooms(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addRoom("shopA", "quiet")
	s.addRoom("shopA", "onair")
	s.addRoom("shopB", "other")
	e := s.Engine
	if _, err := e.StartSession(context.Background(), "shopA", "onair"); err != nil {
		t.Fatal(err)
	}
	w := newWebClient(t, s.URL())
	w.login("shopA", "op", "op-password-1")
	_, _, body := w.get("/")
	iOn, iQuiet := strings.Index(body, `data-room="onair"`), strings.Index(body, `data-room="quiet"`)
	if iOn < 0 || iQuiet < 0 || iOn > iQuiet || strings.Contains(body, `data-room="other"`) {
		t.Fatalf("room list (live first, own shop only): %.2000s", body)
	}
	if !strings.Contains(body[iOn:iQuiet], "直播中") {
		t.Errorf("live room not marked live")
	}
}
