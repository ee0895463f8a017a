package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// TaskTypes lists the task types in the order filters offer them.
var TaskTypes = []string{TypeUnpaidRemind, TypeUnpaidClose, TypeShip, TypeShipRate, TypeRefund, TypeRestock,
	TypeCouponReplenish, TypeReviewReply, TypeReplyRate, TypeFraudReview, TypeReturnRate, TypeDetailPage, TypeRetention,
	TypeBannedWord, TypeQualification, TypeDeadLetter}

// Task statuses.
const (
	StatusOpen    = "open"
	StatusSnoozed = "snoozed"
	StatusDone    = "done"
)

// Severities, lowest first. Urgent tasks are pushed to open pages and webhooks.
const (
	SeverityInfo   = "info"
	SeverityWarn   = "warn"
	SeverityUrgent = "urgent"
)

// Subject kinds a task can be about.
const (
	SubjectOrder        = "order"
	SubjectProduct      = "product"
	SubjectReview       = "review"
	SubjectConversation = "conversation"
	SubjectUser         = "user"
	SubjectCoupon       = "coupon"
	SubjectShop         = "shop" // a shop-wide check of one day, subject id = the date
)

// Roles a task is for (the login roles).
const (
	RoleAdmin    = "admin"
	RoleOperator = "operator"
)

// ClosedAuto is closed_by of a task closed because its condition cleared.
const ClosedAuto = "auto"

// Task is one row of the tasks inbox.
type Task struct {
	Shop         string
	ID           string
	Type         string
	SubjectKind  string
	SubjectID    string
	Severity     string
	Role         string
	Title        string // zh-CN
	TitleEn      string
	Detail       string
	Due          time.Time // UTC; zero = no deadline
	Status       string
	SnoozedUntil time.Time
	ClosedBy     string
	Cleared      bool
	Created      time.Time
	Updated      time.Time
	Version      uint64
}

// Overdue reports whether the task is still to do and past its due time at now.
func (t Task) Overdue(now time.Time) bool {
	return t.Status != StatusDone && !t.Due.IsZero() && now.After(t.Due)
}

// Spec is a condition a job sees now that needs a person: the task it should have.
type Spec struct {
	Type        string
	SubjectKind string
	SubjectID   string
	Severity    string
	Role        string
	Title       string
	TitleEn     string
	Detail      string
	Due         time.Time
}

// TaskID derives the task id of (type, subject): the same subject always maps to the same task.
func TaskID(typ, kind, subject string) string {
	h := sha256.Sum256([]byte(typ + "\x00" + kind + "\x00" + subject))
	return hex.EncodeToString(h[:12])
}

// ID returns the id of the task for s.
func (s Spec) ID() string { return TaskID(s.Type, s.SubjectKind, s.SubjectID) }

// Plan is what Reconcile decided: the task rows to write, and which of them are newly urgent
// (opened urgent, escalated to urgent, or reopened urgent) and should be announced.
type Plan struct {
	Writes []Task
	Notify []Task
	Opened int
	Closed int
}

// Reconcile compares the conditions a job sees now (specs) with the existing tasks of the job's
// types and returns the rows to write. covers says whether the job's check spoke for an existing
// task's subject (nil = it did for all): an uncovered task missing from specs is left alone
// rather than closed. Pure: no I/O, now is given.
func Reconcile(shop string, now time.Time, specs []Spec, existing []Task, covers func(Task) bool) Plan {
	var p Plan
	byID := make(map[string]Task, len(existing))
	for _, t := range existing {
		byID[t.ID] = t
	}
	active := make(map[string]bool, len(specs))
	for _, s := range specs {
		id := s.ID()
		if active[id] {
			continue
		}
		active[id] = true
		old, ok := byID[id]
		switch {
		case !ok || (old.Status == StatusDone && old.Cleared):
			t := fromSpec(shop, id, s, now)
			p.Writes = append(p.Writes, t)
			p.Opened++
			if t.Severity == SeverityUrgent {
				p.Notify = append(p.Notify, t)
			}
		case old.Status == StatusDone:
			// done by a person while the condition still holds: leave it done.
		default:
			t, changed := refresh(old, s, now)
			if changed {
				t.Updated, t.Version = now, nextVersion(old.Version)
				p.Writes = append(p.Writes, t)
				if t.Severity == SeverityUrgent && (old.Severity != SeverityUrgent || old.Status == StatusSnoozed) {
					p.Notify = append(p.Notify, t)
				}
			}
		}
	}
	for _, t := range existing {
		if active[t.ID] || (covers != nil && !covers(t)) {
			continue
		}
		switch {
		case t.Status != StatusDone:
			t.Status, t.ClosedBy, t.Cleared = StatusDone, ClosedAuto, true
			t.Updated, t.Version = now, nextVersion(t.Version)
			p.Writes = append(p.Writes, t)
			p.Closed++
		case !t.Cleared:
			t.Cleared = true
			t.Updated, t.Version = now, nextVersion(t.Version)
			p.Writes = append(p.Writes, t)
		}
	}
	return p
}

func fromSpec(shop, id string, s Spec, now time.Time) Task {
	return Task{Shop: shop, ID: id, Type: s.Type, SubjectKind: s.SubjectKind, SubjectID: s.SubjectID,
		Severity: s.Severity, Role: s.Role, Title: s.Title, TitleEn: s.TitleEn, Detail: s.Detail,
		Due: dueOf(s), Status: StatusOpen, Created: now, Updated: now, Version: nextVersion(0)}
}

// refresh applies s to an open or snoozed task; a snooze that has ended turns back into open.
func refresh(t Task, s Spec, now time.Time) (Task, bool) {
	changed := false
	if t.Status == StatusSnoozed && !now.Before(t.SnoozedUntil) {
		t.Status, t.SnoozedUntil, changed = StatusOpen, time.Time{}, true
	}
	if t.Severity != s.Severity || t.Role != s.Role || t.Title != s.Title || t.TitleEn != s.TitleEn ||
		t.Detail != s.Detail || !t.Due.Equal(dueOf(s)) {
		t.Severity, t.Role, t.Title, t.TitleEn, t.Detail, t.Due = s.Severity, s.Role, s.Title, s.TitleEn, s.Detail, dueOf(s)
		changed = true
	}
	return t, changed
}

// nextVersion returns a version newer than old: wall-clock nanoseconds (so writers on different
// instances order by time), never less than old+1.
func nextVersion(old uint64) uint64 {
	v := uint64(time.Now().UnixNano())
	if v <= old {
		v = old + 1
	}
	return v
}

// dueOf is s.Due as stored: UTC, whole seconds (ClickHouse DateTime).
func dueOf(s Spec) time.Time {
	if s.Due.IsZero() {
		return time.Time{}
	}
	return s.Due.UTC().Truncate(time.Second)
}
