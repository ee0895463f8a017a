package main

// e2e_control_test.go drives the control room in headless Chromium against a rendered fixture
// snapshot; the fixture (every tile, product, flag and comment kind) is most of its length.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest/sim"
	"github.com/livedesk/livedesk/views"

	"github.com/livedesk/livedesk/live"
)

// hubOf returns the websocket hub of a running test server.
func hubOf(t testing.TB, s *testServer) *hub.Hub {
	t.Helper()
	h := s.Hub
	return h
}

// addEmptyRoom creates a room the way the room list's form does, without any event.
func (s *testServer) addEmptyRoom(shop, room string) {
	s.t.Helper()
	b, err := s.CH.PrepareBatch(context.Background(), "INSERT INTO rooms (shop, room, title, created, version)")
	if err != nil {
		s.t.Fatal(err)
	}
	defer b.Close()
	if err := b.Append(shop, room, room, time.Now().UTC(), uint64(time.Now().UnixNano())); err != nil {
		s.t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		s.t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// fixtureMinutes is a hand-built closed-minute series (kind "minutes") of 40 minutes before now;
// the last one is still a live estimate.
func fixtureMinutes(room string, now time.Time) live.MinuteSeries {
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	start := now.Truncate(time.Minute).Add(-40 * time.Minute)
	var minutes []live.Metrics
	for i := 0; i < 40; i++ {
		m := start.Add(time.Duration(i) * time.Minute)
		minutes = append(minutes, live.Metrics{Start: ms(m), End: ms(m.Add(time.Minute)), Views: int64(30 + i), Viewers: int64(25 + i),
			Online: int64(300 + 10*i - (i%7)*15), Impressions: int64(200 + 5*i), Clicks: int64(40 + (i*7)%30), Orders: int64(i % 5),
			GMV: int64((i % 5) * 8900), Comments: int64(5 + i%4), AdSpend: 3000, Exact: i < 39})
	}
	return live.MinuteSeries{Room: room, Session: room + "-s1", ServerTime: ms(now), Minutes: minutes}
}

// fixtureSnapshot is a hand-built snapshot with every panel filled, for the rendering test.
func fixtureSnapshot(room string, now time.Time) live.Snapshot {
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	start := now.Truncate(time.Minute).Add(-40 * time.Minute)
	tot := live.Metrics{Views: 2100, Viewers: 1800, Online: 690, Impressions: 12000, Clicks: 2300, Clickers: 2000, Orders: 80, Buyers: 76, GMV: 712000, AdSpend: 120000}
	tot.CTR, tot.CVR, tot.GPM, tot.UVValue, tot.ROI = livedesk.CTR(2300, 12000), livedesk.CVR(76, 2000), livedesk.GPM(712000, 2100), livedesk.UVValue(712000, 1800), livedesk.ROI(712000, 120000)
	return live.Snapshot{
		Room: room, ServerTime: ms(now),
		Session:       live.SessionInfo{ID: room + "-s1", State: live.StateLive, Started: ms(start), ClockS: int64(now.Sub(start).Seconds())},
		Current:       live.Metrics{Start: ms(now.Truncate(time.Minute)), End: ms(now.Truncate(time.Minute).Add(time.Minute)), Online: 690, Clicks: 21, Orders: 2, GMV: 17800},
		SessionTotals: tot, Estimated: []string{"viewers", "exposed", "clickers", "buyers", "cvr", "uv_value"},
		Tiles: []live.Tile{
			{Key: "gmv", Unit: live.UnitFen, Value: 712000, Last5: 120300, Prev5: 98000, Delta: 22300, DeltaPct: ptr(0.2276)},
			{Key: "orders", Unit: live.UnitCount, Value: 80, Last5: 12, Prev5: 15, Delta: -3, DeltaPct: ptr(-0.2)},
			{Key: "buyers", Unit: live.UnitCount, Value: 76, Last5: 12, Prev5: 14, Delta: -2, DeltaPct: ptr(-0.143)},
			{Key: "online", Unit: live.UnitCount, Value: 690, Last5: 690, Prev5: 640, Delta: 50, DeltaPct: ptr(0.078)},
			{Key: "views", Unit: live.UnitCount, Value: 2100, Last5: 190, Prev5: 170, Delta: 20, DeltaPct: ptr(0.117)},
			{Key: "viewers", Unit: live.UnitCount, Value: 1800, Last5: 180, Prev5: 160, Delta: 20, DeltaPct: ptr(0.125)},
			{Key: "clicks", Unit: live.UnitCount, Value: 2300, Last5: 260, Prev5: 240, Delta: 20, DeltaPct: ptr(0.083)},
			{Key: "ctr", Unit: live.UnitRatio, Value: 0.1917, Last5: 0.2, Prev5: 0.19, Delta: 0.01, DeltaPct: ptr(0.05), Den: 12000},
			{Key: "cvr", Unit: live.UnitRatio, Value: 0.038, Last5: 0.046, Prev5: 0.058, Delta: -0.012, DeltaPct: ptr(-0.2), Den: 2000},
			{Key: "gpm", Unit: live.UnitFen, Value: 339047.6, Last5: 633157, Prev5: 576470, Delta: 56687, DeltaPct: ptr(0.098), Den: 2100},
			{Key: "uv_value", Unit: live.UnitFen, Value: 395.5, Last5: 668, Prev5: 612, Delta: 56, DeltaPct: ptr(0.09), Den: 1800},
			{Key: "ad_spend", Unit: live.UnitFen, Value: 120000, Last5: 15000, Prev5: 15000, Delta: 0, DeltaPct: ptr(0.0)},
			{Key: "roi", Unit: live.UnitRatio, Value: 5.93, Last5: 8.02, Prev5: 6.53, Delta: 1.49, DeltaPct: ptr(0.228), Den: 120000},
		},
		Products: []live.ProductWindow{
			{Product: "p7", Impressions: 900, Clicks: 130, Clickers: 120, CTR: livedesk.CTR(130, 900), CVR: livedesk.CVR(0, 120), Stock: ptr(int64(42)), Flag: live.FlagRaised},
			{Product: "p2", Impressions: 800, Clicks: 70, Clickers: 66, Orders: 6, Buyers: 6, GMV: 53400, CTR: livedesk.CTR(70, 800), CVR: livedesk.CVR(6, 66), Stock: ptr(int64(8)), Pinned: true},
			{Product: "p3", Impressions: 400, Clicks: 20, Clickers: 19, Orders: 1, Buyers: 1, GMV: 8900, CTR: livedesk.CTR(20, 400), CVR: livedesk.CVR(1, 19)},
		},
		Flags: []live.Flag{{ID: "no_sale:p7:1", Rule: live.RuleNoSale, Product: "p7", State: live.FlagRaised, Raised: ms(now.Add(-40 * time.Second)),
			Detail:    map[string]int64{"clicks": 130, "orders": 0, "window_s": 300, "threshold": 100},
			Responses: []live.Response{{Key: "pitch", Text: "调整讲解话术"}, {Key: "gift", Text: "加赠：下单送…"}, {Key: "next", Text: "换下一款"}, {Key: "check", Text: "检查价格和库存"}}}},
		Comments: []live.Comment{
			{TS: ms(now.Add(-5 * time.Second)), User: "u9", Text: `<img src=x onerror="document.title='pwned'"><b>有S码吗？</b>`, Topic: livedesk.TopicSize},
			{TS: ms(now.Add(-9 * time.Second)), User: "u3", Text: "什么时候发货", Topic: livedesk.TopicShipping},
			{TS: ms(now.Add(-12 * time.Second)), User: "u4", Text: "主播好美"},
		},
		Questions: []live.TopicCount{{Topic: livedesk.TopicSize, Label: "尺码", Count: 12, Last5: 4, Example: "有S码吗？"}, {Topic: livedesk.TopicShipping, Label: "发货", Count: 5, Last5: 1, Example: "什么时候发货"},
			{Topic: livedesk.TopicPrice, Label: "价格", Count: 3}, {Topic: livedesk.TopicQuality, Label: "质量"}, {Topic: livedesk.TopicDiscount, Label: "优惠", Count: 2, Last5: 2, Example: "有优惠券吗"}, {Topic: livedesk.TopicOther, Label: "其他", Count: 1}},
		Ads:    live.Ads{Spend: 120000, GMV: 712000, ROI: livedesk.ROI(712000, 120000), Last5Spend: 15000, Last5ROI: livedesk.ROI(120300, 15000), TargetROI: 3},
		Pinned: "p2", WindowS: 300,
	}
}

// fixtureFlagsRaised returns the raise time of the flag the page shows (so a later fixture
// carries the same flag).
func fixtureFlagsRaised(t testing.TB, pg *page) int64 {
	t.Helper()
	return evalIn[int64](pg, `(function(){var f=document.querySelector("#flags .flag");return f ? +f.getAttribute("data-raised") : 0})()`)
}

// TestControlRoomRendersSnapshot publishes a full snapshot through the real hub and checks that
// the page shows every panel, escapes user text, and has no JS errors.
func TestControlRoomRendersSnapshot(t *testing.T) {
	s := startServer(t)
	s.addUser("shop1", "op", account.RoleOperator, "op-password-1")
	s.addEmptyRoom("shop1", "r1") // no events: the engine has nothing to tick, only the fixture shows
	b := newBrowser(t)
	pg := b.page(t, s.URL())
	login(t, pg, "shop1", "op", "op-password-1")
	pg.open("/rooms/r1", "#tiles")
	pg.waitJS(`window.livedesk && livedesk.online`, 5*time.Second)
	snap, _ := json.Marshal(fixtureSnapshot("r1", time.Now()))
	if err := hubOf(t, s).Publish(context.Background(), "shop1", "r1", "tick", snap); err != nil {
		t.Fatal(err)
	}
	pg.waitText("#flags", "高点击无成交", 5*time.Second)
	// The closed minutes arrive as their own message; the newest (still an estimate) is marked.
	mins, _ := json.Marshal(fixtureMinutes("r1", time.Now()))
	if err := hubOf(t, s).Publish(context.Background(), "shop1", "r1", live.KindMinutes, mins); err != nil {
		t.Fatal(err)
	}
	pg.waitJS(`document.querySelectorAll("#minutes tbody tr").length === 6 && document.querySelector('#minutes tbody tr:first-child[data-exact="false"].estimate') && document.querySelectorAll('#minutes tbody tr[data-exact="true"]').length === 5`, 5*time.Second)
	pg.waitText(`#minutes tbody tr:nth-child(2) td[data-col="views"]`, "68", time.Second)
	if n := evalIn[int](pg, `document.querySelectorAll('#tiles [data-estimate="true"]').length`); n != 4 { // viewers, buyers, cvr, uv_value
		t.Errorf("%d tiles marked as estimates, want 4", n)
	}
	pg.waitText(`#tiles [data-key="gmv"] .tile-value`, "¥7,120.00", 2*time.Second)
	if got := pg.text(`#products tbody tr:first-child td:first-child`); !strings.Contains(got, "p7") {
		t.Errorf("first product row %q, want p7 (most clicks)", got)
	}
	// The HTML in the comment is text: no <img> element, the markup visible verbatim.
	imgs := evalIn[int](pg, `document.querySelectorAll("#comments img, #comments b").length`)
	if imgs != 0 {
		t.Errorf("comment HTML became %d elements", imgs)
	}
	pg.waitText("#comments", `<img src=x onerror="document.title='pwned'"><b>有S码吗？</b>`, time.Second)
	if title := evalIn[string](pg, "document.title"); strings.Contains(title, "pwned") {
		t.Errorf("comment script ran: title %q", title)
	}
	if dir := os.Getenv("LIVEDESK_SCREENSHOTS"); dir != "" {
		pg.screenshot("control-fixture.png")
	}
	// A new tick with the same flags keeps the flag's buttons (a click in progress is not lost).
	pg.waitJS(`(window.__ack = document.querySelector('#flags button[data-action="ack"]'))`, time.Second)
	later := fixtureSnapshot("r1", time.Now().Add(2*time.Second))
	later.Flags[0].Raised = fixtureFlagsRaised(t, pg)
	snap, _ = json.Marshal(later)
	if err := hubOf(t, s).Publish(context.Background(), "shop1", "r1", "tick", snap); err != nil {
		t.Fatal(err)
	}
	pg.waitJS(`document.getElementById("control").getAttribute("data-server-time") === "`+strconv.FormatInt(later.ServerTime, 10)+`"`, 3*time.Second)
	if !evalIn[bool](pg, `window.__ack === document.querySelector('#flags button[data-action="ack"]')`) {
		t.Error("an unchanged flag's buttons were rebuilt by the next tick")
	}
	// The language switch: the same page in English, numbers and user text unchanged.
	pg.run(chromedp.Click(chromedp.CSS("#lang-switch")))
	pg.waitJS(`document.documentElement.lang === "en" && location.pathname === "/rooms/r1"`, 10*time.Second)
	pg.waitText("#flags", "Clicks but no sale", 5*time.Second)
	pg.waitText(`#tiles [data-key="gmv"]`, "¥7,120.00", time.Second)
	pg.waitText("#session-end", "End stream", time.Second)
	if dir := os.Getenv("LIVEDESK_SCREENSHOTS"); dir != "" {
		pg.screenshot("control-fixture-en.png")
	}
	pg.noJSErrors()
}

// simStats is what runSim posted.
type simStats struct {
	Accepted, Rejected int
	Err                error
}

// runSim posts the simulator's stream of room to the server at speed× real time until the
// returned stop function is called (which waits for the last post and reports its error).
func runSim(t testing.TB, base, key, shop, room string, speed float64) (stop func() simStats) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	client := &sim.Client{URL: base, Key: key, HTTP: &http.Client{Timeout: 30 * time.Second}}
	start := time.Now()
	g := sim.New(sim.Config{Shop: shop, Room: room, Seed: 1, Start: start, Speed: speed})
	var stats simStats
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			events := g.Advance(time.Duration(float64(time.Since(start)) * speed))
			res, err := client.PostEvents(context.Background(), events, 5000)
			stats.Accepted += res.Accepted
			stats.Rejected += res.Rejected
			if err != nil && stats.Err == nil {
				stats.Err = err
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() simStats { cancel(); <-done; return stats }
}

// sessionStart is when the room's live session started (from stream_sessions).
func sessionStart(t testing.TB, s *testServer, shop, room string) time.Time {
	t.Helper()
	var started time.Time
	if err := s.CH.QueryRow(context.Background(), `SELECT max(started) FROM stream_sessions FINAL WHERE shop = ? AND room = ?`,
		shop, room).Scan(&started); err != nil {
		t.Fatal(err)
	}
	return started.UTC()
}

// shanghaiZone is the shop's default zone, in which the page labels minutes.
func shanghaiZone(t testing.TB) *time.Location {
	t.Helper()
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// minuteFromClickHouse computes one minute's numbers straight from the raw events, counting each
// event id once (FINAL), with DESIGN.md's definitions. online is the last gauge reported from
// the session's first minute up to the end of this one, else entries − leaves over that span.
func minuteFromClickHouse(t testing.TB, s *testServer, shop, room string, startMS int64, sessStart time.Time) map[string]int64 {
	t.Helper()
	from := time.UnixMilli(startMS).UTC()
	var views, viewers, impressions, clicks, orders, gmv, comments, adSpend uint64
	var gmvSigned, spendSigned int64
	err := s.CH.QueryRow(context.Background(), `SELECT countIf(type = 'enter'), uniqExactIf(user, type = 'enter' AND user != ''),
			countIf(type = 'impression'), countIf(type = 'click'),
			countIf(type = 'order' AND status = 'paid'), sumIf(amount, type = 'order' AND status = 'paid'),
			countIf(type = 'comment'), sumIf(amount, type = 'ad_spend')
		FROM events FINAL WHERE shop = ? AND room = ? AND ts >= ? AND ts < ?`,
		shop, room, from, from.Add(time.Minute)).Scan(&views, &viewers, &impressions, &clicks, &orders, &gmvSigned, &comments, &spendSigned)
	if err != nil {
		t.Fatal(err)
	}
	gmv, adSpend = uint64(gmvSigned), uint64(spendSigned)
	var gauge, net int64
	var gauges uint64
	err = s.CH.QueryRow(context.Background(), `SELECT argMaxIf(value, (ts, ts_ms, id), type = 'online'), countIf(type = 'online'),
			toInt64(countIf(type = 'enter')) - toInt64(countIf(type = 'leave'))
		FROM events FINAL WHERE shop = ? AND room = ? AND ts >= ? AND ts < ?`,
		shop, room, sessStart.Truncate(time.Minute), from.Add(time.Minute)).Scan(&gauge, &gauges, &net)
	if err != nil {
		t.Fatal(err)
	}
	online := max(net, 0)
	if gauges > 0 {
		online = gauge
	}
	return map[string]int64{"views": int64(views), "viewers": int64(viewers), "online": online, "impressions": int64(impressions),
		"clicks": int64(clicks), "orders": int64(orders), "gmv": int64(gmv), "comments": int64(comments), "ad_spend": int64(adSpend)}
}

// TestE2EControlRoomSimulator runs the simulator against a real server with the control room
// open in Chromium: 开播 from the page, the no-sale scenario raises its flag on the page, and the
// numbers of the first closed minute equal a direct ClickHouse query over the raw events.
func TestE2EControlRoomSimulator(t *testing.T) {
	s := startServer(t)
	s.addUser("shop1", "op", account.RoleOperator, "op-password-1")
	s.addEmptyRoom("shop1", "live1")
	key := s.apiKey("shop1")
	b := newBrowser(t)
	pg := b.page(t, s.URL())
	login(t, pg, "shop1", "op", "op-password-1")
	pg.open("/rooms/live1", "#session-start")
	pg.waitJS(`window.livedesk && livedesk.online`, 5*time.Second)
	pg.run(chromedp.Click(chromedp.CSS("#session-start")))
	pg.waitText("#session-state", "直播中", 5*time.Second)

	stop := runSim(t, s.URL(), key, "shop1", "live1", 10)
	defer stop()
	// (a) the simulator's first product draws >100 clicks and no sale: the flag shows.
	flagSel := `#flags .flag[data-rule="no_sale"][data-product="p-1001"]`
	pg.waitJS(`document.querySelector('`+flagSel+`')`, 90*time.Second)
	pg.waitText(`#products tr[data-product="p-1001"]`, "待处理", 3*time.Second)
	shot := pg.screenshot("control-sim.png")
	t.Logf("no-sale flag on the page; screenshot %s", shot)

	// Acknowledge from the page: the flag's state changes on every screen.
	pg.run(chromedp.Click(chromedp.CSS(flagSel + ` button[data-action="ack"]`)))
	pg.waitJS(`document.querySelector('`+flagSel+`.flag-acknowledged')`, 5*time.Second)

	// (b) wait for a closed minute that is exact (computed from the raw events a few seconds after
	// it closed) and holds clicks (a session started late in a minute closes that minute with
	// none), then compare every field the table shows with a direct ClickHouse query.
	pg.waitJS(`Array.prototype.some.call(document.querySelectorAll('#minutes tbody tr[data-exact="true"] td[data-col="clicks"]'),
		function (td) { return td.textContent.trim() !== "0"; })`, 90*time.Second)
	type row struct {
		Minute int64             `json:"minute"`
		Exact  bool              `json:"exact"`
		Cells  map[string]string `json:"cells"`
	}
	rows := evalIn[[]row](pg, `Array.prototype.map.call(document.querySelectorAll("#minutes tbody tr"), function(tr){var c={};
		tr.querySelectorAll("td").forEach(function(td){c[td.getAttribute("data-col")]=td.textContent});
		return {minute:+tr.getAttribute("data-minute"),exact:tr.getAttribute("data-exact")==="true",cells:c}})`)
	sessStart := sessionStart(t, s, "shop1", "live1")
	var clicks int64
	exact := 0
	for _, r := range rows {
		at := time.UnixMilli(r.Minute).Format("15:04")
		if !r.Exact {
			t.Logf("minute %s UTC still in its grace period (live estimate), not compared", at)
			continue
		}
		exact++
		want := minuteFromClickHouse(t, s, "shop1", "live1", r.Minute, sessStart)
		clicks += want["clicks"]
		for _, col := range []string{"views", "viewers", "online", "impressions", "clicks", "orders", "comments"} {
			if got := r.Cells[col]; got != views.Int(want[col]) {
				t.Errorf("minute %s %s: page shows %q, ClickHouse has %d", at, col, got, want[col])
			}
		}
		for _, col := range []string{"gmv", "ad_spend"} {
			if got := r.Cells[col]; got != views.Money(want[col]) {
				t.Errorf("minute %s %s: page shows %q, ClickHouse has %s", at, col, got, views.Money(want[col]))
			}
		}
		if want := time.UnixMilli(r.Minute).In(shanghaiZone(t)).Format("15:04"); r.Cells["minute"] != want {
			t.Errorf("minute %s label: page shows %q, want %q", at, r.Cells["minute"], want)
		}
		t.Logf("closed minute %s UTC: page %v, ClickHouse %v", at, r.Cells, want)
	}
	if exact == 0 || clicks == 0 {
		t.Fatalf("exact closed minutes %v hold no raw clicks", rows)
	}
	pg.screenshot("control-sim-later.png")
	st := stop()
	// 下播 from the page (its confirmation answered yes): the room goes idle on the page.
	evalIn[bool](pg, `(window.confirm = function () { return true; }, true)`)
	pg.run(chromedp.Click(chromedp.CSS("#session-end")))
	pg.waitText("#session-state", "未开播", 10*time.Second)
	if st.Err != nil || st.Rejected > 0 {
		t.Errorf("simulator: %+v", st)
	}
	pg.noJSErrors()
}

// parseInt reads "1,234" as 1234 (-1 when it is not a number).
func parseInt(s string) int64 {
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// TestE2ETwoInstances: a browser on instance B sees events posted to instance A (one Redis, one
// ClickHouse), and comment HTML arrives as text.
func TestE2ETwoInstances(t *testing.T) {
	a := startServer(t)
	bsrv := startServerOn(t, a.opts, a.redis, t.TempDir())
	a.addUser("shop1", "op", account.RoleOperator, "op-password-1")
	a.addRoom("shop1", "r2")
	key := a.apiKey("shop1")
	br := newBrowser(t)
	pg := br.page(t, bsrv.URL())
	login(t, pg, "shop1", "op", "op-password-1")
	pg.open("/rooms/r2", "#tiles")
	pg.waitJS(`window.livedesk && livedesk.online`, 5*time.Second)

	evil := `<img src=x onerror="document.title='pwned'"><script>document.title='pwned'</script>有S码吗`
	body, _ := json.Marshal([]map[string]any{
		{"id": "c1", "type": "comment", "ts": time.Now().UnixMilli(), "room": "r2", "user": "<b>u1</b>", "text": evil},
		{"id": "k1", "type": "click", "ts": time.Now().UnixMilli(), "room": "r2", "user": "u1", "product": "<i>p9</i>"},
	})
	if code, res := a.post(key, body); code != 200 || res["accepted"] != 2.0 {
		t.Fatalf("post to A: %d %v", code, res)
	}
	start := time.Now()
	pg.waitText("#comments", evil, 10*time.Second)
	t.Logf("comment posted to A shown by B's page after %v", time.Since(start).Round(time.Millisecond))
	pg.waitText("#comments", "<b>u1</b>", time.Second)
	pg.waitText("#products", "<i>p9</i>", 5*time.Second)
	if n := evalIn[int](pg, `document.querySelectorAll("#comments img, #comments script, #comments b, #products i").length`); n != 0 {
		t.Errorf("user text became %d elements", n)
	}
	if title := evalIn[string](pg, "document.title"); strings.Contains(title, "pwned") {
		t.Errorf("comment script ran: title %q", title)
	}
	pg.noJSErrors()
}

// TestE2ESocketResyncAndSessionEnd: a gap in the room's sequence numbers makes the page reconnect
// (and get the latest state again); disabling the user sends the open page to the login form.
func TestE2ESocketResyncAndSessionEnd(t *testing.T) {
	s := startServer(t)
	s.addUser("shop1", "op", account.RoleOperator, "op-password-1")
	s.addEmptyRoom("shop1", "r3")
	b := newBrowser(t)
	pg := b.page(t, s.URL())
	login(t, pg, "shop1", "op", "op-password-1")
	pg.open("/rooms/r3", "#tiles")
	pg.waitJS(`livedesk.online && livedesk.stats.connects === 1`, 5*time.Second)
	if evalIn[bool](pg, `document.getElementById("offline").hidden`) != true {
		t.Error("offline banner shown while connected")
	}
	ctx := context.Background()
	publish := func() {
		snap, _ := json.Marshal(fixtureSnapshot("r3", time.Now()))
		if err := hubOf(t, s).Publish(ctx, "shop1", "r3", "tick", snap); err != nil {
			t.Fatal(err)
		}
	}
	publish()
	pg.waitText("#flags", "高点击无成交", 5*time.Second)
	time.Sleep(1200 * time.Millisecond) // past the connect burst
	// Messages 2..4 of the room are lost (as if a slow client had been dropped from them).
	rdb := redis.NewClient(&redis.Options{Addr: s.redis})
	defer rdb.Close()
	if err := rdb.IncrBy(ctx, "ld:live:seq:{shop1:r3}", 3).Err(); err != nil {
		t.Fatal(err)
	}
	publish()
	pg.waitJS(`livedesk.stats.gaps === 1 && livedesk.stats.connects === 2 && livedesk.online`, 10*time.Second)

	if err := account.NewUsers(s.CH).Disable(ctx, "shop1", "op"); err != nil {
		t.Fatal(err)
	}
	pg.waitJS(`location.pathname === "/login"`, 15*time.Second)
	pg.noJSErrors()
}
