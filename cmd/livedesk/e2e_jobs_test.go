package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/livedesk/livedesk/jobs"
)

// End to end: events posted through the API, "run now" from the Jobs page, the task in the
// inbox, the urgent one pushed over the shop socket, done from the inbox, settings validated,
// and every route scoped to the user's shop and role.
func TestJobsAndTasksPages(t *testing.T) {
	s := startServer(t)
	key := s.apiKey("shop1")
	s.addUser("shop1", "boss", "admin", "pass-boss-1")
	s.addUser("shop1", "watch", "viewer", "pass-watch-1")
	s.addUser("shop2", "other", "admin", "pass-other-1")
	created := time.Now().Add(-40 * time.Minute).UTC().Format(time.RFC3339)
	body := fmt.Sprintf(`{"id":"o1c","type":"order","ts":%q,"order":"o1","status":"created","product":"p1","user":"u1","amount":1990}
{"id":"st1","type":"stock","ts":%q,"product":"p7","value":3}
{"id":"rv1","type":"review","ts":%q,"order":"o9","product":"p3","rating":1,"text":"物流慢，<b>色差</b>"}
`, created, created, created)
	if code, res := s.post(key, []byte(body)); code != 200 || res["accepted"] != 3.0 {
		t.Fatalf("post: %d %v", code, res)
	}

	boss := newWebClient(t, s.URL())
	boss.login("shop1", "boss", "pass-boss-1")
	code, ws := boss.dialSocket("/ws")
	if code != http.StatusSwitchingProtocols {
		t.Fatalf("shop socket: %d", code)
	}
	tok := boss.csrf("/jobs")
	if code, loc, _ := boss.postForm("/jobs/unpaid/run", url.Values{"_csrf": {tok}}); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/jobs?ran=unpaid") {
		t.Fatalf("run now: %d %q", code, loc)
	}
	if code, _, page := boss.get("/tasks"); code != 200 || !strings.Contains(page, "催付：订单 o1 下单后未付款") {
		t.Fatalf("inbox %d lacks the reminder: %.500s", code, page)
	}
	if _, _, page := boss.get("/jobs"); !strings.Contains(page, `data-job="unpaid" data-status="ok"`) || !strings.Contains(page, "未付款待催 1") {
		t.Fatalf("runs list lacks the run: %.2000s", page)
	} else if !regexp.MustCompile(`<td>p3</td><td>物流慢</td><td class="num">1</td>`).MatchString(page) {
		t.Fatalf("keyword counts missing: %.3000s", page[strings.Index(page, `id="keywords"`):])
	}
	boss.postForm("/jobs/reviews/run", url.Values{"_csrf": {tok}})
	if _, _, page := boss.get("/tasks?type=review_reply"); !strings.Contains(page, "&lt;b&gt;色差&lt;/b&gt;") || strings.Contains(page, "<b>色差") {
		t.Fatal("review text must be escaped in the inbox")
	}

	// The restock task for p7 (3 left) is urgent: it reaches the open shop socket.
	boss.postForm("/jobs/stock/run", url.Values{"_csrf": {tok}})
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var sawNotify, sawStock bool
	for !(sawNotify && sawStock) {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("socket: %v (notify %v, stock %v)", err, sawNotify, sawStock)
		}
		var env struct {
			Kind string          `json:"kind"`
			Data json.RawMessage `json:"data"`
		}
		json.Unmarshal(msg, &env)
		switch env.Kind {
		case jobs.NotifyKind:
			var n jobs.Notification
			json.Unmarshal(env.Data, &n)
			sawNotify = sawNotify || (n.TaskType == jobs.TypeRestock && strings.Contains(n.Title, "p7"))
		case jobs.StockKind:
			sawStock = strings.Contains(string(env.Data), `"product":"p7"`)
		}
	}

	// Done from the inbox; it moves to the done list.
	id := jobs.TaskID(jobs.TypeUnpaidRemind, jobs.SubjectOrder, "o1")
	tok = boss.csrf("/tasks")
	if code, loc, _ := boss.postForm("/tasks/"+id+"/done", url.Values{"_csrf": {tok}, "back": {"/tasks"}}); code != http.StatusSeeOther || loc != "/tasks" {
		t.Fatalf("done: %d %q", code, loc)
	}
	if _, _, page := boss.get("/tasks?status=done"); !strings.Contains(page, `id="task-`+id+`"`) || !strings.Contains(page, "boss") {
		t.Fatalf("done list lacks the task")
	}
	if _, _, page := boss.get("/tasks"); strings.Contains(page, `id="task-`+id+`"`) {
		t.Fatal("a done task is still in the to-do list")
	}

	// Settings: a bad value is refused with the reason; a good one is stored and rescheduled.
	tok = boss.csrf("/jobs")
	code, _, page := boss.postForm("/jobs/stock", url.Values{"_csrf": {tok}, "enabled": {"on"}, "schedule": {"every 5"},
		"p_soldout_below": {"10"}, "p_safety_stock": {"20"}})
	if code != http.StatusBadRequest || !strings.Contains(page, "5 cron fields") {
		t.Fatalf("bad schedule: %d %.300s", code, page)
	}
	code, _, _ = boss.postForm("/jobs/stock", url.Values{"_csrf": {tok}, "enabled": {"on"}, "schedule": {"0 7 * * *"},
		"p_soldout_below": {"5"}, "p_safety_stock": {"30"}})
	if code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	if _, _, page := boss.get("/jobs"); !regexp.MustCompile(`name="p_safety_stock" value="30"`).MatchString(page) {
		t.Fatal("saved threshold not shown")
	}
	sc := s.Scheduler
	if next := sc.NextRun("shop1", "stock"); next.In(s.Config.Location).Hour() != 7 {
		t.Fatalf("stock not rescheduled to 07:00: %s", next)
	}

	// Roles and shops.
	viewer := newWebClient(t, s.URL())
	viewer.login("shop1", "watch", "pass-watch-1")
	if code, _, page := viewer.get("/tasks"); code != 200 || strings.Contains(page, "task-done") {
		t.Fatalf("viewer inbox: %d (must be read-only)", code)
	}
	if code, _, _ := viewer.get("/jobs"); code != http.StatusForbidden {
		t.Fatalf("viewer jobs page: %d", code)
	}
	vt := viewer.csrf("/tasks")
	if code, _, _ := viewer.postForm("/tasks/"+id+"/snooze", url.Values{"_csrf": {vt}, "hours": {"2"}}); code != http.StatusForbidden {
		t.Fatalf("viewer snooze: %d", code)
	}
	other := newWebClient(t, s.URL())
	other.login("shop2", "other", "pass-other-1")
	// Look in the task rows only: the page's random CSRF token may hold "o1" or "p7" by chance.
	_, _, page = other.get("/tasks?status=all")
	rows := strings.Join(regexp.MustCompile(`(?s)<tr id="task-.*?</tr>`).FindAllString(page, -1), "")
	if strings.Contains(rows, "o1") || strings.Contains(rows, "p7") {
		t.Fatal("shop2 sees shop1's tasks")
	}
	ot := other.csrf("/tasks")
	restock := jobs.TaskID(jobs.TypeRestock, jobs.SubjectProduct, "p7")
	if code, _, _ := other.postForm("/tasks/"+restock+"/done", url.Values{"_csrf": {ot}}); code != http.StatusNotFound {
		t.Fatalf("shop2 closing shop1's task: %d", code)
	}
	if code, _, _ := boss.postForm("/tasks/"+restock+"/done", url.Values{}); code != http.StatusForbidden {
		t.Fatalf("done without CSRF: %d", code)
	}
}

// In a real browser: an urgent task raised while the inbox is open shows up live (strip and
// toast), and "done" in the inbox removes the row.
func TestTasksPageInBrowser(t *testing.T) {
	s := startServer(t)
	key := s.apiKey("shop1")
	s.addUser("shop1", "boss", "admin", "pass-boss-1")
	created := time.Now().Add(-40 * time.Minute).UTC().Format(time.RFC3339)
	body := fmt.Sprintf(`{"id":"o1c","type":"order","ts":%q,"order":"o1","status":"created","product":"p1","user":"u1","amount":1990}
{"id":"st1","type":"stock","ts":%q,"product":"p7","value":3}
`, created, created)
	if code, res := s.post(key, []byte(body)); code != 200 || res["accepted"] != 2.0 {
		t.Fatalf("post: %d %v", code, res)
	}
	sc := s.Scheduler
	if _, err := sc.Runner.Run(context.Background(), "shop1", "unpaid", jobs.TriggerManual); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t)
	pg := b.page(t, s.URL())
	login(t, pg, "shop1", "boss", "pass-boss-1")
	pg.open("/tasks", "#tasks")
	pg.waitJS(`livedesk.online`, 5*time.Second)
	if _, err := sc.Runner.Run(context.Background(), "shop1", "stock", jobs.TriggerManual); err != nil {
		t.Fatal(err)
	}
	pg.waitText("#task-live-list", "补货：商品 p7 库存 3", 5*time.Second)
	pg.waitText(".ld-toast", "p7", 5*time.Second)
	pg.screenshot("tasks-live.png")

	id := jobs.TaskID(jobs.TypeUnpaidRemind, jobs.SubjectOrder, "o1")
	pg.run(chromedp.Click(chromedp.CSS("#task-" + id + " .task-done")))
	pg.waitJS(`location.pathname === "/tasks" && !document.getElementById("task-`+id+`")`, 5*time.Second)
	pg.open("/jobs", "#run-list")
	if txt := pg.text("#run-list"); !strings.Contains(txt, "未付款待催 1") {
		t.Fatalf("runs list: %q", txt)
	}
	pg.screenshot("jobs.png")
	pg.noJSErrors()
}
