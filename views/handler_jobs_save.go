package views

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/jobs"
)

// jobSave stores the user's shop's setting of one job (or of the webhook, job "notify") and
// reschedules at once. An invalid value re-renders the page with the problem and saves nothing.
func (s *Server) jobSave(c *fiber.Ctx) error {
	u := CurrentUser(c)
	name := c.Params("job")
	st := jobs.Setting{Shop: u.Shop, Job: name, Enabled: c.FormValue("enabled") == "on", By: u.Name, Params: jobs.Values{}}
	var verr error
	if name == jobs.NotifySetting {
		for _, p := range jobs.NotifyParams {
			st.Params[p.Name] = strings.TrimSpace(c.FormValue("p_" + p.Name))
		}
		verr = jobs.ValidateNotify(st.Params)
	} else {
		j, ok := s.Jobs.Runner.Registry.Get(name)
		if !ok {
			return s.fail(c, fiber.StatusNotFound, "error.notfound")
		}
		st.Schedule = strings.Join(strings.Fields(c.FormValue("schedule")), " ")
		for _, p := range j.Params {
			st.Params[p.Name] = strings.TrimSpace(c.FormValue("p_" + p.Name))
		}
		verr = j.ValidateSetting(st)
	}
	if verr != nil {
		p := s.page(c, "jobs.title")
		v, err := s.jobsView(c, p)
		if err != nil {
			return s.reply(c, fmt.Errorf("views: jobs page: %w", err))
		}
		v.Focus, v.Bad = name, verr.Error()
		c.Status(fiber.StatusBadRequest)
		return s.render(c, JobsPage(p, v))
	}
	if err := s.Jobs.Runner.Store.SaveSetting(c.UserContext(), st); err != nil {
		return s.reply(c, fmt.Errorf("views: save job setting: %w", err))
	}
	if err := s.Jobs.Sync(c.UserContext()); err != nil {
		s.Log.Warn("views: resync jobs", "err", err)
	}
	return c.Redirect("/jobs?saved="+urlQueryEscape(name)+"#job-"+name, fiber.StatusSeeOther)
}
