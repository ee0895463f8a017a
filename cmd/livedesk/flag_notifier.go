package main

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/livedesk/livedesk/jobs"
)

// flagNotifier sends the live rules' flags (rules with notify on) to the shop's group bot through
// the jobs package's webhook sender, so the engine and the jobs share one sender and one
// setting (the shop's 飞书 / 企业微信 URL on the jobs page). The engine is built before the jobs,
// so the sender is set once it exists; until then flags are not sent.
type flagNotifier struct{ hooks atomic.Pointer[jobs.Webhooks] }

// NotifyFlag implements live.FlagNotifier.
func (n *flagNotifier) NotifyFlag(ctx context.Context, shop, text string) {
	h := n.hooks.Load()
	if h == nil {
		return
	}
	h.Send(ctx, shop, jobs.Notification{Kind: jobs.KindFlag, Title: "直播提醒 Live flag", Text: text, At: time.Now().UTC()})
}
