package api

import (
	"bytes"
	"errors"

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
	body := bytes.Clone(c.Body())
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
	res, err := s.Totals.Apply(c.UserContext(), callerOf(c).Shop, c.Query("room"), bytes.Clone(c.Body()))
	if err != nil {
		return s.reply(c, storageError(err))
	}
	return s.ok(c, fiber.Map{"at": res.At, "accepted": res.Accepted, "duplicates": res.Duplicates,
		"resets": nonNil(res.Resets), "deferred": nonNil(res.Deferred)})
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
