package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/livedesk/livedesk/outbound"
)

// Webhook formats.
const (
	FormatFeishu = "feishu" // 飞书 / Lark custom bot
	FormatWeCom  = "wecom"  // 企业微信 group bot
)

// NotifySetting is the job_settings row (job = "notify") holding a shop's outbound webhook.
const NotifySetting = "notify"

// NotifyParams are the editable parameters of the shop's webhook.
var NotifyParams = []Param{
	{Name: "url", Kind: "url", Label: "群机器人 Webhook 地址", LabelEn: "Group bot webhook URL"},
	{Name: "format", Kind: "format", Default: FormatFeishu, Label: "格式（feishu 飞书 / wecom 企业微信）", LabelEn: "Format (feishu / wecom)"},
	{Name: "recaps", Kind: "bool", Default: "yes", Label: "发送早晚报", LabelEn: "Send recaps"},
}

// ValidateNotify checks a webhook setting.
func ValidateNotify(v Values) error {
	if u := strings.TrimSpace(v["url"]); u != "" {
		if err := outbound.CheckURL(u); err != nil {
			return fmt.Errorf("url: %w", err)
		}
	}
	if f := v["format"]; f != FormatFeishu && f != FormatWeCom {
		return fmt.Errorf("format: %q must be feishu or wecom", f)
	}
	if r := v["recaps"]; r != "yes" && r != "no" {
		return fmt.Errorf("recaps: %q must be yes or no", r)
	}
	return nil
}

// WebhookBody encodes text in the bot format: 飞书 {"msg_type":"text","content":{"text":…}},
// 企业微信 {"msgtype":"text","text":{"content":…}}.
func WebhookBody(format, text string) ([]byte, error) {
	switch format {
	case FormatFeishu:
		return json.Marshal(map[string]any{"msg_type": "text", "content": map[string]string{"text": text}})
	case FormatWeCom:
		return json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": text}})
	}
	return nil, fmt.Errorf("jobs: unknown webhook format %q", format)
}

// Webhooks posts notifications to each shop's group bot, in the background, retrying failures
// with exponential backoff (Base, 2×Base, 4×Base … up to Attempts tries). A failed delivery is
// logged, never returned: notifications must not hold up jobs.
type Webhooks struct {
	Store *Store
	// Client posts the notifications; nil uses an outbound.Client, which reaches public
	// addresses only (AllowPrivate also private ones) and follows no redirect.
	Client       *http.Client
	AllowPrivate bool
	Base         time.Duration // first retry delay (default 2 s)
	Attempts     int           // tries in all (default 6)
	Log          *slog.Logger

	wg       sync.WaitGroup
	stopOnce sync.Once
	stop     chan struct{}
	mu       sync.Mutex
}

func (w *Webhooks) init() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stop == nil {
		w.stop = make(chan struct{})
	}
}

// client returns Client, or one outbound client made on first use and kept (a Transport per
// post would keep each post's idle connection open until it timed out).
func (w *Webhooks) client() *http.Client {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.Client == nil {
		w.Client = outbound.Client(10*time.Second, w.AllowPrivate)
	}
	return w.Client
}

// Send delivers n to shop's webhook, if one is configured; it returns at once.
func (w *Webhooks) Send(ctx context.Context, shop string, n Notification) {
	w.init()
	sts, err := w.Store.Settings(ctx, shop)
	if err != nil {
		w.log().Warn("jobs: webhook settings", "shop", shop, "err", err)
		return
	}
	st, ok := sts[NotifySetting]
	if !ok || !st.Enabled || strings.TrimSpace(st.Params["url"]) == "" {
		return
	}
	if n.Kind != "task" && n.Kind != KindFlag && st.Params["recaps"] == "no" {
		return
	}
	body, err := WebhookBody(st.Params["format"], n.Text)
	if err != nil {
		w.log().Warn("jobs: webhook", "shop", shop, "err", err)
		return
	}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.post(strings.TrimSpace(st.Params["url"]), body, shop)
	}()
}

// Deliver posts body to u now, retrying with backoff; it returns the last error.
func (w *Webhooks) Deliver(u string, body []byte) error {
	w.init()
	attempts, delay := w.Attempts, w.Base
	if attempts <= 0 {
		attempts = 6
	}
	if delay <= 0 {
		delay = 2 * time.Second
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-time.After(delay):
			case <-w.stop:
				webhookFailures.Inc()
				return fmt.Errorf("jobs: webhook: stopped after %d tries: %w", i, err)
			}
			delay *= 2
		}
		if err = w.postOnce(u, body); err == nil {
			return nil
		}
	}
	webhookFailures.Inc()
	return fmt.Errorf("jobs: webhook: %d tries: %w", attempts, err)
}

func (w *Webhooks) post(u string, body []byte, shop string) {
	if err := w.Deliver(u, body); err != nil {
		w.log().Warn("jobs: webhook not delivered", "shop", shop, "err", err)
	}
}

// postOnce posts once. Both bots answer HTTP 200 with a JSON error code on failure
// (飞书 "code", 企业微信 "errcode"); a non-zero code counts as a failure.
func (w *Webhooks) postOnce(u string, body []byte) error {
	resp, err := w.client().Post(u, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	var res struct {
		Code    *int `json:"code"`
		ErrCode *int `json:"errcode"`
	}
	if json.Unmarshal(b, &res) == nil {
		if res.Code != nil && *res.Code != 0 {
			return fmt.Errorf("feishu code %d", *res.Code)
		}
		if res.ErrCode != nil && *res.ErrCode != 0 {
			return fmt.Errorf("wecom errcode %d", *res.ErrCode)
		}
	}
	return nil
}

// Wait waits until every delivery started so far has succeeded or given up.
func (w *Webhooks) Wait() { w.wg.Wait() }

// Close cuts pending retries short and waits for deliveries in flight.
func (w *Webhooks) Close() {
	w.init()
	w.stopOnce.Do(func() { close(w.stop) })
	w.wg.Wait()
}

func (w *Webhooks) log() *slog.Logger {
	if w.Log == nil {
		return slog.Default()
	}
	return w.Log
}
