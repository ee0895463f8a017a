package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/jobs"
)

// jobJSON is a job with the shop's setting of it.
type jobJSON struct {
	Name     string            `json:"name"`
	Title    string            `json:"title"` // zh-CN
	TitleEn  string            `json:"title_en"`
	Enabled  bool              `json:"enabled"`
	Schedule string            `json:"schedule"` // cron, 5 fields, in the shop's zone
	Params   map[string]string `json:"params"`
	NextRun  *time.Time        `json:"next_run"` // null when disabled or not scheduled here
}

// runJSON is one run of a job.
type runJSON struct {
	Job     string     `json:"job"`
	ID      string     `json:"id"`
	Started time.Time  `json:"started"`
	Ended   *time.Time `json:"ended"`  // null while running
	Status  string     `json:"status"` // running, ok, error
	Trigger string     `json:"trigger"`
	Found   uint32     `json:"found"`
	Opened  uint32     `json:"opened"`
	Closed  uint32     `json:"closed"`
	Summary string     `json:"summary"`
	Error   string     `json:"error"`
}

func runOf(r jobs.Run) runJSON {
	return runJSON{Job: r.Job, ID: r.ID, Started: r.Started.UTC(), Ended: timeOrNil(r.Ended), Status: r.Status,
		Trigger: r.Trigger, Found: r.Found, Opened: r.Opened, Closed: r.Closed, Summary: r.Summary, Error: r.Error}
}

// listJobs is GET /jobs: every job with the shop's setting and next run.
func (s *Server) listJobs(c *fiber.Ctx) error {
	shop := callerOf(c).Shop
	stored, err := s.Runner.Store.Settings(c.UserContext(), shop)
	if err != nil {
		return s.reply(c, err)
	}
	var items []jobJSON
	for _, j := range s.Runner.Registry.All() {
		st := j.SettingIn(shop, stored)
		params := map[string]string{}
		for k, v := range st.Params {
			params[k] = v
		}
		it := jobJSON{Name: j.Name, Title: j.Title, TitleEn: j.TitleEn, Enabled: st.Enabled, Schedule: st.Schedule, Params: params}
		if s.Scheduler != nil {
			it.NextRun = timeOrNil(s.Scheduler.NextRun(shop, j.Name))
		}
		items = append(items, it)
	}
	return s.ok(c, fiber.Map{"items": items})
}

// listRuns is GET /jobs/runs[?job=NAME]: the latest runs, newest first.
func (s *Server) listRuns(c *fiber.Ctx) error {
	job := c.Query("job")
	if _, ok := s.Runner.Registry.Get(job); job != "" && !ok {
		return s.reply(c, invalid("job", "not a job name", "不是有效的任务名"))
	}
	runs, err := s.Runner.Store.Runs(c.UserContext(), callerOf(c).Shop, job, 1000)
	if err != nil {
		return s.reply(c, err)
	}
	from, to, next, err := page(c, len(runs))
	if err != nil {
		return s.reply(c, err)
	}
	items := make([]runJSON, 0, to-from)
	for _, r := range runs[from:to] {
		items = append(items, runOf(r))
	}
	return s.ok(c, fiber.Map{"items": items, "next_cursor": next})
}

// runJob is POST /jobs/{name}/run: runs the job now for the shop and answers the run.
func (s *Server) runJob(c *fiber.Ctx) error {
	name := c.Params("name")
	if _, ok := s.Runner.Registry.Get(name); !ok {
		return s.reply(c, notFound("job "+name))
	}
	run, err := s.Runner.Run(c.UserContext(), callerOf(c).Shop, name, jobs.TriggerManual)
	if err != nil && run.ID == "" {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"run": runOf(run)})
}
