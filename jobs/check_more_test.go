package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestStockMarksSoldOutAndRestocks(t *testing.T) {
	t0 := sh(2026, 11, 20, 10, 0)
	f := newFixture(t, t0)
	stock := func(at time.Time, p string, v int64) {
		f.ev(at, ingest.Event{Type: ingest.TypeStock, Product: p, Value: v})
	}
	stock(t0, "p1", 50)
	stock(t0.Add(time.Minute), "p1", 5)
	stock(t0, "p2", 15)
	stock(t0, "p3", 40)

	f.run(t0.Add(5*time.Minute), "stock")
	f.wantOpen(TypeRestock, map[string]string{"p1": SeverityUrgent, "p2": SeverityWarn})
	msgs := f.pub.kind(StockKind)
	if len(msgs) != 1 {
		t.Fatalf("stock messages %d", len(msgs))
	}
	var m StockMessage
	if err := json.Unmarshal(msgs[0].body, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Products) != 1 || m.Products[0].Product != "p1" || m.Products[0].Label != "即将售罄" {
		t.Fatalf("sold-out list %+v", m)
	}
	list, err := f.runner.SoldOut(context.Background(), shop)
	if err != nil || len(list) != 1 || list[0].Stock != 5 {
		t.Fatalf("SoldOut %+v %v", list, err)
	}

	stock(t0.Add(6*time.Minute), "p1", 100)
	f.run(t0.Add(10*time.Minute), "stock")
	f.wantOpen(TypeRestock, map[string]string{"p2": SeverityWarn})
	msgs = f.pub.kind(StockKind)
	if err := json.Unmarshal(msgs[len(msgs)-1].body, &m); err != nil || len(m.Products) != 0 {
		t.Fatalf("after restock the list should be empty: %s", msgs[len(msgs)-1].body)
	}
	// Sold down again later: the auto-closed task reopens, still one row.
	stock(t0.Add(20*time.Minute), "p1", 3)
	f.run(t0.Add(25*time.Minute), "stock")
	f.wantOpen(TypeRestock, map[string]string{"p1": SeverityUrgent, "p2": SeverityWarn})
	if f.rowCount() != 2 {
		t.Fatalf("rows %d", f.rowCount())
	}
}

func TestCouponsReplenish(t *testing.T) {
	t0 := sh(2026, 11, 20, 10, 0)
	f := newFixture(t, t0)
	coupon := func(at time.Time, id string, left int64) {
		f.ev(at, ingest.Event{Type: ingest.TypeCoupon, Room: "r1", Text: "满199减20", Value: left, Extra: `{"coupon":"` + id + `"}`})
	}
	coupon(t0, "C1", 100)
	coupon(t0.Add(time.Minute), "C1", 12)
	coupon(t0, "C2", 80)
	f.ev(t0, ingest.Event{Type: ingest.TypeCoupon, Room: "r1", Text: "operator action"}) // no coupon id: ignored
	f.run(t0.Add(15*time.Minute), "coupons")
	f.wantOpen(TypeCouponReplenish, map[string]string{"C1": SeverityWarn})
	coupon(t0.Add(20*time.Minute), "C1", 100)
	f.run(t0.Add(30*time.Minute), "coupons")
	f.wantOpen(TypeCouponReplenish, map[string]string{})
}

func TestNegativeReviewReplyTask(t *testing.T) {
	t0 := sh(2026, 11, 20, 22, 0)
	f := newFixture(t, t0)
	f.ev(t0, ingest.Event{Type: ingest.TypeReview, Order: "o1", Product: "p1", Rating: 1, Text: "物流慢，而且质量差"})
	f.ev(t0, ingest.Event{Type: ingest.TypeReview, Order: "o2", Product: "p1", Rating: 2, Text: "色差"})
	f.ev(t0, ingest.Event{Type: ingest.TypeReview, Order: "o3", Product: "p2", Rating: 5, Text: "很好"})

	f.run(t0.Add(time.Minute), "reviews")
	f.wantOpen(TypeReviewReply, map[string]string{"o1": SeverityWarn, "o2": SeverityWarn})
	if due := f.tasks(TypeReviewReply)["o1"].Due; !due.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("due %s", due)
	}
	f.ev(t0.Add(time.Hour), ingest.Event{Type: ingest.TypeCSMessage, Conversation: "review:o1", Direction: "out", Text: "非常抱歉，我们已升级物流"})
	f.run(t0.Add(2*time.Hour), "reviews")
	f.wantOpen(TypeReviewReply, map[string]string{"o2": SeverityWarn})
	f.run(t0.Add(25*time.Hour), "reviews")
	f.wantOpen(TypeReviewReply, map[string]string{"o2": SeverityUrgent})

	r := f.run(t0.Add(26*time.Hour), "review_keywords")
	want := []string{"p1 · 物流慢 × 1", "p1 · 质量差 × 1", "p1 · 色差 × 1"}
	ns := f.notified()
	last := ns[len(ns)-1]
	for _, w := range want {
		if !strings.Contains(last.Text, w) {
			t.Fatalf("keyword report %q lacks %q", last.Text, w)
		}
	}
	if r.Found != 3 {
		t.Fatalf("found %d", r.Found)
	}
}

func TestReplyRateTaskListsWaitingConversations(t *testing.T) {
	t0 := sh(2026, 11, 20, 9, 0)
	f := newFixture(t, t0)
	msg := func(at time.Time, conv, dir string) {
		f.ev(at, ingest.Event{Type: ingest.TypeCSMessage, Conversation: conv, Direction: dir, Text: "…"})
	}
	for _, c := range []string{"c1", "c2", "c3", "c4"} {
		msg(t0, c, "in")
		msg(t0.Add(time.Minute), c, "out")
	}
	msg(t0, "c5", "in")                      // never answered
	msg(t0.Add(-2*time.Hour), "night", "in") // 07:00: outside the window, not counted
	f.run(t0.Add(10*time.Minute), "cs_reply")
	f.wantOpen(TypeReplyRate, map[string]string{}) // 4/5 = 80%: on target

	msg(t0.Add(5*time.Minute), "c6", "in")
	msg(t0.Add(9*time.Minute), "c6", "out") // answered after 4 minutes: late
	r := f.run(t0.Add(15*time.Minute), "cs_reply")
	day := DayKey(t0, shanghai)
	f.wantOpen(TypeReplyRate, map[string]string{day: SeverityUrgent})
	task := f.tasks(TypeReplyRate)[day]
	if !strings.Contains(task.Detail, "night") || !strings.Contains(task.Detail, "c5") || strings.Contains(task.Detail, "c6") {
		t.Fatalf("detail %q should list the waiting conversations (night, c5)", task.Detail)
	}
	if !strings.Contains(r.Summary, "进线 6 条") {
		t.Fatalf("summary %q", r.Summary)
	}
	// Ten more answered on time bring the day to 14/16: the task closes.
	for i := 0; i < 10; i++ {
		c := "d" + string(rune('a'+i))
		msg(t0.Add(20*time.Minute), c, "in")
		msg(t0.Add(21*time.Minute), c, "out")
	}
	f.run(t0.Add(30*time.Minute), "cs_reply")
	f.wantOpen(TypeReplyRate, map[string]string{})
}

func TestFraudBurstOpensOneReviewTask(t *testing.T) {
	t0 := sh(2026, 11, 20, 14, 0)
	f := newFixture(t, t0)
	for i := 0; i < 5; i++ {
		id := "f" + string(rune('0'+i))
		f.order(t0.Add(time.Duration(i)*2*time.Minute), id, "paid", "bot", 100)
	}
	for i := 0; i < 4; i++ {
		id := "g" + string(rune('0'+i))
		f.order(t0.Add(time.Duration(i)*time.Minute), id, "paid", "fan", 100)
	}
	for i := 0; i < 5; i++ { // five orders, but spread over hours
		id := "h" + string(rune('0'+i))
		f.order(t0.Add(time.Duration(i)*time.Hour), id, "paid", "loyal", 100)
	}
	f.run(t0.Add(5*time.Hour), "fraud")
	f.wantOpen(TypeFraudReview, map[string]string{"bot": SeverityUrgent})
	f.run(t0.Add(5*time.Hour+10*time.Minute), "fraud")
	// Aged out of the lookback: still open, it needs a person.
	f.run(t0.Add(30*time.Hour), "fraud")
	f.wantOpen(TypeFraudReview, map[string]string{"bot": SeverityUrgent})
	if f.rowCount() != 1 || len(f.notified()) != 1 {
		t.Fatalf("rows %d notifications %d", f.rowCount(), len(f.notified()))
	}
}

func TestDoneStaysDoneAndSnoozeComesBack(t *testing.T) {
	t0 := sh(2026, 11, 20, 10, 0)
	f := newFixture(t, t0)
	f.order(t0, "o1", "created", "u1", 100)
	f.order(t0, "o2", "created", "u2", 100)
	f.run(t0.Add(40*time.Minute), "unpaid")
	ts := f.tasks(TypeUnpaidRemind)
	ctx := context.Background()
	if _, err := f.runner.MarkDone(ctx, shop, ts["o1"].ID, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.runner.Snooze(ctx, shop, ts["o2"].ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.run(t0.Add(time.Hour), "unpaid")
	got := f.tasks(TypeUnpaidRemind)
	if got["o1"].Status != StatusDone || got["o1"].ClosedBy != "alice" || got["o2"].Status != StatusSnoozed {
		t.Fatalf("after mark done / snooze: %+v", got)
	}
	f.run(t0.Add(2*time.Hour+time.Minute), "unpaid")
	f.wantOpen(TypeUnpaidRemind, map[string]string{"o2": SeverityInfo})
	if _, err := f.runner.MarkDone(ctx, "other-shop", ts["o2"].ID, "mallory"); err != ErrNoTask {
		t.Fatalf("another shop's task: %v", err)
	}
}

func TestRecapsSumTheDay(t *testing.T) {
	t0 := sh(2026, 11, 20, 10, 0)
	f := newFixture(t, t0)
	f.order(t0, "a", "paid", "u1", 1990)
	f.order(t0, "a", "paid", "u1", 1990) // a second paid event of the same order counts once
	f.order(t0.Add(time.Hour), "b", "paid", "u2", 10000)
	f.order(t0.Add(2*time.Hour), "b", "refund_requested", "u2", 10000)
	f.order(t0.Add(3*time.Hour), "b", "refunded", "u2", 10000)
	f.order(t0.Add(24*time.Hour), "c", "paid", "u3", 500) // next day

	f.run(sh(2026, 11, 20, 21, 0), "evening_recap")
	f.run(sh(2026, 11, 21, 8, 30), "morning_recap")
	ns := f.notified()
	if len(ns) != 2 {
		t.Fatalf("notifications %d", len(ns))
	}
	for _, n := range ns {
		if !strings.Contains(n.Text, "GMV ¥119.90") || !strings.Contains(n.Text, "付款订单 2") || !strings.Contains(n.Text, "退款金额 ¥100.00") {
			t.Fatalf("recap %q", n.Text)
		}
	}
	if !strings.Contains(ns[1].Text, "2026-11-20") {
		t.Fatalf("morning recap should cover yesterday: %q", ns[1].Text)
	}
}

func TestConcurrentRunsAnnounceOnce(t *testing.T) {
	t0 := sh(2026, 11, 20, 10, 0)
	f := newFixture(t, t0)
	_, rdb := localtest.Redis(t)
	f.runner.Serialize = RedisSerializer(rdb, "ld:jobs:run:", 30*time.Second)
	f.ev(t0, ingest.Event{Type: ingest.TypeStock, Product: "p1", Value: 1})
	f.clock.Advance(time.Minute)
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := f.runner.Run(context.Background(), shop, "stock", TriggerManual)
			errs <- err
		}()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.notified()); n != 1 || f.rowCount() != 1 {
		t.Fatalf("4 concurrent runs: %d notifications, %d task rows; want 1 and 1", n, f.rowCount())
	}
}
