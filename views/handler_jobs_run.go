package views

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/jobs"
)

// jobRun runs one job for the user's shop now ("run now") and shows the page with its run on top.
// A failing check is recorded in the run list like a scheduled failure.
func (s *Server) jobRun(c *fiber.Ctx) error {
	u := CurrentUser(c)
	name := c.Params("job")
	_, err := s.Jobs.Runner.Run(c.UserContext(), u.Shop, name, jobs.TriggerManual)
	if errors.Is(err, jobs.ErrUnknownJob) {
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	}
	if err != nil {
		s.Log.Warn("views: run now", "shop", u.Shop, "job", name, "err", err)
	}
	if wantsJSON(c) {
		return c.JSON(fiber.Map{"ok": err == nil})
	}
	return c.Redirect("/jobs?ran="+urlQueryEscape(name)+"#runs", fiber.StatusSeeOther)
}
