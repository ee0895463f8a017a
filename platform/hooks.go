package platform

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

// Submitter stores events through the ingest pipeline (dedup, durable write, observers);
// *ingest.Service satisfies it.
type Submitter interface {
	Submit(ctx context.Context, events []ingest.Event) (ingest.Result, error)
}

// Hooks serves the platforms' pushes: POST /hooks/doudian/:shop and POST /hooks/tiktok/:shop.
// A push is verified over its raw bytes, mapped, made durable and only then acknowledged;
// enrichment is queued and runs later, never on the push's path.
type Hooks struct {
	Integrations *Integrations
	Events       Submitter
	Stats        *Stats
	Enricher     *Enricher // nil: no enrichment
	Log          *slog.Logger
	Now          func() time.Time
}

// Register mounts the webhook routes (no session, no API key: the platform's signature is the
// authentication).
func (h *Hooks) Register(r fiber.Router) {
	r.Post("/hooks/doudian/:shop", h.doudian)
	r.Post("/hooks/tiktok/:shop", h.tiktok)
}

func (h *Hooks) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// MaxPush is the largest push body accepted (the platforms send a few records at a time).
const MaxPush = 1 << 20

var doudianOK = fiber.Map{"code": 0, "msg": "success"}

// doudian handles a 抖店 message push.
func (h *Hooks) doudian(c *fiber.Ctx) error {
	ctx := c.UserContext()
	shop := strings.Clone(c.Params("shop"))
	if len(c.Body()) > MaxPush {
		return c.Status(fiber.StatusRequestEntityTooLarge).JSON(fiber.Map{"code": 1, "msg": "body larger than 1 MiB"})
	}
	body := append([]byte(nil), c.Body()...)
	in, status, err := h.integration(ctx, shop, Doudian)
	if err != nil {
		return c.Status(status).JSON(fiber.Map{"code": 1, "msg": err.Error()})
	}
	if !VerifyDoudian(in.AppKey, in.Secret, body, c.Get("app-id"), c.Get("event-sign")) {
		h.Stats.Failed(ctx, shop, Doudian, "signature rejected: event-sign or app-id does not match the app key and secret", h.now())
		return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"code": 40041, "msg": "invalid signature"})
	}
	now := h.now()
	msgs, err := ParseDoudian(shop, body, now)
	if err != nil {
		h.Stats.Failed(ctx, shop, Doudian, "malformed push: "+err.Error(), now)
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"code": 1, "msg": err.Error()})
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
		if len(m.Events) > 0 {
			ids[i] = m.Events[0].ID
		}
	}
	if err := h.store(ctx, in, msgs, ids, now); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"code": 1, "msg": "storage unavailable, retry later"})
	}
	return c.JSON(doudianOK)
}

// tiktok handles a TikTok Shop webhook notification.
func (h *Hooks) tiktok(c *fiber.Ctx) error {
	ctx := c.UserContext()
	shop := strings.Clone(c.Params("shop"))
	if len(c.Body()) > MaxPush {
		return c.Status(fiber.StatusRequestEntityTooLarge).JSON(fiber.Map{"error": "body larger than 1 MiB"})
	}
	body := append([]byte(nil), c.Body()...)
	in, status, err := h.integration(ctx, shop, TikTok)
	if err != nil {
		return c.Status(status).JSON(fiber.Map{"error": err.Error()})
	}
	if !VerifyTikTok(in.AppKey, in.Secret, body, c.Get(fiber.HeaderAuthorization)) {
		h.Stats.Failed(ctx, shop, TikTok, "signature rejected: Authorization does not match the app key and secret", h.now())
		return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": "invalid signature"})
	}
	now := h.now()
	m, err := ParseTikTok(shop, body, now)
	if err != nil {
		h.Stats.Failed(ctx, shop, TikTok, err.Error(), now)
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": err.Error()})
	}
	if err := h.store(ctx, in, []Message{m}, []string{m.ID}, now); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"error": "storage unavailable, retry later"})
	}
	return c.SendStatus(fiber.StatusOK)
}

// integration finds shop's integration on platform; an unknown shop or platform answers 401
// like a bad signature, so the URL does not tell which shops exist.
func (h *Hooks) integration(ctx context.Context, shop, platform string) (Integration, int, error) {
	if livedesk.ValidID(shop) != nil {
		return Integration{}, fiber.StatusUnauthorized, errors.New("invalid signature")
	}
	in, ok, err := h.Integrations.Get(ctx, shop, platform)
	if err != nil {
		h.Log.Error("platform: read integration", "err", err, "shop", shop, "platform", platform)
		return Integration{}, fiber.StatusServiceUnavailable, errors.New("temporarily unavailable, retry later")
	}
	if !ok {
		return Integration{}, fiber.StatusUnauthorized, errors.New("invalid signature")
	}
	return in, 0, nil
}

// store persists the messages' events (one ingest round), then counts them and queues their
// enrichment. Counting and queueing failures are logged (a queueing failure is also shown on the
// page) and never fail the push: its events are durable, and an order that could not be queued
// stays stored without items. (Both need the Redis that ingest's dedup needed a moment before,
// so this is rare.)
func (h *Hooks) store(ctx context.Context, in Integration, msgs []Message, ids []string, now time.Time) error {
	shop, platform := in.Shop, in.Platform
	var events []ingest.Event
	for _, m := range msgs {
		events = append(events, m.Events...)
	}
	if len(events) > 0 {
		if h.Enricher != nil {
			h.Enricher.Rooms(ctx, platform, events)
		}
		res, err := h.Events.Submit(ctx, events)
		if err != nil {
			h.Log.Error("platform: store push", "err", err, "shop", shop, "platform", platform)
			h.Stats.Failed(ctx, shop, platform, "storage unavailable: the push was refused and will be redelivered", now)
			return err
		}
		h.Log.Debug("platform: push stored", "shop", shop, "platform", platform, "accepted", res.Accepted, "duplicates", res.Duplicates)
	}
	for i, m := range msgs {
		if m.Err != "" {
			h.Stats.Failed(ctx, shop, platform, m.Err, now)
		}
		if err := h.Stats.Received(ctx, shop, platform, ids[i], m, now); err != nil {
			h.Log.Warn("platform: count push", "err", err, "shop", shop)
		}
		if m.Enrich != "" && h.Enricher != nil && in.APIURL != "" { // no API URL: stored, not enriched
			if err := h.Enricher.Enqueue(ctx, shop, platform, m.Enrich, m.Events[0].TS); err != nil {
				h.Log.Warn("platform: queue enrichment", "err", err, "shop", shop, "order", m.Enrich)
				h.Stats.Failed(ctx, shop, platform, "order "+m.Enrich+": could not be queued for enrichment (stored without items)", now)
			}
		}
	}
	return nil
}

// HookURL is the URL a shop registers with the platform: base + /hooks/<platform>/<shop>.
func HookURL(base, platform, shop string) string {
	return strings.TrimRight(base, "/") + "/hooks/" + platform + "/" + shop
}
