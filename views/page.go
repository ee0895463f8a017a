package views

import (
	"time"

	"github.com/livedesk/livedesk"
)

// Page is what every page component gets: the language, the user, the CSRF token, the title.
type Page struct {
	Title string
	Lang  string
	User  User
	CSRF  string
	Path  string // the current URL path and query, for the language switch and login redirects
	Room  string // the room the page is about, "" otherwise
	Loc   *time.Location
	// Currency is the shop's (shops.Settings): pages and the control room's money format in it.
	Currency livedesk.Currency
	Body     string // extra class on <body>, e.g. "wide" for the control room
	// Origin is this server's URL as the browser reached it (the empty states' examples);
	// Integrations whether platform integrations exist on this server.
	Origin       string
	Integrations bool
	Bare         bool // no top bar (full-screen pages such as the prompter)
	// HistoryDown: ClickHouse could not be read, so the page shows "history unavailable" and
	// lives on what Redis knows (the live numbers keep arriving over the socket).
	HistoryDown bool
}

// otherLang is the language the switch offers.
func otherLang(lang string) string {
	if lang == LangEN {
		return LangZH
	}
	return LangEN
}

// T translates key into the page's language.
func (p Page) T(key string) string { return T(p.Lang, key) }

// Time formats t in the shop's zone as "2006-01-02 15:04:05".
func (p Page) Time(t time.Time) string { return Time(t, p.loc()) }

// Clock formats t in the shop's zone as "15:04".
func (p Page) Clock(t time.Time) string { return Clock(t, p.loc()) }

func (p Page) loc() *time.Location {
	if p.Loc == nil {
		return time.UTC
	}
	return p.Loc
}

// NavItem is one link of the top navigation.
type NavItem struct {
	Key   string   // i18n key of the label
	Href  string   // link
	Order int      // position, smaller first
	Roles []string // who sees it; empty = every logged-in user
}

var nav []NavItem

// AddNav adds a link to the top navigation; call it from an init function in your area's file.
func AddNav(item NavItem) {
	i := len(nav)
	nav = append(nav, item)
	for i > 0 && nav[i-1].Order > nav[i].Order {
		nav[i-1], nav[i] = nav[i], nav[i-1]
		i--
	}
}

// navFor returns the links u may see.
func navFor(u User) []NavItem {
	var out []NavItem
	for _, it := range nav {
		if len(it.Roles) == 0 || u.Can(it.Roles...) {
			out = append(out, it)
		}
	}
	return out
}

func init() {
	AddNav(NavItem{Key: "nav.rooms", Href: "/", Order: 10})
}
