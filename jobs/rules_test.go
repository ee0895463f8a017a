package jobs

import (
	"fmt"
	"testing"
	"time"
)

func TestEndOfDayAcrossMidnightInShanghai(t *testing.T) {
	cases := []struct {
		at   time.Time
		want time.Time
	}{
		{sh(2026, 11, 20, 0, 1), sh(2026, 11, 21, 0, 0)},
		{sh(2026, 11, 20, 23, 59), sh(2026, 11, 21, 0, 0)},
		{sh(2026, 11, 21, 0, 0), sh(2026, 11, 22, 0, 0)},
		// 16:30 UTC is 00:30 the next day in Shanghai: due at the end of that Shanghai day.
		{time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC), sh(2026, 11, 22, 0, 0)},
		// 15:59 UTC is still 23:59 on the 20th in Shanghai.
		{time.Date(2026, 11, 20, 15, 59, 0, 0, time.UTC), sh(2026, 11, 21, 0, 0)},
		{sh(2026, 12, 31, 18, 0), sh(2027, 1, 1, 0, 0)},
	}
	for _, c := range cases {
		if got := EndOfDay(c.at, shanghai); !got.Equal(c.want) {
			t.Errorf("EndOfDay(%s) = %s, want %s", c.at, got.In(shanghai), c.want)
		}
	}
	if got := StartOfDay(time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC), shanghai); !got.Equal(sh(2026, 11, 21, 0, 0)) {
		t.Errorf("StartOfDay = %s", got.In(shanghai))
	}
}

func TestReplyWindow(t *testing.T) {
	from, to := 8*time.Hour, 23*time.Hour
	cases := []struct {
		at   time.Time
		want bool
	}{
		{sh(2026, 11, 20, 7, 59), false},
		{sh(2026, 11, 20, 8, 0), true},
		{sh(2026, 11, 20, 22, 59), true},
		{sh(2026, 11, 20, 23, 0), false},
		{time.Date(2026, 11, 20, 0, 30, 0, 0, time.UTC), true},   // 08:30 in Shanghai
		{time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC), false}, // 23:30 in Shanghai
	}
	for _, c := range cases {
		if got := InWindow(c.at, shanghai, from, to); got != c.want {
			t.Errorf("InWindow(%s) = %v", c.at.In(shanghai), got)
		}
	}
}

func TestReplyRateCases(t *testing.T) {
	base := sh(2026, 11, 20, 10, 0)
	m := func(conv, dir string, min float64) Message {
		return Message{Conversation: conv, Direction: dir, TS: base.Add(time.Duration(min * float64(time.Minute)))}
	}
	cases := []struct {
		name             string
		msgs             []Message
		now              float64
		incoming, onTime int
		waiting          string
	}{
		{"answered in time", []Message{m("a", "in", 0), m("a", "out", 2.9)}, 10, 1, 1, "[]"},
		{"answered at exactly 3 min", []Message{m("a", "in", 0), m("a", "out", 3)}, 10, 1, 1, "[]"},
		{"answered late", []Message{m("a", "in", 0), m("a", "out", 3.5)}, 10, 1, 0, "[]"},
		{"two ins, one reply answers both", []Message{m("a", "in", 0), m("a", "in", 2), m("a", "out", 4)}, 10, 2, 1, "[]"},
		{"unanswered but young: not judged", []Message{m("a", "in", 8)}, 10, 0, 0, "[a]"},
		{"unanswered and old", []Message{m("a", "in", 0)}, 10, 1, 0, "[a]"},
		{"reply in another conversation does not count", []Message{m("a", "in", 0), m("b", "out", 1)}, 10, 1, 0, "[a]"},
		{"outside the window", []Message{{Conversation: "a", Direction: "in", TS: sh(2026, 11, 20, 23, 30)}}, 24 * 60, 0, 0, "[a]"},
		{"future messages ignored", []Message{m("a", "in", 0), m("a", "out", 20)}, 10, 1, 0, "[a]"},
		{"longest waiting first", []Message{m("b", "in", 5), m("a", "in", 1)}, 10, 2, 0, "[a b]"},
	}
	for _, c := range cases {
		st := ReplyRate(c.msgs, shanghai, 8*time.Hour, 23*time.Hour, 3*time.Minute, base.Add(time.Duration(c.now*float64(time.Minute))))
		var w []string
		for _, x := range st.Waiting {
			w = append(w, x.Conversation)
		}
		if st.Incoming != c.incoming || st.OnTime != c.onTime || fmt.Sprint(w) != c.waiting {
			t.Errorf("%s: got %d/%d waiting %v, want %d/%d %s", c.name, st.OnTime, st.Incoming, w, c.onTime, c.incoming, c.waiting)
		}
	}
}

func TestCountKeywords(t *testing.T) {
	got := CountKeywords([]ReviewText{
		{"p1", "物流慢，物流慢，质量差"},
		{"p1", "物流慢"},
		{"p2", "尺寸不准"},
		{"p2", "很好"},
		{"p1", "有色差"},
	}, []string{"物流慢", "尺寸不准", "质量差", "色差"})
	want := "[{p1 物流慢 2} {p1 质量差 1} {p1 色差 1} {p2 尺寸不准 1}]"
	if fmt.Sprint(got) != want {
		t.Fatalf("got %v\nwant %s", got, want)
	}
}

func TestFindBurst(t *testing.T) {
	at := func(mins ...int) []time.Time {
		var out []time.Time
		for _, m := range mins {
			out = append(out, sh(2026, 11, 20, 10, 0).Add(time.Duration(m)*time.Minute))
		}
		return out
	}
	cases := []struct {
		times []time.Time
		want  int
	}{
		{at(), 0},
		{at(0), 1},
		{at(0, 10, 20), 2},         // 10-minute span is inclusive
		{at(30, 0, 2, 4, 6, 8), 5}, // unsorted input
		{at(0, 11, 22, 33), 1},
	}
	for _, c := range cases {
		if n, _, _ := FindBurst(c.times, 10*time.Minute); n != c.want {
			t.Errorf("FindBurst(%v) = %d, want %d", c.times, n, c.want)
		}
	}
}

func TestReconcileRules(t *testing.T) {
	now := sh(2026, 11, 20, 10, 0)
	spec := Spec{Type: "x", SubjectKind: SubjectOrder, SubjectID: "o1", Severity: SeverityWarn, Title: "t"}
	p := Reconcile(shop, now, []Spec{spec, spec}, nil, nil)
	if len(p.Writes) != 1 || p.Opened != 1 || len(p.Notify) != 0 {
		t.Fatalf("new: %+v", p)
	}
	open := p.Writes[0]
	if p := Reconcile(shop, now, []Spec{spec}, []Task{open}, nil); len(p.Writes) != 0 {
		t.Fatalf("unchanged should write nothing: %+v", p)
	}
	urgent := spec
	urgent.Severity = SeverityUrgent
	if p := Reconcile(shop, now, []Spec{urgent}, []Task{open}, nil); len(p.Writes) != 1 || len(p.Notify) != 1 || p.Opened != 0 {
		t.Fatalf("escalation: %+v", p)
	}
	p = Reconcile(shop, now, nil, []Task{open}, nil)
	if p.Closed != 1 || p.Writes[0].Status != StatusDone || p.Writes[0].ClosedBy != ClosedAuto {
		t.Fatalf("cleared: %+v", p)
	}
	if p := Reconcile(shop, now, nil, []Task{open}, func(Task) bool { return false }); len(p.Writes) != 0 {
		t.Fatalf("uncovered task must be left alone: %+v", p)
	}
	done := open
	done.Status, done.ClosedBy = StatusDone, "alice"
	if p := Reconcile(shop, now, []Spec{spec}, []Task{done}, nil); len(p.Writes) != 0 {
		t.Fatalf("done by a person stays done while the condition holds: %+v", p)
	}
	p = Reconcile(shop, now, nil, []Task{done}, nil)
	if len(p.Writes) != 1 || !p.Writes[0].Cleared || p.Writes[0].ClosedBy != "alice" {
		t.Fatalf("cleared after done: %+v", p)
	}
	if p := Reconcile(shop, now, []Spec{spec}, []Task{p.Writes[0]}, nil); p.Opened != 1 || p.Writes[0].Status != StatusOpen {
		t.Fatalf("returned condition reopens: %+v", p)
	}
}

func TestNextRunInShopZone(t *testing.T) {
	now := sh(2026, 11, 20, 8, 31)
	if got := NextRun("30 8 * * *", shanghai, now); !got.Equal(sh(2026, 11, 21, 8, 30)) {
		t.Fatalf("morning recap next %s", got.In(shanghai))
	}
	if got := NextRun("*/15 * * * *", shanghai, now); !got.Equal(sh(2026, 11, 20, 8, 45)) {
		t.Fatalf("*/15 next %s", got.In(shanghai))
	}
	if !NextRun("nonsense", shanghai, now).IsZero() {
		t.Fatal("invalid schedule has a next run")
	}
}
