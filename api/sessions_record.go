package api

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"
)

// recordSessionBody is the body of POST /rooms/{room}/sessions.
type recordSessionBody struct {
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
}

// recordSession is POST /rooms/{room}/sessions (admin): records a past session whose events were
// posted with their own timestamps; its report is built from them. Answers 201 with the session.
func (s *Server) recordSession(c *fiber.Ctx) error {
	room, err := s.room(c)
	if err != nil {
		return s.reply(c, err)
	}
	var b recordSessionBody
	if err := json.Unmarshal(c.Body(), &b); err != nil || b.Started.IsZero() || b.Ended.IsZero() {
		return s.reply(c, invalid("started", "body must be {\"started\": RFC 3339 time, \"ended\": RFC 3339 time}",
			"请求体须为 {\"started\": RFC 3339 时间, \"ended\": RFC 3339 时间}"))
	}
	sess, err := s.Engine.RecordSession(c.UserContext(), callerOf(c).Shop, room, b.Started, b.Ended)
	if err != nil {
		return s.reply(c, err)
	}
	c.Status(fiber.StatusCreated)
	return s.ok(c, fiber.Map{"session": sessionOf(sess)})
}
