package views

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// taskSnooze hides a task for 1–72 hours; it comes back then if its condition still holds.
func (s *Server) taskSnooze(c *fiber.Ctx) error {
	u := CurrentUser(c)
	hours, err := strconv.Atoi(c.FormValue("hours", "2"))
	if err != nil || hours < 1 || hours > 72 {
		return s.fail(c, fiber.StatusBadRequest, "tasks.bad")
	}
	_, err = s.Jobs.Runner.Snooze(c.UserContext(), u.Shop, c.Params("id"), s.now().Add(time.Duration(hours)*time.Hour))
	return s.afterTaskChange(c, err)
}
