package main

// e2e_prompter_test.go drives the prompter and the operator actions end to end in headless
// Chromium; one long scenario (pin, cue, flash sale, coupon, stock) is most of its length.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/stage"
)

// evilTitle is product text a seller could type; it must show as text, never run.
const evilTitle = `<img src=x onerror="document.title='pwned'"><b>加绒</b>卫衣`

// seedCatalog gives shopA two products through the running server's catalog.
func seedCatalog(t *testing.T, s *testServer) *stage.Actions {
	t.Helper()
	a := s.Stage
	if err := a.Catalog.Save(context.Background(), "shopA", []catalog.Product{
		{ID: "p1", Title: evilTitle, Price: 8900, ListPrice: 12900, Stock: 8, Tag: catalog.TagProfit,
			Points: []string{"加绒加厚<script>alert(1)</script>", "三色可选", "不起球", "第四条不显示"}},
		{ID: "p2", Title: "纯棉T恤", Price: 1990, ListPrice: 3990, Stock: 120, Tag: catalog.TagTraffic, Points: []string{"纯棉"}},
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

// mmssSeconds parses the prompter's m:ss countdown.
func mmssSeconds(t *testing.T, s string) int {
	t.Helper()
	m := regexp.MustCompile(`^(\d+):(\d\d)$`).FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		t.Fatalf("countdown %q is not m:ss", s)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return a*60 + b
}

// TestPrompterEndToEnd drives the control room (operator) and the prompter (anchor) in two
// headless Chromiums: pin → prompter, cue → prompter → "got it" → control room, flash-sale
// countdown, buyer questions from the tick, HTML in product text shown as text.
func TestPrompterEndToEnd(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-password-1")
	s.addRoom("shopA", "r1")
	seedCatalog(t, s)

	opB, anB := newBrowser(t), newBrowser(t)
	ctl := opB.page(t, s.URL())
	login(t, ctl, "shopA", "op", "op-password-1")
	ctl.open("/rooms/r1", "#actions")
	ctl.waitJS(`document.querySelectorAll('#act-products li').length === 2`, 10*time.Second)

	pr := anB.page(t, s.URL())
	login(t, pr, "shopA", "anchor", "anchor-password-1")
	pr.open("/rooms/r1/prompter", "#prompter")
	pr.waitJS(`!document.getElementById('product-none').hidden && window.livedesk && livedesk.online`, 10*time.Second)

	// Pin → the prompter shows the product (time printed, not asserted).
	start := time.Now()
	ctl.run(chromedp.Click(chromedp.CSS(`#act-products li[data-product="p1"] .act-pin`)))
	pr.waitText("#p-title", "加绒", 5*time.Second)
	t.Logf("pin → prompter: %v", time.Since(start).Round(time.Millisecond))
	type shown struct {
		Title, Price, List, Stock, Low string
		Points                         []string
		Imgs, Scripts                  int
		DocTitle                       string
	}
	got := evalIn[shown](pr, `({Title: document.getElementById('p-title').textContent,
		Price: document.getElementById('p-price').textContent,
		List: document.getElementById('p-list-price').textContent,
		Stock: document.getElementById('p-stock').textContent,
		Low: document.getElementById('p-low').hidden ? '' : document.getElementById('p-low').textContent,
		Points: Array.from(document.querySelectorAll('#p-points li')).map(e => e.textContent),
		Imgs: document.querySelectorAll('#prompter img').length,
		Scripts: document.querySelectorAll('#prompter script').length,
		DocTitle: document.title})`)
	if got.Title != evilTitle || got.Imgs != 0 || got.Scripts != 0 || strings.Contains(got.DocTitle, "pwned") {
		t.Fatalf("product text not shown as text: %+v", got)
	}
	if got.Price != "¥89.00" || got.List != "¥129.00" || got.Stock != "8" || got.Low != "即将售罄" ||
		len(got.Points) != 3 || got.Points[0] != "加绒加厚<script>alert(1)</script>" {
		t.Fatalf("prompter product = %+v", got)
	}
	ctl.waitText("#act-pinned-title", "加绒", 5*time.Second)

	// A one-tap cue reaches the prompter; the anchor's "got it" reaches the control room.
	start = time.Now()
	ctl.run(chromedp.Click(chromedp.CSS(`#act-presets .preset`)))
	pr.waitJS(`!document.getElementById('cue').hidden && document.getElementById('cue-text').textContent === '强调尺码'`, 5*time.Second)
	t.Logf("cue → prompter: %v", time.Since(start).Round(time.Millisecond))
	ctl.waitText("#act-cue-state", "等待主播确认", 5*time.Second)
	start = time.Now()
	pr.run(chromedp.Click(chromedp.CSS(`#cue-ack`)))
	ctl.waitText("#act-cue-state", "主播已收到", 5*time.Second)
	t.Logf("got it → control room: %v", time.Since(start).Round(time.Millisecond))
	pr.waitJS(`document.getElementById('cue').classList.contains('acked') && !document.getElementById('cue-acked').hidden`, 5*time.Second)

	// A free-text cue replaces it and waits for a new "got it".
	ctl.run(
		chromedp.SetValue(chromedp.CSS(`#act-cue-input`), `<i>换下一款</i>`),
		chromedp.Click(chromedp.CSS(`#act-cue-form button`)),
	)
	pr.waitJS(`document.getElementById('cue-text').textContent === '<i>换下一款</i>' && document.getElementById('cue').classList.contains('fresh')`, 5*time.Second)

	// Flash sale: the countdown runs down on the prompter.
	evalIn[bool](ctl, `document.getElementById('act-flash-box').open = true`)
	ctl.run(
		chromedp.SetValue(chromedp.CSS(`#act-flash-product`), "p1"),
		chromedp.SetValue(chromedp.CSS(`#act-flash-price`), "69.90"),
		chromedp.SetValue(chromedp.CSS(`#act-flash-qty`), "50"),
		chromedp.SetValue(chromedp.CSS(`#act-flash-min`), "2"),
		chromedp.Click(chromedp.CSS(`#act-flash-form button`)),
	)
	pr.waitJS(`!document.getElementById('flash').hidden && /^\d+:\d\d$/.test(document.getElementById('flash-clock').textContent)`, 5*time.Second)
	first := mmssSeconds(t, pr.text("#flash-clock"))
	time.Sleep(2100 * time.Millisecond)
	second := mmssSeconds(t, pr.text("#flash-clock"))
	if first > 120 || first < 110 || second >= first {
		t.Fatalf("countdown %d s then %d s", first, second)
	}
	if p := pr.text("#flash-price"); p != "¥69.90" {
		t.Fatalf("flash price %q", p)
	}

	// The room's live tick (the real engine, fed by posted events) brings the top buyer questions
	// and the pinned product's last-5-minute clicks and orders.
	key := s.apiKey("shopA")
	var ev strings.Builder
	ts := time.Now().Add(-10 * time.Second).UTC().Format(time.RFC3339)
	for i := 0; i < 130; i++ {
		fmt.Fprintf(&ev, `{"id":"c%d","type":"click","ts":"%s","room":"r1","user":"u%d","product":"p1"}`+"\n", i, ts, i)
	}
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&ev, `{"id":"o%d","type":"order","ts":"%s","room":"r1","user":"u%d","product":"p1","order":"o%d","status":"paid","amount":6990,"qty":1}`+"\n", i, ts, i, i)
	}
	for i, q := range []string{"有S码吗？", "L码有吗", "尺码怎么选", "<b>XL码</b>有吗", "什么时候发货"} {
		fmt.Fprintf(&ev, `{"id":"q%d","type":"comment","ts":"%s","room":"r1","user":"v%d","text":%q}`+"\n", i, ts, i, q)
	}
	if code, res := s.post(key, []byte(ev.String())); code != 200 || res["accepted"] != 138.0 {
		t.Fatalf("post events: %d %v", code, res)
	}
	pr.waitText("#p-clicks", "130", 10*time.Second)
	pr.waitText("#p-orders", "3", 5*time.Second)
	pr.waitText("#q-list", "尺码", 5*time.Second)
	qs := evalIn[[]string](pr, `Array.from(document.querySelectorAll('#q-list li')).map(e => e.textContent)`)
	if len(qs) == 0 || !strings.HasPrefix(qs[0], "尺码×4") || evalIn[int](pr, `document.querySelectorAll('#q-list b').length`) != 0 {
		t.Fatalf("questions = %q", qs)
	}

	// Mirror and font size are remembered per device.
	pr.run(chromedp.Click(chromedp.CSS(`#mirror`)), chromedp.Click(chromedp.CSS(`#bigger`)))
	pr.run(chromedp.Reload())
	pr.waitJS(`document.body.classList.contains('mirrored') && getComputedStyle(document.documentElement).getPropertyValue('--scale').trim() === '1.1'`, 5*time.Second)
	pr.run(chromedp.Click(chromedp.CSS(`#mirror`)))
	// After the reload the stage comes back from the server (the prompter rebuilt its screen).
	pr.waitText("#p-title", "加绒", 5*time.Second)
	pr.waitText("#q-list", "尺码", 5*time.Second)
	// A coupon dropped from the control room shows on the prompter.
	evalIn[bool](ctl, `document.getElementById('act-coupon-box').open = true`)
	ctl.run(
		chromedp.SetValue(chromedp.CSS(`#act-coupon-min`), "99"),
		chromedp.SetValue(chromedp.CSS(`#act-coupon-off`), "10"),
		chromedp.SetValue(chromedp.CSS(`#act-coupon-qty`), "200"),
		chromedp.Click(chromedp.CSS(`#act-coupon-form button`)),
	)
	pr.waitText("#coupon-text", "满99减10", 5*time.Second)
	pr.screenshot("prompter.png")
	ctl.screenshot("control-actions.png")
	ctl.open("/products", "#products")
	ctl.screenshot("products.png")
	// A portrait tablet.
	pr.run(chromedp.EmulateViewport(800, 1280))
	pr.waitJS(`matchMedia('(orientation: portrait)').matches`, 5*time.Second)
	pr.screenshot("prompter-portrait.png")
	pr.noJSErrors()
	ctl.noJSErrors()

	// Every action is an event of the room: two cues and the anchor's "got it" on the first.
	for typ, want := range map[string]uint64{"pin": 1, "cue": 3, "flash_sale": 1} {
		if n := s.count("SELECT count() FROM events WHERE shop = 'shopA' AND room = 'r1' AND type = ?", typ); n != want {
			t.Errorf("%s events = %d, want %d", typ, n, want)
		}
	}
	if n := s.count("SELECT count() FROM events WHERE shop = 'shopA' AND room = 'r1' AND type = 'cue' AND position(extra, '\"ack\":\"op-') > 0"); n != 1 {
		t.Errorf("acknowledgement events = %d, want 1", n)
	}
}

// TestActionRoles checks that an anchor can only acknowledge cues, and that another shop's
// operator cannot touch the room or its products.
func TestActionRoles(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addUser("shopA", "anchor", account.RoleAnchor, "anchor-password-1")
	s.addUser("shopB", "op", account.RoleOperator, "op-password-1")
	s.addRoom("shopA", "r1")
	seedCatalog(t, s)

	an := newWebClient(t, s.URL())
	an.login("shopA", "anchor", "anchor-password-1")
	acsrf := an.csrf("/rooms/r1/prompter")
	for _, path := range []string{"/rooms/r1/actions/pin", "/rooms/r1/actions/unpin", "/rooms/r1/actions/cue", "/rooms/r1/actions/flash", "/rooms/r1/actions/coupon"} {
		if code, _ := an.postJSON(path, acsrf, `{"product":"p1","text":"x"}`); code != http.StatusForbidden {
			t.Errorf("anchor %s: %d", path, code)
		}
	}
	if code, _, _ := an.get("/products/p1/edit"); code != http.StatusForbidden {
		t.Errorf("anchor edit product: %d", code)
	}

	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	csrf := op.csrf("/products")
	if code, _ := op.postJSON("/rooms/r1/actions/pin", "", `{"product":"p1"}`); code != http.StatusForbidden {
		t.Errorf("pin without CSRF: %d", code)
	}
	code, body := op.postJSON("/rooms/r1/actions/cue", csrf, `{"text":"强调尺码"}`)
	if code != 200 {
		t.Fatalf("cue: %d %s", code, body)
	}
	var res struct {
		Stage stage.Stage `json:"stage"`
	}
	_ = json.Unmarshal([]byte(body), &res)
	if code, body := an.postJSON("/rooms/r1/prompter/ack", acsrf, `{"cue":"`+res.Stage.Cue.ID+`"}`); code != 200 || !strings.Contains(body, `"acked":true`) {
		t.Fatalf("anchor ack: %d %s", code, body)
	}
	if code, _ := an.postJSON("/rooms/r1/prompter/ack", acsrf, `{"cue":"op-old"}`); code != http.StatusConflict {
		t.Errorf("stale ack: %d", code)
	}
	if code, body := op.postJSON("/rooms/r1/actions/flash", csrf, `{"product":"p1","price":"9.999","qty":5,"seconds":60}`); code != 400 || !strings.Contains(body, "error") {
		t.Errorf("bad flash price: %d %s", code, body)
	}
	if code, _ := op.postJSON("/rooms/r1/actions/pin", csrf, `{"product":"nope"}`); code != 404 {
		t.Errorf("pin missing product: %d", code)
	}

	// Another shop sees neither the products nor the room's prompter.
	other := newWebClient(t, s.URL())
	other.login("shopB", "op", "op-password-1")
	ocsrf := other.csrf("/products")
	if code, _ := other.postJSON("/rooms/r1/actions/pin", ocsrf, `{"product":"p1"}`); code != 404 {
		t.Errorf("other shop pin: %d", code)
	}
	if _, _, page := other.get("/products"); strings.Contains(page, "纯棉T恤") {
		t.Errorf("other shop sees shopA's products")
	}
	if code, _, _ := other.get("/rooms/r1/prompter"); code != 404 {
		t.Errorf("other shop prompter: %d", code)
	}
}

// upload posts a file to /products/import as a multipart form.
func (w *webClient) upload(csrf, name string, data []byte) (int, string) {
	w.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("_csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", w.base+"/products/import", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := w.c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// TestProductsImportExportPage imports a sheet with good and bad rows through the products page,
// then exports and re-imports it.
func TestProductsImportExportPage(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	csrf := op.csrf("/products")
	sheet := "商品ID,商品标题,价格(元),划线价(元),库存,图片链接,标签,卖点,话术\n" +
		"p1,纯棉T恤,¥19.90,39.90,120,,引流款,纯棉|三色,今天只要19块9\n" +
		"p2,<b>卫衣</b>,abc,,5,,,,\n" +
		"p3,卫裤,59,,x,,,,\n"
	code, page := op.upload(csrf, "商品.csv", []byte(sheet))
	if code != 200 || !strings.Contains(page, `id="import-saved"`) {
		t.Fatalf("import: %d %s", code, page)
	}
	for _, want := range []string{"<strong>1</strong>", "<td class=\"num\">3</td><td>价格(元)</td>", "<td class=\"num\">4</td><td>库存</td>", "纯棉T恤"} {
		if !strings.Contains(page, want) {
			t.Errorf("import page lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>卫衣</b>") {
		t.Errorf("product text not escaped")
	}
	code, _, xlsx := op.get("/products/export?format=xlsx")
	if code != 200 || !strings.HasPrefix(xlsx, "PK") {
		t.Fatalf("export xlsx: %d", code)
	}
	imp, err := catalog.ReadXLSX(strings.NewReader(xlsx))
	if err != nil || len(imp.Products) != 1 || imp.Products[0].Price != 1990 || imp.Products[0].Stock != 120 {
		t.Fatalf("exported xlsx reads back as %+v %v", imp, err)
	}
	if code, page := op.upload(csrf, "商品.xlsx", []byte(xlsx)); code != 200 || !strings.Contains(page, "<strong>1</strong>") {
		t.Fatalf("re-import xlsx: %d", code)
	}
	if code, page := op.upload(csrf, "notes.txt", []byte("x")); code != 400 || !strings.Contains(page, "import-file-error") {
		t.Fatalf("txt upload: %d", code)
	}

	// Add through the form; a bad price comes back with the field's message and the typed text.
	code, _, page = op.postForm("/products", map[string][]string{"_csrf": {csrf}, "id": {"p9"}, "title": {"新品"}, "price": {"19.999"}})
	if code != 400 || !strings.Contains(page, `data-field="price"`) || !strings.Contains(page, `value="19.999"`) {
		t.Fatalf("bad form: %d", code)
	}
	code, loc, _ := op.postForm("/products", map[string][]string{"_csrf": {csrf}, "id": {"p9"}, "title": {"新品"}, "price": {"0.29"}, "points": {"一\n二"}})
	if code != http.StatusSeeOther || loc != "/products?done=saved" {
		t.Fatalf("add: %d %s", code, loc)
	}
	a := s.Stage
	if p, ok, _ := a.Catalog.Get(context.Background(), "shopA", "p9"); !ok || p.Price != 29 || len(p.Points) != 2 {
		t.Fatalf("added product = %+v", p)
	}
	if code, _, _ := op.postForm("/products/p9/delete", map[string][]string{"_csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("delete: %d", code)
	}
	if _, ok, _ := a.Catalog.Get(context.Background(), "shopA", "p9"); ok {
		t.Fatal("deleted product still there")
	}
}

// TestFlagResponseCue: a flag's suggested response, one tap in the control room, goes to the
// prompter as a cue and is stored against the flag (flag_events "responded") and as a cue event
// naming the flag.
func TestFlagResponseCue(t *testing.T) {
	s := startServer(t)
	s.addUser("shopA", "op", account.RoleOperator, "op-password-1")
	s.addRoom("shopA", "r1")
	seedCatalog(t, s)
	key := s.apiKey("shopA")
	var ev strings.Builder
	ts := time.Now().Add(-5 * time.Second).UTC().Format(time.RFC3339)
	for i := 0; i < 120; i++ {
		fmt.Fprintf(&ev, `{"id":"c%d","type":"click","ts":"%s","room":"r1","user":"u%d","product":"p2"}`+"\n", i, ts, i)
	}
	if code, res := s.post(key, []byte(ev.String())); code != 200 || res["accepted"] != 120.0 {
		t.Fatalf("post clicks: %d %v", code, res)
	}
	e := s.Engine
	var flag live.Flag
	deadline := time.Now().Add(10 * time.Second)
	for flag.ID == "" && time.Now().Before(deadline) {
		b, _ := e.Snapshot(context.Background(), "shopA", "r1")
		var env struct {
			Data live.Snapshot `json:"data"`
		}
		_ = json.Unmarshal(b, &env)
		for _, f := range env.Data.Flags {
			if f.Rule == live.RuleNoSale && f.Product == "p2" {
				flag = f
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if flag.ID == "" || len(flag.Responses) == 0 {
		t.Fatalf("no no-sale flag raised: %+v", flag)
	}
	resp := flag.Responses[0]
	op := newWebClient(t, s.URL())
	op.login("shopA", "op", "op-password-1")
	csrf := op.csrf("/products")
	body, _ := json.Marshal(map[string]string{"response": resp.Key, "text": resp.Text})
	code, out := op.postJSON("/rooms/r1/flags/"+url.PathEscape(flag.ID)+"/respond", csrf, string(body))
	if code != 200 {
		t.Fatalf("respond: %d %s", code, out)
	}
	a := s.Stage
	st, err := a.Stage(context.Background(), "shopA", "r1")
	if err != nil || st.Cue == nil || st.Cue.Text != resp.Text || st.Cue.Flag != flag.ID {
		t.Fatalf("stage cue = %+v %v", st.Cue, err)
	}
	if n := s.count("SELECT count() FROM flag_events WHERE shop = 'shopA' AND room = 'r1' AND flag = ? AND action = 'responded' AND actor = 'op'", flag.ID); n != 1 {
		t.Fatalf("responded flag events = %d", n)
	}
	if n := s.count("SELECT count() FROM events WHERE shop = 'shopA' AND type = 'cue' AND position(extra, ?) > 0", flag.ID); n != 1 {
		t.Fatalf("cue events naming the flag = %d", n)
	}
}
