package api

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
)

// reply answers err as {"error", "code", "field"}: the status from livedesk.HTTPStatus (401 for
// a missing caller), the error's text in the caller's language (Accept-Language zh → Chinese),
// internal errors logged and never shown.
func (s *Server) reply(c *fiber.Ctx, err error) error {
	code := livedesk.HTTPStatus(err)
	kind := livedesk.ErrorCode(err)
	if kind == "unauthenticated" {
		code = fiber.StatusUnauthorized
	}
	lang := "en"
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderAcceptLanguage)), "zh") {
		lang = "zh"
	}
	msg := livedesk.ErrorMessage(err, lang)
	e := livedesk.ErrorOf(err)
	if msg == "" && e != nil && code < 500 {
		msg = e.Message
	}
	if code >= 500 {
		s.Log.Error("api: request failed", "path", c.Path(), "shop", callerOf(c).Shop, "err", err)
		msg = "internal error"
		if kind == livedesk.EUNAVAILABLE {
			msg = "a dependency is unavailable; try again shortly"
			c.Set(fiber.HeaderRetryAfter, "2")
		}
	}
	if msg == "" {
		msg = kind
	}
	body := fiber.Map{"error": msg, "code": kind}
	if e != nil && e.Field != "" {
		body["field"] = e.Field
	}
	return c.Status(code).JSON(body)
}

// notFound is the answer for anything not in the caller's shop: it never says whether another
// shop has it.
func notFound(what string) error {
	return &livedesk.Error{Code: livedesk.ENOTFOUND, Message: what + " not found"}
}

// invalid is a 400 naming field.
func invalid(field, en, zh string) error { return livedesk.Invalid(field, en, zh) }

// ok writes v with the shop's zone name beside it: {"zone": "Asia/Shanghai", ...v}.
func (s *Server) ok(c *fiber.Ctx, v fiber.Map) error {
	v["zone"] = s.Location.String()
	return c.JSON(v)
}

// Pagination: ?limit (1–500, default 100) and ?cursor (opaque; the next_cursor of the previous
// page). Lists are read whole from their stores (each is bounded by its store) and cut here.
const (
	defaultLimit = 100
	maxLimit     = 500
)

// page cuts n items at the request's cursor: it returns the [from, to) range and the cursor of
// the next page ("" on the last one).
func page(c *fiber.Ctx, n int) (from, to int, next string, err error) {
	limit := defaultLimit
	if v := c.Query("limit"); v != "" {
		l, perr := strconv.Atoi(v)
		if perr != nil || l < 1 || l > maxLimit {
			return 0, 0, "", invalid("limit", "limit must be 1 to 500", "limit 须在 1 到 500 之间")
		}
		limit = l
	}
	if cur := c.Query("cursor"); cur != "" {
		b, derr := base64.RawURLEncoding.DecodeString(cur)
		off, aerr := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if derr != nil || aerr != nil || !strings.HasPrefix(string(b), "o:") || off < 0 {
			return 0, 0, "", invalid("cursor", "not a cursor this API returned", "不是本接口返回的游标")
		}
		from = off
	}
	from = min(from, n)
	to = min(from+limit, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(to)))
	}
	return from, to, next, nil
}

// roomParam returns the :room parameter when it is a room id, else an invalid error.
func roomParam(c *fiber.Ctx) (string, error) {
	room := c.Params("room")
	if err := livedesk.ValidRoom(room); err != nil {
		return "", invalid("room", "not a room id", "不是有效的直播间 ID")
	}
	return room, nil
}
