package stage

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// flagCalls records RespondFlag calls (the engine's flag store is tested with the engine).
type flagCalls []string

func (f *flagCalls) RespondFlag(_ context.Context, shop, room, flag, response, by string) error {
	*f = append(*f, shop+"/"+room+"/"+flag+"/"+response+"/"+by)
	return nil
}

// actionsFixture is Actions on real ClickHouse, a real ingest pipeline and a real Hub.
func actionsFixture(t *testing.T) (*Actions, *flagCalls, func(q string, args ...any) uint64) {
	t.Helper()
	_, conn := localtest.Database(t)
	_, rdb := localtest.Redis(t)
	ctx := context.Background()
	spool, err := ingest.OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := ingest.NewWriter(conn, spool, slog.Default(), ingest.WriterConfig{})
	t.Cleanup(w.Close)
	svc := &ingest.Service{Dedup: ingest.NewDedup(rdb), Writer: w, Log: slog.Default()}
	h, err := hub.New(ctx, rdb, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	cat := catalog.NewCatalog(conn)
	if err := cat.Save(ctx, "s1", []catalog.Product{
		{ID: "p1", Title: "纯棉<b>T恤</b>", Price: 1990, ListPrice: 3990, Stock: 120, Tag: catalog.TagTraffic, Points: []string{"一", "二", "三", "四"}},
		{ID: "p2", Title: "卫衣", Price: 8900, Stock: 12},
	}); err != nil {
		t.Fatal(err)
	}
	flags := &flagCalls{}
	a := &Actions{CH: conn, Catalog: cat, Recorder: svc, Publisher: h, Flags: flags}
	svc.Observers = append(svc.Observers, &catalog.StockObserver{Catalog: cat, Listeners: []catalog.StockListener{a}})
	count := func(q string, args ...any) uint64 {
		t.Helper()
		var n uint64
		if err := conn.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	return a, flags, count
}

func TestActionsStageAndEvents(t *testing.T) {
	a, flags, count := actionsFixture(t)
	ctx := context.Background()

	if _, err := a.Pin(ctx, "s1", "r1", "nope", "ops"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pin missing product: %v", err)
	}
	if _, err := a.Pin(ctx, "s2", "r1", "p1", "ops"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pin another shop's product: %v", err)
	}
	st, err := a.Pin(ctx, "s1", "r1", "p1", "ops")
	if err != nil {
		t.Fatal(err)
	}
	if st.Product == nil || st.Product.PriceText != "¥19.90" || st.Product.ListPriceText != "¥39.90" ||
		len(st.Product.Points) != StagePoints || st.PinnedAt == 0 || st.Product.LowStock {
		t.Fatalf("pinned stage = %+v", st.Product)
	}
	st, err = a.StartFlashSale(ctx, "s1", "r1", FlashSaleRequest{Product: "p1", Price: 990, Qty: 50, Duration: time.Minute}, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if fs := st.FlashSale; fs == nil || fs.ID == "" || fs.Ends-fs.Started != 60000 || fs.PriceText != "¥9.90" {
		t.Fatalf("flash sale = %+v", st.FlashSale)
	}
	if _, err := a.StartFlashSale(ctx, "s1", "r1", FlashSaleRequest{Product: "p1", Price: 990, Qty: 0, Duration: time.Minute}, "ops"); err == nil {
		t.Fatal("flash sale with 0 units accepted")
	}
	st, err = a.DropCoupon(ctx, "s1", "r1", CouponRequest{Discount: 1000, Threshold: 9900, Qty: 200}, "ops")
	if err != nil || st.Coupon == nil || st.Coupon.Text != "满99减10" {
		t.Fatalf("coupon: %v %+v", err, st.Coupon)
	}
	st, err = a.SendCue(ctx, "s1", "r1", CueRequest{Text: "加赠：下单送袜子", Flag: "no_sale:p1:1", Rule: live.RuleNoSale, Response: "gift", Product: "p1"}, "ops")
	if err != nil || st.Cue == nil || st.Cue.ID == "" || st.Cue.Acked {
		t.Fatalf("cue: %v %+v", err, st.Cue)
	}
	cue := st.Cue.ID
	if len(*flags) != 1 || (*flags)[0] != "s1/r1/no_sale:p1:1/gift/ops" {
		t.Fatalf("flag responses = %v", *flags)
	}
	if _, err := a.AckCue(ctx, "s1", "r1", "op-old", "anchor"); !errors.Is(err, ErrStaleCue) {
		t.Fatalf("ack of an old cue: %v", err)
	}
	if st, err = a.AckCue(ctx, "s1", "r1", cue, "anchor"); err != nil || !st.Cue.Acked || st.Cue.AckedBy != "anchor" {
		t.Fatalf("ack: %v %+v", err, st.Cue)
	}

	// Every action is an event with its type and details.
	// The anchor's "got it" is a cue event that names the cue it acknowledges (for the report).
	if _, err := a.AckCue(ctx, "s1", "r1", cue, "anchor"); err != nil {
		t.Fatalf("second ack: %v", err)
	}
	if n := count("SELECT count() FROM events WHERE shop = 's1' AND room = 'r1' AND type = 'cue' AND user = 'anchor' AND text = ? AND position(extra, ?) > 0",
		AckTextPrefix+"加赠：下单送袜子", `"ack":"`+cue+`"`); n != 1 {
		t.Errorf("acknowledgement events = %d, want 1 (acknowledging twice records once)", n)
	}
	for typ, want := range map[string]uint64{"pin": 1, "flash_sale": 1, "coupon": 1, "cue": 2} {
		if n := count("SELECT count() FROM events WHERE shop = 's1' AND room = 'r1' AND type = ?", typ); n != want {
			t.Errorf("%s events = %d, want %d", typ, n, want)
		}
	}
	if n := count("SELECT count() FROM events WHERE type = 'cue' AND user = 'ops' AND product = 'p1' AND text = '加赠：下单送袜子' AND position(extra, 'no_sale:p1:1') > 0"); n != 1 {
		t.Errorf("cue event details not stored")
	}
	if n := count("SELECT count() FROM events WHERE type = 'flash_sale' AND amount = 990 AND qty = 50 AND value = 60"); n != 1 {
		t.Errorf("flash sale event details not stored")
	}

	// A stock event for the pinned product reaches the stage (即将售罄 under 10).
	svc := a.Recorder.(*ingest.Service)
	if err := svc.Record(ctx, []ingest.Event{{Shop: "s1", ID: "stk1", Type: ingest.TypeStock, Product: "p1", Value: 7, TS: time.Now().UTC()}}); err != nil {
		t.Fatal(err)
	}
	st, err = a.Stage(ctx, "s1", "r1")
	if err != nil || st.Product == nil || st.Product.Stock != 7 || !st.Product.LowStock {
		t.Fatalf("stage after stock event: %v %+v", err, st.Product)
	}

	// Editing the pinned product during the stream refreshes the prompter.
	p1, _, _ := a.Catalog.Get(ctx, "s1", "p1")
	p1.Title, p1.Points = "纯棉T恤 加厚", []string{"新卖点"}
	if err := a.Catalog.Save(ctx, "s1", []catalog.Product{p1}); err != nil {
		t.Fatal(err)
	}
	a.ProductsChanged(ctx, "s1", []string{"p1"})
	if st, _ = a.Stage(ctx, "s1", "r1"); st.Product.Title != "纯棉T恤 加厚" || len(st.Product.Points) != 1 {
		t.Fatalf("stage after edit: %+v", st.Product)
	}

	// The stage survives a restart: a new Actions reads it back from ClickHouse.
	b := &Actions{CH: a.CH, Catalog: a.Catalog, Recorder: a.Recorder}
	st2, err := b.Stage(ctx, "s1", "r1")
	if err != nil || st2.Cue == nil || st2.Cue.ID != cue || !st2.Cue.Acked || st2.FlashSale == nil || st2.Product.ID != "p1" {
		t.Fatalf("stage after restart: %v %+v", err, st2)
	}
	// The hub keeps the latest stage message for screens that connect later.
	raw, err := a.Publisher.(*hub.Hub).Latest(ctx, "s1", "r1", KindStage)
	if err != nil {
		t.Fatalf("latest stage message: %v", err)
	}
	var env struct {
		Kind string `json:"kind"`
		Data Stage  `json:"data"`
	}
	if err := json.Unmarshal([]byte(raw), &env); err != nil || env.Kind != KindStage || env.Data.Product.Title != "纯棉T恤 加厚" {
		t.Fatalf("latest envelope %s: %v", raw, err)
	}

	// Unpin clears the product and records how long it was presented; unpinning again records nothing.
	if st, err = a.Unpin(ctx, "s1", "r1", "ops"); err != nil || st.Product != nil {
		t.Fatalf("unpin: %v %+v", err, st)
	}
	if _, err = a.Unpin(ctx, "s1", "r1", "ops"); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT count() FROM events WHERE type = 'unpin' AND product = 'p1'"); n != 1 {
		t.Errorf("unpin events = %d", n)
	}
	// Other rooms and shops are untouched.
	if st, _ := a.Stage(ctx, "s1", "r2"); st.Product != nil || st.Cue != nil {
		t.Fatalf("room r2 = %+v", st)
	}
}

func TestCuePresets(t *testing.T) {
	a, _, _ := actionsFixture(t)
	ctx := context.Background()
	got, err := a.Presets(ctx, "s1")
	if err != nil || len(got) != len(DefaultCues) {
		t.Fatalf("defaults: %v %v", got, err)
	}
	if _, err := a.SetPresets(ctx, "s1", []string{" 强调尺码 ", "", "换下一款"}); err != nil {
		t.Fatal(err)
	}
	got, _ = a.Presets(ctx, "s1")
	if len(got) != 2 || got[0] != "强调尺码" {
		t.Fatalf("presets = %v", got)
	}
	if other, _ := a.Presets(ctx, "s2"); len(other) != len(DefaultCues) {
		t.Fatalf("other shop presets = %v", other)
	}
	if _, err := a.SetPresets(ctx, "s1", []string{string(make([]rune, 50))}); livedesk.ErrorCode(err) != livedesk.EINVALID {
		t.Fatalf("long preset: %v", err)
	}
}

func TestActionsAnswerTopic(t *testing.T) {
	a, _, count := actionsFixture(t)
	ctx := context.Background()
	if _, err := a.AnswerTopic(ctx, "s1", "r1", "nope", "anchor"); livedesk.ErrorCode(err) != livedesk.EINVALID {
		t.Fatalf("unknown topic: %v", err)
	}
	if _, err := a.AnswerTopic(ctx, "s1", "r1", livedesk.TopicOther, "anchor"); livedesk.ErrorCode(err) != livedesk.EINVALID {
		t.Fatalf("other is not on the prompter, so not answerable: %v", err)
	}
	st, err := a.AnswerTopic(ctx, "s1", "r1", livedesk.TopicSize, "anchor")
	if err != nil || st.Answered[livedesk.TopicSize] == 0 || st.Cue != nil {
		t.Fatalf("answered: %v %+v", err, st)
	}
	if n := count("SELECT count() FROM events WHERE type = 'cue' AND user = 'anchor' AND text = ? AND position(extra, '\"answered\":\"size\"') > 0", AnsweredTextPrefix+"尺码"); n != 1 {
		t.Errorf("answered events = %d", n)
	}
	// Stored with the stage (survives a restart).
	if st, _ := a.Stage(ctx, "s1", "r1"); st.Answered[livedesk.TopicSize] == 0 {
		t.Fatalf("stored stage = %+v", st)
	}
	// The same event arriving through ingest (a replay) marks the topic, it is not shown as a cue.
	later := time.Now().UTC().Add(time.Minute).Truncate(time.Millisecond)
	a.Observe(ctx, "s1", []ingest.Event{{Shop: "s1", Room: "r2", ID: "x1", Type: ingest.TypeCue, User: "anchor",
		Text: AnsweredTextPrefix + "发货", TS: later, Extra: `{"answered":"shipping"}`}})
	if st, _ := a.Stage(ctx, "s1", "r2"); st.Cue != nil || st.Answered[livedesk.TopicShipping] != later.UnixMilli() {
		t.Fatalf("replayed answered = %+v", st)
	}
	// A replayed "got it" marks its cue instead of replacing it.
	a.Observe(ctx, "s1", []ingest.Event{{Shop: "s1", Room: "r2", ID: "c1", Type: ingest.TypeCue, User: "ops", Text: "强调尺码", TS: later}})
	a.Observe(ctx, "s1", []ingest.Event{{Shop: "s1", Room: "r2", ID: "a1", Type: ingest.TypeCue, User: "anchor",
		Text: AckTextPrefix + "强调尺码", TS: later.Add(time.Second), Extra: `{"ack":"c1"}`}})
	if st, _ := a.Stage(ctx, "s1", "r2"); st.Cue == nil || st.Cue.Text != "强调尺码" || !st.Cue.Acked || st.Cue.AckedBy != "anchor" {
		t.Fatalf("replayed ack = %+v", st.Cue)
	}
}
