package views

import (
	"log/slog"
	"net/netip"
	"net/url"
	"time"

	"github.com/a-h/templ"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/compliance"
	"github.com/livedesk/livedesk/jobs"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/report"
	"github.com/livedesk/livedesk/shops"
	"github.com/livedesk/livedesk/stage"
)

// Sockets runs one authenticated websocket until it closes (hub.Hub implements it).
type Sockets interface {
	Serve(conn *websocket.Conn, shop, room string)
	// ServePrompter serves only the room's prompter stream (an anchor's socket).
	ServePrompter(conn *websocket.Conn, shop, room string)
}

// Server holds what the pages need. cmd/livedesk/wire_views.go fills it; each area adds the one
// field its pages need (one line each).
type Server struct {
	Users         *account.Users        // logins
	Revocations   *account.Revocations  // logged-out sessions
	Redis         redis.UniversalClient // login rate limits, logged-out sessions
	Rooms         *live.Rooms           // which rooms a shop has (room list, room pages, sockets)
	Catalog       *catalog.Catalog      // the shop's products (products page, the actions' product list)
	Hub           Sockets               // websockets of rooms and of the shop
	Actions       *stage.Actions        // catalog, operator actions, prompter stage (products, prompter)
	Control       RoomControl           // sessions and flags of rooms (the live engine)
	States        RoomStates            // which rooms are live, for the room list (the live engine)
	Jobs          *jobs.Scheduler       // scheduled jobs, their settings and runs, and the tasks inbox
	Reports       *report.Service       // post-stream reports: stored, built and rebuilt by the service cmd runs
	Titles        TitleSource           // product titles for the control room (the catalog); may be nil
	Log           *slog.Logger          //
	Location      *time.Location        // the default time zone of shops (LIVEDESK_TZ)
	SecureCookies bool                  // mark cookies Secure (behind HTTPS)
	Integrations  Integrations          // the shops' platform connections (nil: no Integrations page)
	LiveRules     LiveRules             // rooms' live settings and rules (the live engine); nil: no panel
	Shops         *shops.Settings       // each shop's zone and currency (nil: Location and CNY)
	Compliance    *compliance.Store     // banned words and qualifications (nil: no cue warning, no 合规 page)
	BaseURL       string                // public URL; its host is an accepted Origin behind a proxy
	Secret        []byte                // signs session cookies and CSRF tokens; the same on every instance
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client (login limits
	// count per client address; behind a proxy every user would share its address).
	TrustedProxies []netip.Prefix
	Now            func() time.Time
}

// now returns the current time from the server's clock.
func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Register mounts the pages, sockets and static assets on app.
func (s *Server) Register(app *fiber.App) {
	if s.Location == nil {
		s.Location = time.UTC
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	app.Get("/static/*", s.staticAsset)
	app.Get("/favicon.ico", func(c *fiber.Ctx) error { return c.Redirect(Asset("img/favicon.svg"), fiber.StatusMovedPermanently) })
	app.Get("/lang", s.switchLang)
	app.Get("/login", s.loginPage)
	app.Post("/login", s.loginPost)
	app.Post("/logout", s.logout)
	s.registerRooms(app)
	s.registerSockets(app)
	s.registerControl(app)
	s.registerProducts(app)
	s.registerTasks(app)
	s.registerReports(app)
	s.registerIntegrations(app)
	s.registerRules(app)
	s.registerDay(app)
	// Other areas: one line each, e.g. s.registerTasks(app).
}

// render writes a templ component as the HTML response, with the security headers pages need.
func (s *Server) render(c *fiber.Ctx, comp templ.Component) error {
	setPageHeaders(c)
	c.Type("html", "utf-8")
	return comp.Render(c.UserContext(), c.Response().BodyWriter())
}

// pagePolicy is every page's Content-Security-Policy: scripts, images and connections from this
// server only. No page shows a remote image (a product's image link is kept as data, not
// displayed), so an image link cannot make an operator's browser call a host of someone's
// choosing; charts draw on canvas.
const pagePolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// setPageHeaders sets the Content-Security-Policy and friends.
func setPageHeaders(c *fiber.Ctx) {
	c.Set("Content-Security-Policy", pagePolicy)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set(fiber.HeaderCacheControl, "no-store")
}

// page builds the Page a handler passes to its component.
func (s *Server) page(c *fiber.Ctx, titleKey string) Page {
	u := CurrentUser(c)
	lang := LangOf(c)
	return Page{
		Title:        T(lang, titleKey),
		Lang:         lang,
		User:         u,
		CSRF:         s.csrfToken(c, u.sessionID),
		Path:         c.OriginalURL(),
		Loc:          s.zone(c),
		Currency:     s.shopCurrency(c, u.Shop),
		Origin:       c.BaseURL(),
		Integrations: s.Integrations != nil,
	}
}

// fail answers an error with a status and a translated message, never an internal detail: JSON
// for fetch() calls and sockets, else a small page.
func (s *Server) fail(c *fiber.Ctx, code int, key string) error {
	lang := LangOf(c)
	if wantsJSON(c) || isSocket(c) {
		return c.Status(code).JSON(fiber.Map{"error": T(lang, key)})
	}
	c.Status(code)
	return s.render(c, ErrorPage(s.page(c, "app.name"), code, T(lang, key)))
}

// urlQueryEscape escapes s for a query value.
func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// localPath returns p when it is a path on this site, else "/". It is the one check for every
// redirect target a request names (the language switch's back, the login's next, the tasks'
// back): one leading "/" (never "//", which browsers read as another host), no backslash, and no
// control character — browsers drop tabs and newlines from URLs ("/\t/evil" becomes "//evil"),
// and CR/LF in a Location header would inject headers.
func localPath(p string) string {
	if p == "" || p[0] != '/' || (len(p) > 1 && p[1] == '/') {
		return "/"
	}
	for i := 0; i < len(p); i++ {
		if b := p[i]; b < 0x20 || b == 0x7f || b == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return p
}
