package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/robfig/cron/v3"
)

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Store reads and writes the jobs tables (job_settings, job_runs, tasks) and reads events.
type Store struct {
	conn driver.Conn
}

// NewStore returns a Store on conn.
func NewStore(conn driver.Conn) *Store { return &Store{conn: conn} }

// Conn returns the ClickHouse connection (for the checks' event queries).
func (s *Store) Conn() driver.Conn { return s.conn }

// epoch stands for "no time" in DateTime columns.
var epoch = time.Unix(0, 0).UTC()

func toDB(t time.Time) time.Time {
	if t.IsZero() {
		return epoch
	}
	return t.UTC()
}

func fromDB(t time.Time) time.Time {
	if t.Unix() <= 0 {
		return time.Time{}
	}
	return t.UTC()
}

// Settings returns the stored settings of shop by job name (jobs without a row are absent).
func (s *Store) Settings(ctx context.Context, shop string) (map[string]Setting, error) {
	rows, err := s.conn.Query(ctx, `SELECT job, enabled, schedule, params, updated, by_user, version
		FROM job_settings FINAL WHERE shop = ?`, shop)
	if err != nil {
		return nil, fmt.Errorf("jobs: read settings of %s: %w", shop, err)
	}
	defer rows.Close()
	out := map[string]Setting{}
	for rows.Next() {
		st := Setting{Shop: shop}
		var enabled uint8
		var params string
		if err := rows.Scan(&st.Job, &enabled, &st.Schedule, &params, &st.Updated, &st.By, &st.Version); err != nil {
			return nil, fmt.Errorf("jobs: scan settings: %w", err)
		}
		st.Enabled = enabled == 1
		st.Params = Values{}
		if params != "" {
			if err := json.Unmarshal([]byte(params), &st.Params); err != nil {
				return nil, fmt.Errorf("jobs: settings %s/%s: bad params: %w", shop, st.Job, err)
			}
		}
		out[st.Job] = st
	}
	return out, rows.Err()
}

// SaveSetting writes a new version of st.
func (s *Store) SaveSetting(ctx context.Context, st Setting) error {
	params, err := json.Marshal(st.Params)
	if err != nil {
		return fmt.Errorf("jobs: encode params: %w", err)
	}
	if st.Updated.IsZero() {
		st.Updated = time.Now()
	}
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO job_settings (shop, job, enabled, schedule, params, updated, by_user, version)`)
	if err != nil {
		return fmt.Errorf("jobs: save setting: %w", err)
	}
	defer b.Close()
	var en uint8
	if st.Enabled {
		en = 1
	}
	if err := b.Append(st.Shop, st.Job, en, st.Schedule, string(params), st.Updated.UTC(), st.By, nextVersion(st.Version)); err != nil {
		return fmt.Errorf("jobs: save setting: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("jobs: save setting: %w", err)
	}
	return nil
}

// Shops lists the shops that have job settings.
func (s *Store) Shops(ctx context.Context) ([]string, error) {
	rows, err := s.conn.Query(ctx, `SELECT DISTINCT shop FROM job_settings ORDER BY shop`)
	if err != nil {
		return nil, fmt.Errorf("jobs: list shops: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sh string
		if err := rows.Scan(&sh); err != nil {
			return nil, fmt.Errorf("jobs: scan shop: %w", err)
		}
		if sh != "" {
			out = append(out, sh)
		}
	}
	return out, rows.Err()
}

// Run is one execution of a job.
type Run struct {
	Shop    string
	Job     string
	ID      string
	Started time.Time
	Ended   time.Time // zero while running
	Status  string    // running, ok, error
	Trigger string    // schedule, manual
	Found   uint32
	Opened  uint32
	Closed  uint32
	Summary string
	Error   string
	Version uint64
}

// SaveRun writes a new version of r.
func (s *Store) SaveRun(ctx context.Context, r Run) error {
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO job_runs (shop, job, id, started, ended, status, trigger, found, opened, closed, summary, error, version)`)
	if err != nil {
		return fmt.Errorf("jobs: save run: %w", err)
	}
	defer b.Close()
	if err := b.Append(r.Shop, r.Job, r.ID, toDB(r.Started), toDB(r.Ended), r.Status, r.Trigger,
		r.Found, r.Opened, r.Closed, r.Summary, r.Error, r.Version); err != nil {
		return fmt.Errorf("jobs: save run: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("jobs: save run: %w", err)
	}
	return nil
}

// Runs returns the latest runs of shop (of one job when job != ""), newest first.
func (s *Store) Runs(ctx context.Context, shop, job string, limit int) ([]Run, error) {
	q := `SELECT job, id, started, ended, status, trigger, found, opened, closed, summary, error, version
		FROM job_runs FINAL WHERE shop = ?`
	args := []any{shop}
	if job != "" {
		q += ` AND job = ?`
		args = append(args, job)
	}
	q += fmt.Sprintf(` ORDER BY started DESC, version DESC LIMIT %d`, limit)
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: read runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r := Run{Shop: shop}
		if err := rows.Scan(&r.Job, &r.ID, &r.Started, &r.Ended, &r.Status, &r.Trigger, &r.Found, &r.Opened,
			&r.Closed, &r.Summary, &r.Error, &r.Version); err != nil {
			return nil, fmt.Errorf("jobs: scan run: %w", err)
		}
		r.Started, r.Ended = fromDB(r.Started), fromDB(r.Ended)
		out = append(out, r)
	}
	return out, rows.Err()
}

const taskCols = `id, type, subject_kind, subject_id, severity, role, title, title_en, detail, due, status,
	snoozed_until, closed_by, cleared, created, updated, version`

func scanTasks(shop string, rows driver.Rows) ([]Task, error) {
	defer rows.Close()
	var out []Task
	for rows.Next() {
		t := Task{Shop: shop}
		var cleared uint8
		if err := rows.Scan(&t.ID, &t.Type, &t.SubjectKind, &t.SubjectID, &t.Severity, &t.Role, &t.Title, &t.TitleEn,
			&t.Detail, &t.Due, &t.Status, &t.SnoozedUntil, &t.ClosedBy, &cleared, &t.Created, &t.Updated, &t.Version); err != nil {
			return nil, fmt.Errorf("jobs: scan task: %w", err)
		}
		t.Cleared = cleared == 1
		t.Due, t.SnoozedUntil = fromDB(t.Due), fromDB(t.SnoozedUntil)
		t.Created, t.Updated = t.Created.UTC(), t.Updated.UTC()
		out = append(out, t)
	}
	return out, rows.Err()
}

// SaveTasks writes new versions of ts in one insert.
func (s *Store) SaveTasks(ctx context.Context, ts []Task) error {
	if len(ts) == 0 {
		return nil
	}
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO tasks (shop, `+taskCols+`)`)
	if err != nil {
		return fmt.Errorf("jobs: save tasks: %w", err)
	}
	defer b.Close()
	for _, t := range ts {
		var cleared uint8
		if t.Cleared {
			cleared = 1
		}
		if err := b.Append(t.Shop, t.ID, t.Type, t.SubjectKind, t.SubjectID, t.Severity, t.Role, t.Title, t.TitleEn,
			t.Detail, toDB(t.Due), t.Status, toDB(t.SnoozedUntil), t.ClosedBy, cleared, toDB(t.Created),
			toDB(t.Updated), t.Version); err != nil {
			return fmt.Errorf("jobs: save tasks: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("jobs: save tasks: %w", err)
	}
	return nil
}

// tasksFinal is the latest version of every task of a shop. Filters on non-key columns go in the
// outer query so they apply after FINAL has picked the latest version.
const tasksFinal = `(SELECT ` + taskCols + ` FROM tasks FINAL WHERE shop = ?)`

// liveTasks returns the tasks of the given types that Reconcile must see: not done, done but not
// yet cleared, or one of ids.
func (s *Store) liveTasks(ctx context.Context, shop string, types, ids []string) ([]Task, error) {
	if len(ids) == 0 {
		ids = []string{""} // an empty array literal is Array(Nothing) to ClickHouse; no id is ""
	}
	rows, err := s.conn.Query(ctx, `SELECT `+taskCols+` FROM `+tasksFinal+`
		WHERE has(?, type) AND (status != 'done' OR cleared = 0 OR has(?, id))`, shop, types, ids)
	if err != nil {
		return nil, fmt.Errorf("jobs: read tasks: %w", err)
	}
	return scanTasks(shop, rows)
}

// TaskFilter selects tasks for the inbox.
type TaskFilter struct {
	Type    string
	Status  string // "", open, snoozed, done; "todo" = open or snoozed
	Overdue bool
	Role    string
	Limit   int
}

// Tasks lists a shop's tasks matching f: soonest due first for open work, newest first for done.
func (s *Store) Tasks(ctx context.Context, shop string, now time.Time, f TaskFilter) ([]Task, error) {
	var where []string
	args := []any{shop}
	if f.Type != "" {
		where = append(where, "type = ?")
		args = append(args, f.Type)
	}
	switch f.Status {
	case "":
	case "todo":
		where = append(where, "status != 'done'")
	default:
		where = append(where, "status = ?")
		args = append(args, f.Status)
	}
	if f.Overdue {
		where = append(where, "status != 'done' AND due > toDateTime(0) AND due < ?")
		args = append(args, now.UTC())
	}
	if f.Role != "" {
		where = append(where, "role = ?")
		args = append(args, f.Role)
	}
	q := `SELECT ` + taskCols + ` FROM ` + tasksFinal
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	q += fmt.Sprintf(` ORDER BY status = 'done', due = toDateTime(0), due, updated DESC LIMIT %d`, f.Limit)
	rows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: list tasks: %w", err)
	}
	return scanTasks(shop, rows)
}

// Task returns one task of shop.
func (s *Store) Task(ctx context.Context, shop, id string) (Task, bool, error) {
	rows, err := s.conn.Query(ctx, `SELECT `+taskCols+` FROM `+tasksFinal+` WHERE id = ?`, shop, id)
	if err != nil {
		return Task{}, false, fmt.Errorf("jobs: read task: %w", err)
	}
	ts, err := scanTasks(shop, rows)
	if err != nil || len(ts) == 0 {
		return Task{}, false, err
	}
	return ts[0], true, nil
}

// OpenCounts returns how many tasks of shop are open or snoozed, and how many of those are overdue.
func (s *Store) OpenCounts(ctx context.Context, shop string, now time.Time) (open, overdue uint64, err error) {
	err = s.conn.QueryRow(ctx, `SELECT count(), countIf(due > toDateTime(0) AND due < ?) FROM `+tasksFinal+`
		WHERE status != 'done'`, now.UTC(), shop).Scan(&open, &overdue)
	if err != nil {
		return 0, 0, fmt.Errorf("jobs: count tasks: %w", err)
	}
	return open, overdue, nil
}
