package views

import (
	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
)

// kindKeys are the catalogue messages of the error kinds, for errors without a text of their own.
var kindKeys = map[string]string{
	livedesk.ENOTFOUND:    "error.notfound",
	livedesk.EINVALID:     "error.invalid",
	livedesk.ECONFLICT:    "error.conflict",
	livedesk.EFORBIDDEN:   "error.forbidden",
	livedesk.EUNAVAILABLE: "error.unavailable",
	livedesk.EINTERNAL:    "error.internal",
}

// reply answers err: the one place where an error becomes a status (livedesk.HTTPStatus) and a
// message in the user's language. A livedesk.Error shows its catalogue key's text, else its own
// text in the user's language, with the field it names; any other error is internal: logged with
// the request, never shown.
// JSON for fetch() calls and sockets, else a small page.
func (s *Server) reply(c *fiber.Ctx, err error) error {
	code := livedesk.HTTPStatus(err)
	lang := LangOf(c)
	e := livedesk.ErrorOf(err)
	msg := ""
	if code >= 500 || e == nil {
		s.Log.Error("views: request failed", "path", c.Path(), "shop", CurrentUser(c).Shop, "err", err)
	} else {
		msg = T(lang, e.Key)
		if e.Key == "" {
			msg = livedesk.ErrorMessage(err, lang)
		}
	}
	if msg == "" {
		msg = T(lang, kindKeys[livedesk.ErrorCode(err)])
	}
	if wantsJSON(c) || isSocket(c) {
		body := fiber.Map{"error": msg}
		if e != nil && e.Field != "" {
			body["field"] = e.Field
		}
		return c.Status(code).JSON(body)
	}
	c.Status(code)
	return s.render(c, ErrorPage(s.page(c, "app.name"), code, msg))
}
