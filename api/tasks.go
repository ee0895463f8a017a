package api

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/jobs"
)

// taskJSON is a task of the inbox.
type taskJSON struct {
	ID           string     `json:"id"`
	Type         string     `json:"type"`
	Subject      string     `json:"subject"` // "<kind>:<id>", e.g. order:o123
	Severity     string     `json:"severity"`
	Role         string     `json:"role"`
	Title        string     `json:"title"` // zh-CN
	TitleEn      string     `json:"title_en"`
	Detail       string     `json:"detail"`
	Status       string     `json:"status"` // open, snoozed, done
	Overdue      bool       `json:"overdue"`
	Due          *time.Time `json:"due"`
	SnoozedUntil *time.Time `json:"snoozed_until"`
	ClosedBy     string     `json:"closed_by"`
	Created      time.Time  `json:"created"`
	Updated      time.Time  `json:"updated"`
}

func taskOf(t jobs.Task, now time.Time) taskJSON {
	return taskJSON{ID: t.ID, Type: t.Type, Subject: t.SubjectKind + ":" + t.SubjectID, Severity: t.Severity, Role: t.Role,
		Title: t.Title, TitleEn: t.TitleEn, Detail: t.Detail, Status: t.Status, Overdue: t.Overdue(now),
		Due: timeOrNil(t.Due), SnoozedUntil: timeOrNil(t.SnoozedUntil), ClosedBy: t.ClosedBy,
		Created: t.Created.UTC(), Updated: t.Updated.UTC()}
}

// timeOrNil is t in UTC, nil when zero.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() || t.Unix() <= 0 {
		return nil
	}
	u := t.UTC()
	return &u
}

// listTasks is GET /tasks with the inbox's filters: ?type, ?status (todo (default), open,
// snoozed, done, all), ?overdue=1.
func (s *Server) listTasks(c *fiber.Ctx) error {
	f := jobs.TaskFilter{Type: c.Query("type"), Status: c.Query("status", "todo"), Overdue: c.Query("overdue") == "1", Limit: 5000}
	if f.Type != "" && !slices.Contains(jobs.TaskTypes, f.Type) {
		return s.reply(c, invalid("type", "not a task type", "不是有效的任务类型"))
	}
	switch f.Status {
	case "todo", "open", "snoozed", "done":
	case "all":
		f.Status = ""
	default:
		return s.reply(c, invalid("status", "status must be todo, open, snoozed, done or all", "status 须为 todo、open、snoozed、done 或 all"))
	}
	now := s.now()
	list, err := s.Runner.Store.Tasks(c.UserContext(), callerOf(c).Shop, now, f)
	if err != nil {
		return s.reply(c, err)
	}
	from, to, next, err := page(c, len(list))
	if err != nil {
		return s.reply(c, err)
	}
	items := make([]taskJSON, 0, to-from)
	for _, t := range list[from:to] {
		items = append(items, taskOf(t, now))
	}
	return s.ok(c, fiber.Map{"items": items, "next_cursor": next})
}

// taskDone is POST /tasks/{id}/done.
func (s *Server) taskDone(c *fiber.Ctx) error {
	who := callerOf(c)
	t, err := s.Runner.MarkDone(c.UserContext(), who.Shop, c.Params("id"), who.Name)
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"task": taskOf(t, s.now())})
}

// taskSnooze is POST /tasks/{id}/snooze {"hours": 1–168} (default 2).
func (s *Server) taskSnooze(c *fiber.Ctx) error {
	var in struct {
		Hours int `json:"hours"`
	}
	if len(c.Body()) > 0 {
		if err := c.BodyParser(&in); err != nil {
			return s.reply(c, invalid("body", "the body is not a JSON object", "请求体不是 JSON 对象"))
		}
	}
	if in.Hours == 0 {
		in.Hours = 2
	}
	if in.Hours < 1 || in.Hours > 168 {
		return s.reply(c, invalid("hours", "hours must be 1 to 168", "hours 须在 1 到 168 之间"))
	}
	who := callerOf(c)
	t, err := s.Runner.Snooze(c.UserContext(), who.Shop, c.Params("id"), s.now().Add(time.Duration(in.Hours)*time.Hour))
	if err != nil {
		return s.reply(c, err)
	}
	return s.ok(c, fiber.Map{"task": taskOf(t, s.now())})
}
