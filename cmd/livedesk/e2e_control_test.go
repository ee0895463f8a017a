package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/live"
)

// hubOf returns the websocket hub of a running test server.
func hubOf(t testing.TB, s *testServer) *live.Hub {
	t.Helper()
	h, err := s.liveHub(context.Background())
	if err != nil {
		t.Fatal(err)
	}
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

// fixtureSnapshot is a hand-built snapshot with every panel filled, for the rendering test.
func fixtureSnapshot(room string, now time.Time) live.Snapshot {
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	start := now.Truncate(time.Minute).Add(-40 * time.Minute)
	var minutes []live.Metrics
	for i := 0; i < 40; i++ {
		m := start.Add(time.Duration(i) * time.Minute)
		minutes = append(minutes, live.Metrics{Start: ms(m), End: ms(m.Add(time.Minute)), Views: int64(30 + i), Viewers: int64(25 + i),
			Online: int64(300 + 10*i - (i%7)*15), Impressions: int64(200 + 5*i), Clicks: int64(40 + (i*7)%30), Orders: int64(i % 5),
			GMV: int64((i % 5) * 8900), Comments: int64(5 + i%4), AdSpend: 3000})
	}
	rate := func(n, d int64) live.Rate {
		if d == 0 {
			return live.Rate{Num: n, Den: d}
		}
		return live.Rate{Value: ptr(float64(n) / float64(d)), Num: n, Den: d}
	}
	tot := live.Metrics{Views: 2100, Viewers: 1800, Online: 690, Impressions: 12000, Clicks: 2300, Clickers: 2000, Orders: 80, Buyers: 76, GMV: 712000, AdSpend: 120000}
	tot.CTR, tot.CVR, tot.GPM, tot.UVValue, tot.ROI = rate(2300, 12000), rate(76, 2000), live.Rate{Value: ptr(339047.6), Num: 712000, Den: 2100}, live.Rate{Value: ptr(395.5), Num: 712000, Den: 1800}, rate(712000, 120000)
	return live.Snapshot{
		Room: room, ServerTime: ms(now),
		Session: live.SessionInfo{ID: room + "-s1", State: live.StateLive, Started: ms(start), ClockS: int64(now.Sub(start).Seconds())},
		Current: live.Metrics{Start: ms(now.Truncate(time.Minute)), End: ms(now.Truncate(time.Minute).Add(time.Minute)), Online: 690, Clicks: 21, Orders: 2, GMV: 17800},
		Minutes: minutes, SessionTotals: tot,
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
			{Product: "p7", Impressions: 900, Clicks: 130, Clickers: 120, CTR: rate(130, 900), CVR: rate(0, 120), Stock: ptr(int64(42)), Flag: live.FlagRaised},
			{Product: "p2", Impressions: 800, Clicks: 70, Clickers: 66, Orders: 6, Buyers: 6, GMV: 53400, CTR: rate(70, 800), CVR: rate(6, 66), Stock: ptr(int64(8)), Pinned: true},
			{Product: "p3", Impressions: 400, Clicks: 20, Clickers: 19, Orders: 1, Buyers: 1, GMV: 8900, CTR: rate(20, 400), CVR: rate(1, 19)},
		},
		Flags: []live.Flag{{ID: "no_sale:p7:1", Rule: live.RuleNoSale, Product: "p7", State: live.FlagRaised, Raised: ms(now.Add(-40 * time.Second)),
			Detail:    map[string]int64{"clicks": 130, "orders": 0, "window_s": 300, "threshold": 100},
			Responses: []live.Response{{Key: "pitch", Text: "调整讲解话术"}, {Key: "gift", Text: "加赠：下单送…"}, {Key: "next", Text: "换下一款"}, {Key: "check", Text: "检查价格和库存"}}}},
		Comments: []live.Comment{
			{TS: ms(now.Add(-5 * time.Second)), User: "u9", Text: `<img src=x onerror="document.title='pwned'"><b>有S码吗？</b>`, Topic: live.TopicSize},
			{TS: ms(now.Add(-9 * time.Second)), User: "u3", Text: "什么时候发货", Topic: live.TopicShipping},
			{TS: ms(now.Add(-12 * time.Second)), User: "u4", Text: "主播好美"},
		},
		Questions: []live.TopicCount{{Topic: live.TopicSize, Label: "尺码", Count: 12, Last5: 4, Example: "有S码吗？"}, {Topic: live.TopicShipping, Label: "发货", Count: 5, Last5: 1, Example: "什么时候发货"},
			{Topic: live.TopicPrice, Label: "价格", Count: 3}, {Topic: live.TopicQuality, Label: "质量"}, {Topic: live.TopicDiscount, Label: "优惠", Count: 2, Last5: 2, Example: "有优惠券吗"}, {Topic: live.TopicOther, Label: "其他", Count: 1}},
		Ads:    live.Ads{Spend: 120000, GMV: 712000, ROI: rate(712000, 120000), Last5Spend: 15000, Last5ROI: rate(120300, 15000), TargetROI: 3},
		Pinned: "p2", WindowS: 300,
	}
}

// TestControlRoomRendersSnapshot publishes a full snapshot through the real hub and checks that
// the page shows every panel, escapes user text, and has no JS errors.
func TestControlRoomRendersSnapshot(t *testing.T) {
	s := startServer(t)
	s.addUser("shop1", "op", live.RoleOperator, "op-password-1")
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
	pg.noJSErrors()
}
