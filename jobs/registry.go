package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
)

// Param is one editable threshold of a job. Values are strings; Kind says how they parse.
type Param struct {
	Name    string
	Kind    string // "int", "percent", "clock" (HH:MM), "list" (comma separated)
	Default string
	Label   string // zh-CN
	LabelEn string
}

// Job is one routine check of the daily workflow.
type Job struct {
	Name      string
	Title     string // zh-CN
	TitleEn   string
	Schedule  string // default cron (5 fields) in the shop's time zone
	Params    []Param
	TaskTypes []string // the task types this job owns (it closes only these)
	Check     func(ctx context.Context, e *Env) (Findings, error)
}

// Findings is what one check saw.
type Findings struct {
	Tasks   []Spec
	Covers  func(Task) bool // which existing tasks this check spoke for (nil = all of its types)
	Found   int             // items found, when it differs from len(Tasks)
	Summary string          // one line for the runs list
	Notify  []Notification  // extra notifications (recaps, rates)
	Publish []Publication   // extra live messages (e.g. the 即将售罄 list)
}

// Env is what a check gets: the shop, its zone, the instant it runs at, its parameters and
// storage. Checks take time only from Now.
type Env struct {
	Shop     string
	Loc      *time.Location
	Currency livedesk.Currency // the shop's currency: amounts are in its minor unit
	Now      time.Time         // UTC
	Params   Values
	Store    *Store
	Catalog  Catalog           // products and preset cues (nil: the checks that need them skip)
	Words    WordSource        // the shop's banned words (nil: the compliance checks skip)
	Titles   map[string]string // product titles by id (may be nil)
}

// Product names a product for a task: "title（id）" when the catalog has its title, else the id.
func (e *Env) Product(id string) string {
	if t := e.Titles[id]; t != "" && t != id {
		return t + "（" + id + "）"
	}
	return id
}

// Money formats an amount of the shop's currency for people ("¥1,234.56", "12,000₫").
func (e *Env) Money(minor int64) string {
	if e.Currency.Code == "" {
		return livedesk.Money(minor)
	}
	return e.Currency.Format(minor)
}

// Values are a job's parameter values (defaults filled in).
type Values map[string]string

// Int returns the integer parameter name (0 when unparseable; settings are validated on save).
func (v Values) Int(name string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(v[name]), 10, 64)
	return n
}

// Float returns the decimal parameter name (0 when unparseable).
func (v Values) Float(name string) float64 {
	f, _ := strconv.ParseFloat(strings.TrimSpace(v[name]), 64)
	return f
}

// Clock returns the HH:MM parameter name as a duration after midnight.
func (v Values) Clock(name string) time.Duration {
	d, _ := parseClock(v[name])
	return d
}

// List returns the comma separated parameter name (、 and ， also separate), trimmed, without blanks.
func (v Values) List(name string) []string {
	f := strings.FieldsFunc(v[name], func(r rune) bool { return r == ',' || r == '，' || r == '、' })
	out := f[:0]
	for _, s := range f {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day such as 08:00", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Validate checks one value against the parameter's kind.
func (p Param) Validate(v string) error {
	switch p.Kind {
	case "int":
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%s: %q is not a whole number ≥ 0", p.Name, v)
		}
	case "percent":
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 || n > 100 {
			return fmt.Errorf("%s: %q is not a percentage 0–100", p.Name, v)
		}
	case "number":
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || n < 0 || n > 1e6 {
			return fmt.Errorf("%s: %q is not a number ≥ 0 such as 2.5", p.Name, v)
		}
	case "clock":
		if _, err := parseClock(v); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return nil
}

// Registry holds the jobs by name.
type Registry struct {
	byName map[string]*Job
	order  []string
}

// NewRegistry returns a registry of jobs.
func NewRegistry(jobs ...*Job) *Registry {
	r := &Registry{byName: map[string]*Job{}}
	for _, j := range jobs {
		r.byName[j.Name] = j
		r.order = append(r.order, j.Name)
	}
	return r
}

// Get returns the job called name.
func (r *Registry) Get(name string) (*Job, bool) {
	j, ok := r.byName[name]
	return j, ok
}

// All returns the jobs in registration order.
func (r *Registry) All() []*Job {
	out := make([]*Job, 0, len(r.order))
	for _, n := range r.order {
		out = append(out, r.byName[n])
	}
	return out
}

// Setting is a shop's configuration of one job.
type Setting struct {
	Shop     string
	Job      string
	Enabled  bool
	Schedule string
	Params   Values
	Updated  time.Time
	By       string
	Version  uint64
}

// Defaults returns the setting a shop has before anyone edits it.
func (j *Job) Defaults(shop string) Setting {
	v := Values{}
	for _, p := range j.Params {
		v[p.Name] = p.Default
	}
	return Setting{Shop: shop, Job: j.Name, Enabled: true, Schedule: j.Schedule, Params: v}
}

// Merge fills a stored setting's missing parameters with the defaults.
func (j *Job) Merge(s Setting) Setting {
	d := j.Defaults(s.Shop)
	if s.Schedule == "" {
		s.Schedule = d.Schedule
	}
	if s.Params == nil {
		s.Params = Values{}
	}
	for k, v := range d.Params {
		if _, ok := s.Params[k]; !ok {
			s.Params[k] = v
		}
	}
	return s
}

// SettingIn returns shop's setting of j out of stored (the shop's stored settings by job name):
// the stored one with missing parameters filled in, or the defaults when none is stored.
func (j *Job) SettingIn(shop string, stored map[string]Setting) Setting {
	if st, ok := stored[j.Name]; ok {
		return j.Merge(st)
	}
	return j.Defaults(shop)
}

// ValidateSetting checks the schedule and every parameter of s for job j.
func (j *Job) ValidateSetting(s Setting) error {
	if err := ValidateSchedule(s.Schedule); err != nil {
		return err
	}
	for _, p := range j.Params {
		if err := p.Validate(s.Params[p.Name]); err != nil {
			return err
		}
	}
	return nil
}

// ValidateSchedule accepts a 5-field cron expression (minute hour day month weekday).
func ValidateSchedule(s string) error {
	if len(strings.Fields(s)) != 5 || strings.Contains(s, "TZ=") {
		return fmt.Errorf("schedule %q must have 5 cron fields, e.g. */5 * * * *", s)
	}
	if _, err := cronParser.Parse(s); err != nil {
		return fmt.Errorf("schedule %q: %w", s, err)
	}
	return nil
}

// NextRun returns the first time after now that schedule fires in loc (zero when invalid).
func NextRun(schedule string, loc *time.Location, now time.Time) time.Time {
	sch, err := cronParser.Parse(schedule)
	if err != nil {
		return time.Time{}
	}
	return sch.Next(now.In(loc)).UTC()
}
