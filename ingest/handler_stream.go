package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk"
)

// streamReply answers one websocket frame: the same counts as the HTTP endpoint, or an error.
type streamReply struct {
	Result
	Error string `json:"error,omitempty"`
}

func (h *Handler) streamUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return ErrorJSON(c, fiber.StatusUpgradeRequired, "websocket upgrade required")
	}
	format := c.Query("format")
	if format != "" && format != "events" && h.Formats[format] == nil {
		return ErrorJSON(c, fiber.StatusBadRequest, "format "+format+": unknown (events or relay)")
	}
	params := map[string]string{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { params[string(k)] = string(v) })
	c.Locals("ws.shop", ShopOf(c))
	c.Locals("ws.key", c.Locals(keyLocal))
	c.Locals("ws.params", params)
	return c.Next()
}

// stream handles GET /api/v1/stream for long-lived producers: every text frame is an NDJSON body,
// answered in order with one JSON reply.
func (h *Handler) stream() fiber.Handler {
	return websocket.New(func(conn *websocket.Conn) {
		shop, _ := conn.Locals("ws.shop").(string)
		key, _ := conn.Locals("ws.key").(string)
		params, _ := conn.Locals("ws.params").(map[string]string)
		foreign := h.Formats[params["format"]]
		conn.SetReadLimit(int64(h.MaxBody))
		for {
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Minute))
			mt, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var reply streamReply
			if !h.stillValid(key, shop) {
				// A revoked key stops working on an open socket as on a new request: within the
				// key cache's TTL (the socket is checked on every frame).
				b, _ := json.Marshal(streamReply{Error: "this API key was revoked; nothing was stored"})
				_ = conn.WriteMessage(websocket.TextMessage, b)
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.ClosePolicyViolation, "key revoked"), time.Now().Add(time.Second))
				return
			}
			if mt != websocket.TextMessage {
				reply.Error = "send NDJSON in text frames"
			} else if foreign != nil {
				if !h.foreignFrame(conn, foreign, shop, params, msg) {
					return
				}
				continue
			} else {
				res, err := h.Service.Ingest(context.Background(), shop, msg)
				reply.Result = res
				var qe *QuotaError
				switch {
				case errors.As(err, &qe):
					reply.Error = qe.Message
				case errors.Is(err, ErrBusy):
					reply.Error = "ingest queue full, resend this frame shortly"
				case err != nil:
					h.Log.Error("ingest: stream frame", "err", err, "shop", shop)
					reply.Error = "storage unavailable, nothing was stored; resend this frame"
				}
			}
			b, _ := json.Marshal(reply)
			_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		}
	}, websocket.Config{
		RecoverHandler: func(conn *websocket.Conn) {
			if r := recover(); r != nil {
				h.Log.Error("ingest: stream panic", "panic", r)
			}
		},
	})
}

// stillValid reports whether the socket's key still posts events for shop. A key store that
// cannot answer keeps the socket going (as a known key keeps working while ClickHouse is down).
func (h *Handler) stillValid(key, shop string) bool {
	got, scope, err := h.Keys.LookupScope(context.Background(), key)
	if errors.Is(err, ErrNoKey) {
		return false
	}
	return err != nil || (got == shop && livedesk.ScopeAllows(scope, livedesk.ScopeIngest))
}

// foreignFrame answers one frame of a foreign format (relay lines) with its FrameFunc's result;
// false when the socket is gone.
func (h *Handler) foreignFrame(conn *websocket.Conn, f FrameFunc, shop string, params map[string]string, msg []byte) bool {
	res, err := f(context.Background(), shop, params, msg)
	var out any = res
	if err != nil {
		var le *livedesk.Error
		switch {
		case errors.As(err, &le) && le.Code == livedesk.EINVALID:
			out = streamReply{Error: livedesk.ErrorMessage(err, "en")}
		default:
			h.Log.Error("ingest: stream frame", "err", err, "shop", shop, "format", params["format"])
			out = streamReply{Error: "storage unavailable, nothing was stored; resend this frame"}
		}
	}
	b, _ := json.Marshal(out)
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return conn.WriteMessage(websocket.TextMessage, b) == nil
}
