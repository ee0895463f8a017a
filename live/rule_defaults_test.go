package live

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// flagOfRule returns the flag of rule (any subject), nil when none is active.
func flagOfRule(s Snapshot, rule string) *Flag {
	for i := range s.Flags {
		if s.Flags[i].Rule == rule {
			return &s.Flags[i]
		}
	}
	return nil
}

// TestDefaultRuleStockout: the pinned product's stock runs out within 10 minutes at the window's
// sales rate.
func TestDefaultRuleStockout(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	stock := te.ev(ingest.TypeStock, time.Second, "", "p1")
	stock.Room, stock.Value = "", 30
	evs := []ingest.Event{stock, te.ev(ingest.TypePin, time.Second, "", "p1")}
	for i := 0; i < 10; i++ { // 10 paid orders in the last 5 minutes: 2 a minute
		evs = append(evs, te.order(time.Duration(60+i*25)*time.Second, "b", "p1", ingest.StatusPaid, 9900))
	}
	te.feed(evs...)
	te.at(5*time.Minute + 30*time.Second)
	if f := flagOfRule(te.tick(), RuleStockout); f != nil {
		t.Fatalf("30 in stock at 2 a minute is 15 minutes: %+v", f)
	}
	low := te.ev(ingest.TypeStock, 5*time.Minute+31*time.Second, "", "p1")
	low.Room, low.Value = "", 15
	te.feed(low)
	te.at(5*time.Minute + 32*time.Second)
	f := flagOfRule(te.tick(), RuleStockout)
	if f == nil || f.Product != "p1" || f.Name == "" || len(f.When) != 1 || f.When[0].Actual != 7.5 {
		t.Fatalf("15 in stock at 2 a minute: %+v", f)
	}
	if !strings.Contains(FlagText(*f, "r1", "en"), "Projected stock-out (minutes) 7.5 < 10") {
		t.Errorf("flag text: %s", FlagText(*f, "r1", "en"))
	}
}

// TestDefaultRuleCTRFalling: the last 2 minutes' CTR under half the first 2 minutes' of the same
// presentation.
func TestDefaultRuleCTRFalling(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	evs := []ingest.Event{te.ev(ingest.TypePin, 0, "", "p1")}
	add := func(from time.Duration, impressions, clicks int) {
		for i := 0; i < impressions; i++ {
			at := from + time.Duration(i)*time.Second
			evs = append(evs, te.ev(ingest.TypeImpression, at, "v", "p1"))
			if i%(impressions/clicks) == 0 {
				evs = append(evs, te.ev(ingest.TypeClick, at, "v", "p1"))
			}
		}
	}
	add(time.Second, 100, 20)                 // first 2 minutes: 20%
	add(4*time.Minute+10*time.Second, 100, 4) // last 2 minutes: 4%
	te.feed(evs...)
	te.at(6*time.Minute + 5*time.Second)
	f := flagOfRule(te.tick(), RuleCTRFalling)
	if f == nil || f.Product != "p1" {
		t.Fatalf("CTR 4%% against 20%% at the start: %+v", te.tick().Flags)
	}
	var vs float64
	for _, c := range f.When {
		if c.Metric == MCTRVsStartPct {
			vs = c.Actual
		}
	}
	if vs != 20 {
		t.Errorf("ctr_vs_start_pct = %v, want 20: %+v", vs, f.When)
	}
}

// TestDefaultRuleQuestionsPiling: 5 unanswered questions of one topic in 2 minutes raise a flag
// for the topic; answering the topic on the prompter clears it on the next tick.
func TestDefaultRuleQuestionsPiling(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	var evs []ingest.Event
	for i := 0; i < 4; i++ {
		c := te.ev(ingest.TypeComment, time.Duration(10+i*10)*time.Second, "u", "")
		c.Text = "有S码吗？"
		evs = append(evs, c)
	}
	te.feed(evs...)
	te.at(time.Minute)
	if f := flagOfRule(te.tick(), RuleQuestionsPiling); f != nil {
		t.Fatalf("4 questions: %+v", f)
	}
	c := te.ev(ingest.TypeComment, time.Minute+time.Second, "u", "")
	c.Text = "我160斤穿什么码"
	te.feed(c)
	te.at(time.Minute + 5*time.Second)
	f := flagOfRule(te.tick(), RuleQuestionsPiling)
	if f == nil || f.Topic != "size" || f.When[0].Actual != 5 {
		t.Fatalf("5 size questions: %+v", te.tick().Flags)
	}
	te.at(time.Minute + 20*time.Second)
	if _, err := te.act.AnswerTopic(ctx, "s1", "r1", "size", "主播"); err != nil {
		t.Fatal(err)
	}
	te.at(time.Minute + 30*time.Second)
	if f := flagOfRule(te.tick(), RuleQuestionsPiling); f != nil {
		t.Fatalf("answered, still raised: %+v", f)
	}
}

// TestOperatorRuleNextTick: an operator's rule (clicks > 20 and no sale in 1 minute) fires on the
// tick after it is saved, a stricter edit clears it on the next tick, and the change log records
// both edits with who made them.
func TestOperatorRuleNextTick(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	var evs []ingest.Event
	for i := 0; i < 25; i++ {
		evs = append(evs, te.ev(ingest.TypeClick, time.Duration(5+i)*time.Second, "u", "p3"))
	}
	te.feed(evs...)
	te.at(40 * time.Second)
	if f := flagOfRule(te.tick(), "quick"); f != nil {
		t.Fatal("no such rule yet")
	}
	rules, err := te.e.Rules(ctx, "s1", "r1")
	if err != nil || len(rules) != 7 {
		t.Fatalf("defaults: %d %v", len(rules), err)
	}
	mine := Rule{ID: "quick", Name: "一分钟没成交", Scope: ScopeProduct, WindowS: 60, Enabled: true,
		When: []Cond{{Metric: MClicks, Op: ">", Value: 20}, {Metric: MPaidOrders, Op: "=", Value: 0}}}
	if _, err := te.e.SaveRules(ctx, "s1", "r1", append(rules, mine), "运营小王"); err != nil {
		t.Fatal(err)
	}
	te.at(41 * time.Second)
	f := flagOfRule(te.tick(), "quick")
	if f == nil || f.Name != "一分钟没成交" || f.Product != "p3" || f.When[0].Actual != 25 {
		t.Fatalf("operator rule: %+v", f)
	}
	mine.When[0].Value = 30
	if _, err := te.e.SaveRules(ctx, "s1", "r1", append(rules, mine), "运营小王"); err != nil {
		t.Fatal(err)
	}
	te.at(42 * time.Second)
	if f := flagOfRule(te.tick(), "quick"); f != nil {
		t.Fatalf("stricter rule still raised: %+v", f)
	}
	ch, err := te.e.Changes(ctx, "s1", "r1", 10)
	if err != nil || len(ch) != 2 || ch[0].Actor != "运营小王" || !strings.Contains(ch[0].After, `"value":30`) ||
		!strings.Contains(ch[0].Before, `"value":20`) {
		t.Fatalf("change log: %+v %v", ch, err)
	}
	// Shop defaults apply to a room without its own settings; the room's own win.
	s := DefaultSettings()
	s.NoSaleClicks = 40
	if err := te.e.SaveSettings(ctx, "s1", ShopDefaults, s, "店长"); err != nil {
		t.Fatal(err)
	}
	if got, _ := te.e.Settings(ctx, "s1", "r2"); got.NoSaleClicks != 40 {
		t.Errorf("shop default not inherited: %+v", got)
	}
	if got, _ := te.e.Rules(ctx, "s1", "r2"); got[0].When[0].Value != 40 {
		t.Errorf("shop default threshold not in the default rules: %+v", got[0])
	}
	// The room has its own rules: a settings threshold edit is carried into its seed rule.
	s.NoSaleClicks = 77
	if err := te.e.SaveSettings(ctx, "s1", "r1", s, "运营小王"); err != nil {
		t.Fatal(err)
	}
	if got, _ := te.e.Rules(ctx, "s1", "r1"); got[0].When[0].Value != 77 {
		t.Errorf("threshold not carried into the room's rules: %+v", got[0])
	}
}
