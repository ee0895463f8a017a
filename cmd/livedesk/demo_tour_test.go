package main

// The first hour of a new user (issue 15), in a browser: the demo shop of `make run`, built the
// same way (catalog import, seven recorded earlier sessions, a shop day, the live stream, every
// job once), toured page by page in both languages. With LIVEDESK_SCREENSHOTS set (make
// screenshots) it also writes the README's screenshots there.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/livedesk/livedesk/jobs"
)

// dayZone is a fixed-offset zone where it is now mid-afternoon, so the customer-service job's
// 08:00–23:00 window holds the demo's conversations whatever the hour the test runs at (and the
// shop's clock differs from the browser's, which runs in the machine's zone).
func dayZone(now time.Time) string {
	off := (14 - now.UTC().Hour() + 24) % 24
	if off > 12 {
		off -= 24
	}
	switch {
	case off == 0:
		return "Etc/GMT"
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off) // POSIX sign: Etc/GMT-8 is UTC+8
	default:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
}

// demoShop starts a server with the demo shop of `make run` on it and returns it with the dev
// environment (its logins and key). The live stream runs at speed until the test ends.
func demoShop(t *testing.T, speed float64, past time.Duration) (*testServer, *devEnv) {
	t.Helper()
	zone := dayZone(time.Now())
	s := startServer(t, func(c *Config) { c.TZ = zone })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := &devEnv{Dir: t.TempDir(), Shop: "demo", Room: "live1", Speed: speed, Seed: 7, Main: s.Main, Past: past, out: io.Discard}
	var err error
	if d.APIKey, err = devAPIKey(ctx, d); err != nil {
		t.Fatal(err)
	}
	for _, step := range []func(context.Context, *devEnv) error{devLogin, devCatalog, devSimulate} {
		if err := step(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := buildDemo(ctx, d); err != nil {
		t.Fatal(err)
	}
	return s, d
}

// apiGet reads GET /api/v1<path> with the demo key into v; it returns the status.
func apiGet(t *testing.T, d *devEnv, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, d.Main.URL()+"/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+d.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// failedLoads records the page's HTTP answers of 400 and more (a missing favicon, script …).
func failedLoads(t *testing.T, pg *page) func() []string {
	var mu sync.Mutex
	var bad []string
	err := chromedp.Listen(pg.ctx, func(ev any) {
		if e, ok := ev.(*network.EventResponseReceived); ok && e.Response != nil && e.Response.Status >= 400 {
			mu.Lock()
			bad = append(bad, fmt.Sprintf("%d %s", e.Response.Status, e.Response.URL))
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		out := bad
		bad = nil
		return out
	}
}

// uiText is the page's own words (headings, table heads, buttons, labels, navigation, tiles),
// not the shop's data (titles, comments, reviews), one string per element.
// Cue presets (#act-presets) are the shop's own texts; a select's options are values.
const uiText = `Array.from(document.querySelectorAll("h1,h2,h3,th,button,label,nav a,.tile .label,legend"))
	.filter(function (e) { return e.offsetParent !== null && !e.closest("#act-presets"); })
	.map(function (e) {
		var c = e.cloneNode(true);
		c.querySelectorAll("select,option,datalist").forEach(function (x) { x.remove(); });
		return c.textContent.trim();
	}).filter(Boolean)`

// englishOK are the Latin words a Chinese page may use (metric names, formats, brands).
var englishOK = map[string]bool{"GPM": true, "CTR": true, "CVR": true, "ROI": true, "UV": true, "GMV": true, "API": true,
	"Key": true, "CSV": true, "XLSX": true, "Excel": true, "TikTok": true, "Shop": true, "English": true, "ID": true, "livedesk": true, "cron": true, "Webhook": true, "feishu": true, "wecom": true}

// chineseOK are the Chinese words an English page may quote: the label buyers see on screen.
var chineseOK = []string{"即将售罄", "中文"}

var latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)
var cjk = regexp.MustCompile(`\p{Han}`)

// rawIDs finds the product ids shown without their title nearby: for each text node naming a
// catalog id, the closest row, list item or block must also hold the product's title.
func rawIDs(pg *page, titles map[string]string) []string {
	b, _ := json.Marshal(titles)
	return evalIn[[]string](pg, `(function(titles){
		var out = [], re = /\bp-\d{4}\b/g, w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (var n = w.nextNode(); n; n = w.nextNode()) {
			var p = n.parentElement; if (!p || p.closest("script,template,[hidden]") || p.offsetParent === null) continue;
			var m, box = p.closest("tr") || p.closest("li") || p.closest(".flag,.card,p,h1,h2,h3,div") || p;
			while ((m = re.exec(n.textContent))) {
				var t = titles[m[0]];
				if (t && box.textContent.indexOf(t) < 0) out.push(m[0] + " in: " + box.textContent.trim().slice(0, 80));
			}
		}
		return out;
	})(`+string(b)+`)`)
}

func TestDemoTour(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tour of the demo shop")
	}
	start := time.Now()
	past := 5 * time.Minute // enough for seven reports, their comparison and a week of returns
	if envDefault("LIVEDESK_SCREENSHOTS", "") != "" {
		past = 15 * time.Minute // what make run posts: reports worth a picture
	}
	s, d := demoShop(t, 10, past)
	t.Logf("demo shop built in %v", time.Since(start).Round(time.Millisecond))
	loc := s.Main.Config.Location

	titles := map[string]string{}
	ps, err := s.Main.Catalog.List(context.Background(), d.Shop)
	if err != nil || len(ps) == 0 {
		t.Fatalf("demo catalog: %d products, %v", len(ps), err)
	}
	for _, p := range ps {
		titles[p.ID] = p.Title
	}

	// Every job type has produced a task.
	var tasks struct {
		Items []struct{ Type, Title string }
	}
	apiGet(t, d, "/tasks?limit=500", &tasks)
	seen := map[string]string{}
	for _, x := range tasks.Items {
		seen[x.Type] = x.Title
	}
	for _, j := range jobs.Default().All() {
		for _, typ := range j.TaskTypes {
			if _, ok := seen[typ]; !ok {
				t.Errorf("job %s raised no %s task (types seen: %v)", j.Name, typ, seen)
			}
		}
	}
	if r := seen[jobs.TypeRestock]; !strings.Contains(r, "真丝眼罩") {
		t.Errorf("restock task does not name the product by title: %q", r)
	}

	// The seven earlier sessions have their reports (the newest compares with the six before).
	var sessions struct {
		Items []struct {
			ID      string `json:"id"`
			EndedBy string `json:"ended_by"`
		}
	}
	apiGet(t, d, "/rooms/live1/sessions", &sessions)
	var recorded []string
	for _, x := range sessions.Items {
		if x.EndedBy == "recorded" {
			recorded = append(recorded, x.ID)
		}
	}
	if len(recorded) != 7 {
		t.Fatalf("%d recorded earlier sessions, want 7: %+v", len(recorded), sessions.Items)
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, id := range recorded {
		for apiGet(t, d, "/sessions/"+id+"/report", nil) != http.StatusOK {
			if time.Now().After(deadline) {
				t.Fatalf("report of %s not built in time", id)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	b := newBrowser(t)
	pg := b.page(t, s.URL())
	loads := failedLoads(t, pg)
	login(t, pg, d.Shop, "admin", d.Pass)
	// make screenshots: what a 1600×1000 window shows of each page, for the README.
	shot := func(name string) {
		dir := strings.TrimSpace(envDefault("LIVEDESK_SCREENSHOTS", ""))
		if dir == "" {
			return
		}
		buf, err := chromedp.Run(pg.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if envDefault("LIVEDESK_SCREENSHOTS", "") != "" {
		if err := chromedp.Do(pg.ctx, chromedp.EmulateViewport(1600, 1000)); err != nil {
			t.Fatal(err)
		}
	}
	tour := []struct {
		path, ready, shot string
	}{
		{"/", "#rooms", "rooms.png"},
		{"/rooms/live1", "#products tbody tr", "control-room.png"},
		{"/rooms/live1/prompter", "#p-stock", "prompter.png"},
		{"/rooms/live1/sessions", "#sessions", "sessions.png"},
		{"/sessions/" + recorded[0] + "/report", "#report-compare", "report.png"},
		{"/products", "table", "products.png"},
		{"/tasks", "#task-counts", "tasks.png"},
		{"/jobs", "table", "jobs.png"},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		to := "zh-CN"
		if lang == "en" {
			to = "en"
		}
		pg.open("/lang?to="+to+"&back=/", "body")
		for _, st := range tour {
			t.Logf("%s %s", lang, st.path)
			pg.open(st.path, st.ready)
			time.Sleep(700 * time.Millisecond) // a tick over the socket
			for _, raw := range evalIn[[]string](pg, uiText) {
				txt := strings.ReplaceAll(raw, d.Room, "") // the room's name and titles are the shop's data
				for _, title := range titles {
					txt = strings.ReplaceAll(txt, title, "")
				}
				for _, w := range chineseOK {
					txt = strings.ReplaceAll(txt, w, "")
				}
				if lang == "en" {
					if cjk.MatchString(txt) {
						t.Errorf("%s (en): Chinese UI text %q (as shown: %q)", st.path, txt, raw)
					}
					continue
				}
				for _, w := range latinWord.FindAllString(txt, -1) {
					if !englishOK[w] {
						t.Errorf("%s (zh): English UI word %q in %q (as shown: %q)", st.path, w, txt, raw)
					}
				}
			}
			for _, r := range rawIDs(pg, titles) {
				t.Errorf("%s (%s): product id without its title: %s", st.path, lang, r)
			}
			if bad := loads(); len(bad) > 0 {
				t.Errorf("%s (%s): failed loads %v", st.path, lang, bad)
			}
			pg.noJSErrors()
			if lang == "zh-CN" {
				shot(st.shot)
			}
		}
	}

	// The prompter's clock is the shop's, and its stock is the control room's.
	pg.open("/rooms/live1/prompter", "#p-stock")
	pg.waitJS(`document.getElementById("clock").textContent.length >= 4`, 10*time.Second)
	clock := pg.text("#clock")
	now := time.Now().In(loc)
	if clock != now.Format("15:04") && clock != now.Add(-time.Minute).Format("15:04") && clock != now.Add(time.Minute).Format("15:04") {
		t.Errorf("prompter clock %q, want the shop's %s (%s)", clock, now.Format("15:04"), loc)
	}
	cr := b.page(t, s.URL())
	cr.open("/rooms/live1", "#products tbody tr")
	var last string
	deadline = time.Now().Add(20 * time.Second)
	for {
		var st struct {
			Stage struct {
				Product *struct {
					ID    string `json:"id"`
					Stock int64  `json:"stock"`
				} `json:"product"`
			} `json:"stage"`
		}
		apiGet(t, d, "/rooms/live1/stage", &st)
		if p := st.Stage.Product; p != nil {
			table := evalIn[string](cr, fmt.Sprintf(`(function(){var r=document.querySelector('#products tr[data-product=%q]');return r ? r.cells[7].textContent : ""})()`, p.ID))
			prompter := pg.text("#p-stock")
			last = fmt.Sprintf("%s (%s): control room %q, prompter %q", p.ID, titles[p.ID], table, prompter)
			if table != "" && strings.ReplaceAll(table, ",", "") == prompter {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pinned product's stock differs: %s", last)
		}
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("stock agrees: %s; tour done in %v", last, time.Since(start).Round(time.Millisecond))
}
