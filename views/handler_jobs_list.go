package views

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/jobs"
)

// JobRow is one job on the Jobs page: its definition, the shop's setting and its next run.
type JobRow struct {
	Job     *jobs.Job
	Setting jobs.Setting
	Next    time.Time
}

// JobsView is what the Jobs page shows. Msg/Bad are a notice or an error for the form Focus.
type JobsView struct {
	Jobs        []JobRow
	Notify      jobs.Setting
	Runs        []jobs.Run
	Titles      map[string]string   // job name → title in the page language
	Keywords    []jobs.KeywordCount // complaint keywords per product over KeywordDays
	KeywordDays int64
	Products    map[string]string // product id → title (the keyword table names products by title)
	Focus       string
	Msg         string
	Bad         string
	CanEdit     bool
}

// jobsPage shows every job's setting for the user's shop, "run now", and the latest runs.
func (s *Server) jobsPage(c *fiber.Ctx) error {
	p := s.page(c, "jobs.title")
	v, err := s.jobsView(c, p)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: jobs page: %w", err))
	}
	switch {
	case c.Query("saved") != "":
		v.Focus, v.Msg = c.Query("saved"), p.T("jobs.saved")
	case c.Query("ran") != "":
		v.Focus, v.Msg = c.Query("ran"), p.T("jobs.ran")
	}
	return s.render(c, JobsPage(p, v))
}

// jobsView loads the settings and runs of the user's shop.
func (s *Server) jobsView(c *fiber.Ctx, p Page) (JobsView, error) {
	ctx, shop := c.UserContext(), p.User.Shop
	r := s.Jobs.Runner
	sts, err := r.Store.Settings(ctx, shop)
	if err != nil {
		return JobsView{}, err
	}
	v := JobsView{Titles: map[string]string{}, CanEdit: p.User.Can(RoleAdmin)}
	var keywords jobs.Setting // the keyword job's setting, reused below rather than read again
	for _, j := range r.Registry.All() {
		st := j.SettingIn(shop, sts)
		if j.Name == jobs.KeywordJobName {
			keywords = st
		}
		row := JobRow{Job: j, Setting: st}
		if st.Enabled {
			row.Next = jobs.NextRun(st.Schedule, s.zone(c), s.now())
		}
		v.Jobs = append(v.Jobs, row)
		v.Titles[j.Name] = j.Title
		if p.Lang == LangEN {
			v.Titles[j.Name] = j.TitleEn
		}
	}
	v.Notify = notifySetting(shop, sts)
	if v.Keywords, v.KeywordDays, err = r.KeywordCounts(ctx, shop, keywords); err != nil {
		return JobsView{}, err
	}
	if len(v.Keywords) > 0 && s.Titles != nil {
		if v.Products, err = s.Titles.Titles(ctx, shop); err != nil {
			return JobsView{}, err
		}
	}
	v.Runs, err = r.Store.Runs(ctx, shop, "", 50)
	return v, err
}

// notifySetting is the shop's webhook setting with defaults filled in (disabled until saved).
func notifySetting(shop string, sts map[string]jobs.Setting) jobs.Setting {
	st, ok := sts[jobs.NotifySetting]
	if !ok {
		st = jobs.Setting{Shop: shop, Job: jobs.NotifySetting}
	}
	if st.Params == nil {
		st.Params = jobs.Values{}
	}
	for _, p := range jobs.NotifyParams {
		if _, ok := st.Params[p.Name]; !ok {
			st.Params[p.Name] = p.Default
		}
	}
	return st
}
