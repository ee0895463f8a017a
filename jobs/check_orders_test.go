package jobs

import (
	"testing"
	"time"
)

func TestUnpaidRemindsThenClosesAndClearsWhenPaid(t *testing.T) {
	t0 := sh(2026, 11, 20, 10, 0)
	f := newFixture(t, t0)
	f.order(t0, "o1", "created", "u1", 1990)
	f.order(t0, "o2", "created", "u2", 2990)
	f.order(t0.Add(10*time.Minute), "o2", "paid", "u2", 2990)
	f.order(t0, "o3", "created", "u3", 990)
	f.order(t0.Add(5*time.Minute), "o3", "cancelled", "u3", 990)
	f.order(t0.Add(20*time.Minute), "o4", "created", "u4", 500)

	f.run(t0.Add(29*time.Minute), "unpaid")
	f.wantOpen(TypeUnpaidRemind, map[string]string{})

	r := f.run(t0.Add(31*time.Minute), "unpaid")
	f.wantOpen(TypeUnpaidRemind, map[string]string{"o1": SeverityInfo})
	if r.Opened != 1 || r.Found != 1 || r.Status != "ok" {
		t.Fatalf("run %+v", r)
	}
	// Run again: nothing new, nothing duplicated.
	r = f.run(t0.Add(35*time.Minute), "unpaid")
	if r.Opened != 0 || f.rowCount() != 1 {
		t.Fatalf("second run opened %d, rows %d", r.Opened, f.rowCount())
	}
	f.run(t0.Add(51*time.Minute), "unpaid")
	f.wantOpen(TypeUnpaidRemind, map[string]string{"o1": SeverityInfo, "o4": SeverityInfo})

	// o4 gets paid: its reminder closes by itself.
	f.order(t0.Add(55*time.Minute), "o4", "paid", "u4", 500)
	r = f.run(t0.Add(time.Hour), "unpaid")
	f.wantOpen(TypeUnpaidRemind, map[string]string{"o1": SeverityInfo})
	if r.Closed != 1 || f.tasks(TypeUnpaidRemind)["o4"].ClosedBy != ClosedAuto {
		t.Fatalf("o4 reminder not auto-closed: %+v", r)
	}

	// At 48 h the reminder gives way to a close-order task that reports the stock released.
	r = f.run(t0.Add(48*time.Hour), "unpaid")
	f.wantOpen(TypeUnpaidRemind, map[string]string{})
	f.wantOpen(TypeUnpaidClose, map[string]string{"o1": SeverityWarn})
	if got := f.tasks(TypeUnpaidClose)["o1"]; !contains(got.Title, "释放库存") || !contains(r.Summary, "释放库存）1") {
		t.Fatalf("close task %q, summary %q", got.Title, r.Summary)
	}
	f.run(t0.Add(49*time.Hour), "unpaid")
	if f.rowCount() != 3 {
		t.Fatalf("rows %d, want 3 (o1 remind, o4 remind, o1 close)", f.rowCount())
	}
	f.order(t0.Add(49*time.Hour), "o1", "cancelled", "u1", 1990)
	f.run(t0.Add(50*time.Hour), "unpaid")
	f.wantOpen(TypeUnpaidClose, map[string]string{})
}

func TestShippingWarnsBreachesAndRate(t *testing.T) {
	t0 := sh(2026, 11, 20, 9, 0)
	f := newFixture(t, t0)
	f.order(t0, "s1", "paid", "u1", 1000)
	f.order(t0, "s2", "paid", "u2", 1000)
	f.order(t0.Add(2*time.Hour), "s2", "shipped", "u2", 1000)
	f.order(t0, "s3", "paid", "u3", 1000)
	f.order(t0.Add(time.Hour), "s3", "refunded", "u3", 1000)

	f.run(t0.Add(23*time.Hour), "shipping")
	f.wantOpen(TypeShip, map[string]string{})
	f.run(t0.Add(25*time.Hour), "shipping")
	f.wantOpen(TypeShip, map[string]string{"s1": SeverityWarn})
	if n := len(f.notified()); n != 0 {
		t.Fatalf("a warning was pushed: %d", n)
	}
	// Breach at 48 h: the same task escalates (no second task) and is pushed once.
	f.run(t0.Add(48*time.Hour+time.Minute), "shipping")
	f.wantOpen(TypeShip, map[string]string{"s1": SeverityUrgent})
	f.run(t0.Add(48*time.Hour+30*time.Minute), "shipping")
	if n := len(f.notified()); n != 1 {
		t.Fatalf("pushed %d notifications, want 1", n)
	}
	// Today (day of the breach) s1 was due and not shipped: 0/1 on time, under 95%.
	day := DayKey(f.clock.Now(), shanghai)
	f.wantOpen(TypeShipRate, map[string]string{day: SeverityWarn})
	f.order(t0.Add(49*time.Hour), "s1", "shipped", "u1", 1000)
	f.run(t0.Add(49*time.Hour+time.Minute), "shipping")
	f.wantOpen(TypeShip, map[string]string{})
	// Shipped late still counts as late: the rate task stays.
	f.wantOpen(TypeShipRate, map[string]string{day: SeverityWarn})
}

func TestRefundDueByMidnightThenEscalates(t *testing.T) {
	t0 := sh(2026, 11, 20, 23, 50)
	f := newFixture(t, t0)
	f.order(t0.Add(-time.Hour), "r1", "paid", "u1", 5000)
	f.order(t0, "r1", "refund_requested", "u1", 5000)
	f.order(t0.Add(-time.Hour), "r2", "paid", "u2", 5000)
	f.order(t0, "r2", "refund_requested", "u2", 5000)

	f.run(t0.Add(5*time.Minute), "refunds")
	f.wantOpen(TypeRefund, map[string]string{"r1": SeverityWarn, "r2": SeverityWarn})
	if due := f.tasks(TypeRefund)["r1"].Due; !due.Equal(sh(2026, 11, 21, 0, 0)) {
		t.Fatalf("due %s, want 24:00 shop time", due.In(shanghai))
	}
	f.order(t0.Add(8*time.Minute), "r2", "refunded", "u2", 5000)
	f.run(t0.Add(11*time.Minute), "refunds")
	f.wantOpen(TypeRefund, map[string]string{"r1": SeverityUrgent})
	if task := f.tasks(TypeRefund)["r1"]; task.Role != RoleAdmin {
		t.Fatalf("escalated task role %q", task.Role)
	}
	if ns := f.notified(); len(ns) != 1 || ns[0].TaskType != TypeRefund {
		t.Fatalf("notifications %+v", ns)
	}
}

func contains(s, sub string) bool { return len(sub) == 0 || indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
