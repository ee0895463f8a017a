package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
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
	c.Locals("ws.shop", ShopOf(c))
	return c.Next()
}

// stream handles GET /api/v1/stream for long-lived producers: every text frame is an NDJSON body,
// answered in order with one JSON reply.
func (h *Handler) stream() fiber.Handler {
	return websocket.New(func(conn *websocket.Conn) {
		shop, _ := conn.Locals("ws.shop").(string)
		conn.SetReadLimit(int64(h.MaxBody))
		for {
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Minute))
			mt, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var reply streamReply
			if mt != websocket.TextMessage {
				reply.Error = "send NDJSON in text frames"
			} else {
				res, err := h.Service.Ingest(context.Background(), shop, msg)
				reply.Result = res
				switch {
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
