package views

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/jobs"
)

// taskDone marks a task of the user's shop done on the user's word.
func (s *Server) taskDone(c *fiber.Ctx) error {
	u := CurrentUser(c)
	_, err := s.Jobs.Runner.MarkDone(c.UserContext(), u.Shop, c.Params("id"), u.Name)
	return s.afterTaskChange(c, err)
}

// afterTaskChange answers a task action: JSON for fetch(), else back to the inbox.
func (s *Server) afterTaskChange(c *fiber.Ctx, err error) error {
	switch {
	case errors.Is(err, jobs.ErrNoTask):
		return s.fail(c, fiber.StatusNotFound, "error.notfound")
	case err != nil:
		return s.reply(c, fmt.Errorf("views: task action: %w", err))
	}
	if wantsJSON(c) {
		return c.JSON(fiber.Map{"ok": true})
	}
	return c.Redirect(localPath(c.FormValue("back", "/tasks")), fiber.StatusSeeOther)
}
