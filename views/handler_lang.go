package views

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// switchLang remembers the chosen language in a cookie and goes back to the page.
func (s *Server) switchLang(c *fiber.Ctx) error {
	lang := LangZH
	if c.Query("to") == LangEN {
		lang = LangEN
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", Expires: time.Now().Add(365 * 24 * time.Hour),
		Secure: s.SecureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	return c.Redirect(localPath(c.Query("back", "/")), fiber.StatusSeeOther)
}
