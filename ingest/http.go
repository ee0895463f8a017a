package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk"
)

// Handler serves the ingest API: POST /api/v1/events and the /api/v1/stream websocket.
type Handler struct {
	Service *Service
	Keys    *Keys
	MaxBody int // largest body accepted, after gzip decompression (bytes)
	Log     *slog.Logger
	// Formats takes the stream's frames of other formats (?format=relay), by format name; ingest
	// knows nothing of them (the platform adapters map relay lines, cmd/livedesk connects them).
	Formats map[string]FrameFunc
}

// FrameFunc stores one websocket text frame of a foreign format for shop; params are the
// socket's query parameters. The answer is written back as JSON; an error is storage trouble
// (nothing stored, resend) unless it is a livedesk.Error, whose text is shown.
type FrameFunc func(ctx context.Context, shop string, params map[string]string, frame []byte) (any, error)

// shopLocal is the fiber.Ctx Locals key holding the authenticated shop.
const shopLocal = "ingest.shop"

// keyLocal is the Locals key of the request's API key (the stream socket checks it again).
const keyLocal = "ingest.key"

// Register mounts the API routes on r.
func (h *Handler) Register(r fiber.Router) {
	// Per route, not a group middleware: a Group("/api/v1", authenticate) would run for every
	// route under /api/v1, the JSON API's (package api) included. measure comes before the
	// authentication, so refusals count too.
	r.Post("/api/v1/events", measure, h.authenticate, h.postEvents)
	r.Get("/api/v1/stream", h.authenticate, h.streamUpgrade, h.stream())
}

// ErrorJSON writes {"error": msg, "code": kind} with status; the kind is the JSON API's for
// the status (see livedesk's error kinds).
func ErrorJSON(c *fiber.Ctx, status int, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": msg, "code": statusKinds[status]})
}

// statusKinds names the error kind of each status ingest answers with.
var statusKinds = map[int]string{
	fiber.StatusBadRequest: livedesk.EINVALID, fiber.StatusUnauthorized: "unauthenticated",
	fiber.StatusForbidden: livedesk.EFORBIDDEN, fiber.StatusRequestEntityTooLarge: livedesk.EINVALID,
	fiber.StatusUnsupportedMediaType: livedesk.EINVALID,
	fiber.StatusTooManyRequests:      livedesk.EUNAVAILABLE, fiber.StatusServiceUnavailable: livedesk.EUNAVAILABLE,
	fiber.StatusInternalServerError: livedesk.EINTERNAL,
}

// authenticate resolves the Bearer API key to its shop.
func (h *Handler) authenticate(c *fiber.Ctx) error {
	auth := c.Get(fiber.HeaderAuthorization)
	key, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || key == "" {
		return ErrorJSON(c, fiber.StatusUnauthorized, "missing API key: send Authorization: Bearer <key>")
	}
	shop, scope, err := h.Keys.LookupScope(c.UserContext(), strings.TrimSpace(key))
	if errors.Is(err, ErrNoKey) {
		return ErrorJSON(c, fiber.StatusUnauthorized, "unknown or revoked API key")
	}
	if err != nil {
		h.Log.Error("ingest: key lookup", "err", err)
		c.Set(fiber.HeaderRetryAfter, "2")
		return ErrorJSON(c, fiber.StatusServiceUnavailable, "key store unavailable, retry shortly")
	}
	if !livedesk.ScopeAllows(scope, livedesk.ScopeIngest) {
		return ErrorJSON(c, fiber.StatusForbidden, "this key's scope ("+scope+") may not post events: use an ingest or admin key")
	}
	c.Locals(shopLocal, shop)
	c.Locals(keyLocal, strings.TrimSpace(key))
	return c.Next()
}

// ShopOf returns the shop that authenticate stored on c.
func ShopOf(c *fiber.Ctx) string {
	s, _ := c.Locals(shopLocal).(string)
	return s
}

var errTooLarge = errors.New("body too large")

// errEncoding refuses a Content-Encoding other than gzip or identity (415): reading a deflate or
// brotli body as identity would reject every line for the wrong reason.
var errEncoding = errors.New("unsupported Content-Encoding")

// readBody returns the request body, gunzipped if Content-Encoding says so, refusing anything
// over max bytes.
func readBody(c *fiber.Ctx, max int) ([]byte, error) {
	// The raw body: fiber's c.Body() would inflate gzip itself, without any size limit.
	raw := c.Request().Body()
	if len(raw) > max {
		return nil, errTooLarge
	}
	switch enc := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding))); enc {
	case "", "identity":
		return bytes.Clone(raw), nil
	case "gzip":
	default:
		return nil, errEncoding
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > max {
		return nil, errTooLarge
	}
	return out, nil
}
