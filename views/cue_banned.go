package views

import (
	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/compliance"
)

// cueBannedCode is the "code" of the 409 answer to a cue with banned words (static/js/actions.js
// shows the warning and re-sends with "confirm": true).
const cueBannedCode = "banned_words"

// cueBanned checks a cue's text against the shop's banned advertising words before it goes to
// the prompter, because the anchor reads it aloud. When the text has hits and the operator has
// not confirmed, it answers 409 {"error", "code": "banned_words", "words": [...]} and returns
// true: the handler stops there. Without a compliance store, or when the list cannot be read
// (logged), the cue is not held up.
func (s *Server) cueBanned(c *fiber.Ctx, text string, confirmed bool) (bool, error) {
	if s.Compliance == nil || text == "" {
		return false, nil
	}
	u := CurrentUser(c)
	words, err := s.Compliance.Words(c.UserContext(), u.Shop)
	if err != nil {
		s.Log.Warn("views: banned words for the cue check", "shop", u.Shop, "err", err)
		return false, nil
	}
	hits := compliance.Find(text, words)
	if len(hits) == 0 {
		return false, nil
	}
	if confirmed {
		s.Log.Info("views: cue sent with banned words", "shop", u.Shop, "room", actionRoom(c), "user", u.Name, "words", hits)
		return false, nil
	}
	lang := LangOf(c)
	return true, c.Status(fiber.StatusConflict).JSON(fiber.Map{
		"error": T(lang, "cue.banned.title"),
		"code":  cueBannedCode,
		"field": "text",
		"words": hits,
	})
}
