package views

import (
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/jobs"
)

// registerTasks mounts the tasks inbox and the Jobs page (jobs area). Without a scheduler wired
// (s.Jobs nil) neither exists.
func (s *Server) registerTasks(r fiber.Router) {
	if s.Jobs == nil {
		return
	}
	r.Get("/tasks", s.RequireRole(DeskRoles...), s.tasksPage)
	r.Post("/tasks/:id/done", s.RequireRole(RoleAdmin, RoleOperator), s.taskDone)
	r.Post("/tasks/:id/snooze", s.RequireRole(RoleAdmin, RoleOperator), s.taskSnooze)
	r.Get("/jobs", s.RequireRole(RoleAdmin, RoleOperator), s.jobsPage)
	r.Post("/jobs/:job", s.RequireRole(RoleAdmin), s.jobSave)
	r.Post("/jobs/:job/run", s.RequireRole(RoleAdmin, RoleOperator), s.jobRun)
}

// TasksView is what the inbox shows.
type TasksView struct {
	Tasks   []jobs.Task
	Filter  jobs.TaskFilter
	Open    uint64
	Overdue uint64
	Now     time.Time
}

// tasksPage lists the shop's tasks, filtered by type, status (default: still to do) and overdue.
func (s *Server) tasksPage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	f := jobs.TaskFilter{Type: c.Query("type"), Status: c.Query("status", "todo"), Overdue: c.Query("overdue") == "1", Limit: 300}
	if !slices.Contains(jobs.TaskTypes, f.Type) {
		f.Type = ""
	}
	switch f.Status {
	case "todo", "open", "snoozed", "done", "all":
	default:
		f.Status = "todo"
	}
	q := f
	if q.Status == "all" {
		q.Status = ""
	}
	now := s.now()
	store := s.Jobs.Runner.Store
	list, err := store.Tasks(c.UserContext(), u.Shop, now, q)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: tasks page: %w", err))
	}
	open, overdue, err := store.OpenCounts(c.UserContext(), u.Shop, now)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: tasks page: %w", err))
	}
	v := TasksView{Tasks: list, Filter: f, Open: open, Overdue: overdue, Now: now}
	return s.render(c, TasksPage(s.page(c, "tasks.title"), v))
}
