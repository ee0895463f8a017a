package api

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

// postRelay is POST /relay/{douyin|tiktok}?room=R (ingest scope): an NDJSON body of live-room
// relay messages, one a line. Each line is mapped onto events (platform.ParseRelayLine); a line
// of no known shape is rejected with its number and reason, its neighbours kept; gifts and
// control messages are counted and kept raw. 200 with the counts, as the events endpoint.
func (s *Server) postRelay(c *fiber.Ctx) error {
	if s.Relay == nil {
		return s.reply(c, notFound("relay intake"))
	}
	body, err := rawBody(c)
	if err != nil {
		return s.reply(c, err)
	}
	res, err := s.Relay.Ingest(c.UserContext(), callerOf(c).Shop, c.Params("platform"), c.Query("room"), body)
	if err != nil {
		return s.reply(c, storageError(err))
	}
	return s.ok(c, fiber.Map{"lines": res.Lines, "accepted": res.Accepted, "duplicates": res.Duplicates, "raw": res.Raw,
		"raw_kinds": res.RawKinds, "rejected": res.Rejected, "errors": rejectsOf(res.Errors)})
}

// postTotals is POST /totals?room=R (ingest scope): a document of cumulative totals; each
// increase since the previous document becomes events (platform.Totals).
func (s *Server) postTotals(c *fiber.Ctx) error {
	if s.Totals == nil {
		return s.reply(c, notFound("totals intake"))
	}
	body, err := rawBody(c)
	if err != nil {
		return s.reply(c, err)
	}
	res, err := s.Totals.Apply(c.UserContext(), callerOf(c).Shop, c.Query("room"), body)
	if err != nil {
		return s.reply(c, storageError(err))
	}
	return s.ok(c, fiber.Map{"at": res.At, "accepted": res.Accepted, "duplicates": res.Duplicates,
		"resets": nonNil(res.Resets), "deferred": nonNil(res.Deferred)})
}

// maxIntakeBody is the largest relay or totals body, after gzip decompression.
const maxIntakeBody = 16 << 20

// rawBody returns the request body, gunzipped when Content-Encoding says gzip, refusing more
// than maxIntakeBody bytes (fiber's own decompression has no limit).
func rawBody(c *fiber.Ctx) ([]byte, error) {
	raw := c.Request().Body()
	tooLarge := invalid("body", "the body is larger than 16 MiB; send smaller batches", "请求体超过 16 MiB，请分批发送")
	if len(raw) > maxIntakeBody {
		return nil, tooLarge
	}
	switch strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding))) {
	case "", "identity":
		return bytes.Clone(raw), nil
	case "gzip":
	default:
		return nil, invalid("body", "Content-Encoding: only gzip or identity", "Content-Encoding 只支持 gzip 或 identity")
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, invalid("body", "the gzip body is broken", "gzip 请求体已损坏")
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, maxIntakeBody+1))
	if err != nil {
		return nil, invalid("body", "the gzip body is broken", "gzip 请求体已损坏")
	}
	if len(out) > maxIntakeBody {
		return nil, tooLarge
	}
	return out, nil
}

// storageError answers storage trouble (ingest's "nothing was stored", Redis, ClickHouse) with 503
// and Retry-After; the caller resends and the ids make the resend count once.
func storageError(err error) error {
	if errors.Is(err, ingest.ErrUnavailable) || errors.Is(err, ingest.ErrBusy) || livedesk.ErrorOf(err) == nil {
		return &livedesk.Error{Code: livedesk.EUNAVAILABLE, Message: "storage unavailable, nothing was stored; retry", Err: err}
	}
	return err
}

func rejectsOf(r []ingest.Reject) []ingest.Reject {
	if r == nil {
		return []ingest.Reject{}
	}
	return r
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
