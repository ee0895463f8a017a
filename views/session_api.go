package views

import (
	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"
)

// SessionUser authenticates a request by its login session for the JSON API, as RequireRole
// does for the pages: ok is false without a valid session; an unsafe request (POST, PUT,
// DELETE) must carry the page's CSRF token in the X-CSRF-Token header and come from this site,
// else it is refused with a forbidden error.
func (s *Server) SessionUser(c *fiber.Ctx) (u User, ok bool, err error) {
	ss, found := s.readSession(c)
	if !found {
		return User{}, false, nil
	}
	u, err = s.authenticate(c.UserContext(), ss)
	if err != nil {
		return User{}, false, &livedesk.Error{Code: livedesk.EUNAVAILABLE, Message: "views: authenticate", Err: err}
	}
	if !u.LoggedIn() {
		return User{}, false, nil
	}
	if unsafeMethod(c) && !s.csrfOK(c, u.sessionID) {
		return User{}, false, &livedesk.Error{Code: livedesk.EFORBIDDEN, Key: "error.csrf",
			Message:   "missing or stale CSRF token: send the page's token in X-CSRF-Token",
			MessageZH: "缺少或过期的 CSRF 令牌：请在 X-CSRF-Token 中发送页面的令牌"}
	}
	return u, true, nil
}
