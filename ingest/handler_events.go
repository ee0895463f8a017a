package ingest

import (
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// postEvents handles POST /api/v1/events: NDJSON or a JSON array, optionally gzip.
// 200 with counts when anything was valid (or the body was empty); 400 with counts when every
// line was rejected; 413 for an oversized body; 429 or 503 with Retry-After when storage cannot
// take the events, in which case none of them is acknowledged.
func (h *Handler) postEvents(c *fiber.Ctx) error {
	body, err := readBody(c, h.MaxBody)
	if errors.Is(err, errTooLarge) {
		return ErrorJSON(c, fiber.StatusRequestEntityTooLarge, "body larger than "+strconv.Itoa(h.MaxBody)+" bytes; send smaller batches")
	}
	if errors.Is(err, errEncoding) {
		return ErrorJSON(c, fiber.StatusUnsupportedMediaType, "Content-Encoding must be gzip or identity")
	}
	if err != nil {
		return ErrorJSON(c, fiber.StatusBadRequest, "body is not valid gzip")
	}
	res, err := h.Service.Ingest(c.UserContext(), ShopOf(c), body)
	if errors.Is(err, ErrTooManyLines) {
		return ErrorJSON(c, fiber.StatusRequestEntityTooLarge, ErrTooManyLines.Error())
	}
	if qe := (*QuotaError)(nil); errors.As(err, &qe) {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(qe.RetryAfter.Round(time.Second)/time.Second))))
		return ErrorJSON(c, fiber.StatusTooManyRequests, qe.Message)
	}
	if errors.Is(err, ErrBusy) {
		h.Log.Debug("ingest: busy", "err", err)
		c.Set(fiber.HeaderRetryAfter, "1")
		return ErrorJSON(c, fiber.StatusTooManyRequests, "ingest queue full, retry shortly")
	}
	if err != nil {
		h.Log.Error("ingest: post events", "err", err, "shop", ShopOf(c))
		c.Set(fiber.HeaderRetryAfter, "5")
		return ErrorJSON(c, fiber.StatusServiceUnavailable, "storage unavailable, nothing was stored; retry shortly")
	}
	if res.Accepted == 0 && res.Duplicates == 0 && res.Rejected > 0 {
		return c.Status(fiber.StatusBadRequest).JSON(res)
	}
	return c.JSON(res)
}
