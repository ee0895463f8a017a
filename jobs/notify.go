package jobs

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"
)

// Publisher sends a message to every open page of a shop. hub.Hub satisfies it (PublishShop);
// cmd wires it, so jobs does not depend on how the hub works.
type Publisher interface {
	PublishShop(ctx context.Context, shop, kind string, body []byte) error
}

// Notification is something people should hear about now: a new urgent task, a recap.
type Notification struct {
	Kind     string    `json:"kind"` // "task", "recap", "report", KindFlag
	Job      string    `json:"job"`
	Severity string    `json:"severity"`
	Title    string    `json:"title"`
	Text     string    `json:"text"`
	TaskID   string    `json:"task_id,omitempty"`
	TaskType string    `json:"task_type,omitempty"`
	Due      time.Time `json:"due,omitzero"`
	At       time.Time `json:"at"`
}

// KindFlag is a notification of a live rule's flag (a rule with notify on); like a task's, it is
// sent whatever the recaps setting says.
const KindFlag = "flag"

// Publication is a live message a job wants on every page (kind and JSON body).
type Publication struct {
	Kind string
	Body []byte
}

// NotifyKind is the hub message kind of notifications ("notify" in CONTRACTS.md).
const NotifyKind = "notify"

// StockKind is the hub message kind carrying the shop's 即将售罄 list.
const StockKind = "stock"

// taskNotification describes a newly urgent task.
func taskNotification(job string, t Task) Notification {
	text := t.Title
	if t.Detail != "" {
		text += "\n" + t.Detail
	}
	return Notification{Kind: "task", Job: job, Severity: t.Severity, Title: t.Title, Text: text,
		TaskID: t.ID, TaskType: t.Type, Due: t.Due, At: t.Updated}
}

// deliver sends n to the shop's pages and, when configured, its webhook. Failures are logged:
// a notification never fails the job that raised it.
func (r *Runner) deliver(ctx context.Context, shop string, n Notification) {
	body, err := json.Marshal(n)
	if err != nil {
		r.log().Error("jobs: encode notification", "err", err)
		return
	}
	if r.Publisher != nil {
		if err := r.Publisher.PublishShop(ctx, shop, NotifyKind, body); err != nil {
			r.log().Warn("jobs: publish notification", "shop", shop, "err", err)
		}
	}
	if r.Webhooks != nil {
		r.Webhooks.Send(ctx, shop, n)
	}
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}
