package jobs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/compliance"
	"github.com/livedesk/livedesk/ingest"
)

// shelf is a fixed product list and preset cues standing in for the catalog and the stage (cmd
// wires the real ones; their own tests cover them).
type shelf struct {
	products []ProductText
	cues     []CueText
}

func (s *shelf) Products(context.Context, string) ([]ProductText, error) { return s.products, nil }
func (s *shelf) Cues(context.Context, string) ([]CueText, error)         { return s.cues, nil }

// TestComplianceScanEachField: a banned word in a title, the selling points, the script and a
// preset cue each raise one task naming the word and the field; the shop's own word counts, a
// built-in word the shop turned off does not; a task closes once its word is gone.
func TestComplianceScanEachField(t *testing.T) {
	f := newFixture(t, sh(2026, 3, 10, 0, 0))
	words := compliance.NewStore(f.runner.Store.Conn())
	f.runner.Words = words
	ctx := context.Background()
	if err := words.SetWord(ctx, shop, "秒杀价", false, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := words.SetWord(ctx, shop, "顶级", true, "admin"); err != nil {
		t.Fatal(err)
	}
	sf := &shelf{
		products: []ProductText{
			{ID: "p1", Title: "最佳卫衣", Points: []string{"加绒", "万能百搭"}, Script: "好评率100%，秒杀价只有今天"},
			{ID: "p2", Title: "顶级面料T恤", Points: []string{"纯棉"}, Script: "透气"},
		},
		cues: []CueText{{ID: "1", Text: "强调尺码"}, {ID: "2", Text: "全网第一好穿"}},
	}
	f.runner.Catalog = sf
	f.run(sh(2026, 3, 10, 9, 0), "compliance")
	got := f.tasks(TypeBannedWord)
	want := []string{"product:p1:title:最佳", "product:p1:points:万能", "product:p1:script:100%", "product:p1:script:秒杀价",
		"cue:2:cue:第一", "cue:2:cue:全网第一"}
	if len(got) != len(want) {
		t.Fatalf("banned-word tasks %v, want %v", keys(got), want)
	}
	for _, w := range want {
		task, ok := got[w]
		if !ok || task.Status != StatusOpen {
			t.Fatalf("no open task %s (have %v)", w, keys(got))
		}
		word := w[strings.LastIndex(w, ":")+1:]
		if !strings.Contains(task.Title, "「"+word+"」") {
			t.Errorf("task %s title %q does not name the word", w, task.Title)
		}
	}
	for subject, field := range map[string]string{"product:p1:title:最佳": "商品标题", "product:p1:points:万能": "卖点",
		"product:p1:script:100%": "话术脚本", "cue:2:cue:第一": "预设提词"} {
		if tk := got[subject]; !strings.Contains(tk.Title+tk.Detail, field) {
			t.Errorf("task %s (%q / %q) does not name the field %s", subject, tk.Title, tk.Detail, field)
		}
	}
	// The title is fixed: its task closes, the others stay.
	sf.products[0].Title = "舒适卫衣"
	f.run(sh(2026, 3, 11, 9, 0), "compliance")
	open := f.open(TypeBannedWord)
	if _, still := open["product:p1:title:最佳"]; still || len(open) != len(want)-1 {
		t.Fatalf("after the title fix, open tasks %v", open)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestQualificationTasksAt30And7Days: a document expiring 2026-04-20 has no task 31 days before,
// a warning from 30 days before, an urgent task from 7 days before, and stays urgent once expired.
func TestQualificationTasksAt30And7Days(t *testing.T) {
	f := newFixture(t, sh(2026, 3, 1, 0, 0))
	words := compliance.NewStore(f.runner.Store.Conn())
	f.runner.Words = words
	exp, err := compliance.ParseDate("2026-04-20")
	if err != nil {
		t.Fatal(err)
	}
	q, err := words.SaveQualification(context.Background(), shop, compliance.Qualification{Name: "食品经营许可证", Number: "JY1234", Expires: exp}, "admin")
	if err != nil {
		t.Fatal(err)
	}
	subject := "qual:" + q.ID + ":2026-04-20"
	for _, c := range []struct {
		day       time.Time
		severity  string // "" = no task
		titlePart string
	}{
		{sh(2026, 3, 20, 9, 0), "", ""},                   // 31 days left
		{sh(2026, 3, 21, 9, 0), SeverityWarn, "还有 30 天"},  // 30
		{sh(2026, 4, 12, 9, 0), SeverityWarn, "还有 8 天"},   // 8
		{sh(2026, 4, 13, 9, 0), SeverityUrgent, "还有 7 天"}, // 7
		{sh(2026, 4, 20, 9, 0), SeverityUrgent, "还有 0 天"}, // the last valid day
		{sh(2026, 4, 21, 9, 0), SeverityUrgent, "已于 2026-04-20 过期"},
	} {
		f.run(c.day, "qualifications")
		open := f.open(TypeQualification)
		if c.severity == "" {
			if len(open) != 0 {
				t.Fatalf("%s: tasks %v, want none", c.day.Format("01-02"), open)
			}
			continue
		}
		if open[subject] != c.severity || len(open) != 1 {
			t.Fatalf("%s: tasks %v, want %s %s", c.day.Format("01-02"), open, subject, c.severity)
		}
		if tk := f.tasks(TypeQualification)[subject]; !strings.Contains(tk.Title, c.titlePart) || !strings.Contains(tk.Title, "食品经营许可证") {
			t.Errorf("%s: title %q, want %q", c.day.Format("01-02"), tk.Title, c.titlePart)
		}
	}
	// Renewed: the old expiry's task closes.
	q.Expires, _ = compliance.ParseDate("2027-04-20")
	if _, err := words.SaveQualification(context.Background(), shop, q, "admin"); err != nil {
		t.Fatal(err)
	}
	f.run(sh(2026, 4, 22, 9, 0), "qualifications")
	if open := f.open(TypeQualification); len(open) != 0 {
		t.Fatalf("after renewal: %v", open)
	}
}

// TestDetailPageTask: yesterday's products with CTR above 5% but CVR below 1% (at least 100
// clicking users) raise a "fix the detail page" task; CVR at 1% or more, CTR at 5% or less, or
// too few clickers do not.
func TestDetailPageTask(t *testing.T) {
	f := newFixture(t, sh(2026, 3, 10, 0, 0))
	at := sh(2026, 3, 9, 20, 0)
	var evs []ingest.Event
	n := 0
	add := func(e ingest.Event) {
		n++
		e.ID, e.Shop, e.TS, e.Received, e.Room = fmt.Sprintf("e%d", n), shop, at.UTC(), at.UTC(), "r"
		evs = append(evs, e)
	}
	// product → impressions, clicking users (one click each), buyers
	for _, p := range []struct {
		id                     string
		imps, clickers, buyers int
	}{
		{"lowcvr", 2000, 120, 1}, // CTR 6%, CVR 0.83% → task
		{"okcvr", 2000, 120, 2},  // CTR 6%, CVR 1.67%
		{"lowctr", 3000, 150, 1}, // CTR 5% (not above), CVR 0.67%
		{"few", 1000, 60, 0},     // CTR 6%, CVR 0 but only 60 clickers
		{"exact1", 2000, 200, 2}, // CTR 10%, CVR exactly 1%
	} {
		for i := 0; i < p.imps; i++ {
			add(ingest.Event{Type: ingest.TypeImpression, Product: p.id, User: fmt.Sprintf("%s-v%d", p.id, i)})
		}
		for i := 0; i < p.clickers; i++ {
			add(ingest.Event{Type: ingest.TypeClick, Product: p.id, User: fmt.Sprintf("%s-v%d", p.id, i)})
		}
		for i := 0; i < p.buyers; i++ {
			add(ingest.Event{Type: ingest.TypeOrder, Product: p.id, Order: fmt.Sprintf("%s-o%d", p.id, i), Status: "paid",
				User: fmt.Sprintf("%s-v%d", p.id, i), Amount: 9900, Qty: 1})
		}
	}
	if err := f.writer.Write(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
	f.run(sh(2026, 3, 10, 8, 30), "morning_recap")
	f.wantOpen(TypeDetailPage, map[string]string{"lowcvr": SeverityWarn})
	tk := f.tasks(TypeDetailPage)["lowcvr"]
	if !strings.Contains(tk.Title, "点击率 6.0%") || !strings.Contains(tk.Title, "转化率 0.8%") || !strings.Contains(tk.Detail, "点击 120 ÷ 曝光 2000") {
		t.Errorf("task text %q / %q", tk.Title, tk.Detail)
	}
	r, ok, err := f.runner.Store.Recap(context.Background(), shop, RecapMorning, "2026-03-09")
	if err != nil || !ok || len(r.LowCVR) != 1 || r.LowCVR[0].Product != "lowcvr" {
		t.Fatalf("recap low CVR list: %v %v %+v", ok, err, r)
	}
}
