// Package views serves livedesk's pages: templ components and the handlers that feed them, the
// login session, CSRF protection, i18n (zh-CN default, en) and the embedded static assets. It
// handles HTTP and renders only: no SQL, and every service comes in through Server's fields.
//
// # Adding a page (other areas)
//
// Put the page in your own files: views/<area>_*.templ and views/handler_<area>_*.go, with
//
//	func (s *Server) register<Area>(r fiber.Router)
//
// called by one line in Register (server.go). Guard every route yourself:
//
//	r.Get("/tasks", s.RequireRole(), s.tasksPage)                        // any logged-in user
//	r.Post("/tasks/:id/done", s.RequireRole(RoleAdmin, RoleOperator), s.taskDone)
//
// RequireRole loads the session (302 to /login for a page, 401 for other requests when there is
// none), checks the role (403), and for POST/PUT/PATCH/DELETE checks the CSRF token (403). Read
// the user with CurrentUser(c); scope every call to its Shop; answer an error with s.reply(c, err),
// which maps its kind (livedesk.Error) to a status and a message in the user's language. Render with
//
//	return s.render(c, MyPage(s.page(c, "title"), data))
//
// and wrap the page body in @Layout(p) { … }. Strings go through p.T("key"); add yours in
// views/i18n_<area>.go with AddStrings in an init function. Nav links: AddNav in init.
// Money: Money(fen); times: p.Time(t) / p.Clock(t) in the shop's zone; rates: Rate(num, den).
//
// # CSRF
//
// Every visitor gets an HttpOnly cookie ld_csrf holding a random value. The token for a page is
// HMAC(server secret, cookie value + session id), so it is useless without both cookies and
// changes at login. Layout puts it in <meta name="csrf-token">; p.CSRF has it for templates.
//
//   - HTML forms: add @CSRFField(p) inside the <form> (a hidden input named _csrf).
//   - fetch(): use livedesk.post(url, body) from static/js/live.js, which sends the token in the
//     X-CSRF-Token header, or send that header yourself from the meta tag.
//
// Unsafe requests also fail when their Origin header names another host. The session cookie is
// SameSite=Lax and HttpOnly (and Secure when the config says so).
//
// # Scripts
//
// The Content-Security-Policy allows scripts only from /static/: no inline <script>, no onclick
// attributes. Put page code in static/js/<page>.js and load it with @Script("js/<page>.js");
// pass data with @templ.JSONScript(id, v) (a JSON block, not code). Show user text with
// textContent, never innerHTML. Regenerate templ output with `go tool templ generate` from the
// repository root (what make check-templ compares against) and commit the *_templ.go files.
//
// # Live data (static/js/live.js, loaded by Layout on every page)
//
//	livedesk.on("tick", function (data, envelope) { … })   // handlers by message kind
//	livedesk.connect()   // /rooms/<room>/ws when the page set p.Room, else /ws (shop-wide)
//	livedesk.post(url, body) // JSON POST with the CSRF header → Promise of the JSON answer
//
// The sockets (/rooms/:room/ws for a room of the user's shop, /ws for the shop) need a session;
// every role may read them. They hand the connection to the hub (hub.Hub.Serve): the latest
// message of each kind first, then live messages. Room kinds: "tick" (live.Snapshot, every
// second), "minutes" (live.MinuteSeries: the closed minutes, only when one closes or is
// corrected), "stage" (stage.Stage, the prompter). live.js tracks seq per envelope room, takes a
// lower seq after the connect burst as a reset (Redis lost), reconnects
// on a gap or a close with exponential backoff, shows #offline meanwhile, and reloads (to the
// login page) when the server closes with 4001 because the session ended (logout, user disabled;
// checked every 2 s).
package views
