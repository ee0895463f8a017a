package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestMain(m *testing.M) { os.Exit(localtest.Run(m)) }

var shanghai = mustLoc("Asia/Shanghai")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// sh returns a time in Asia/Shanghai.
func sh(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, shanghai)
}

// captured is a Publisher that keeps what the runner published (the hub itself is tested in live).
type captured struct {
	mu   sync.Mutex
	msgs []publishedMsg
}

type publishedMsg struct {
	shop, kind string
	body       []byte
}

func (c *captured) PublishShop(_ context.Context, shop, kind string, body []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, publishedMsg{shop, kind, append([]byte(nil), body...)})
	return nil
}

func (c *captured) kind(kind string) []publishedMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []publishedMsg
	for _, m := range c.msgs {
		if m.kind == kind {
			out = append(out, m)
		}
	}
	return out
}

func (c *captured) reset() {
	c.mu.Lock()
	c.msgs = nil
	c.mu.Unlock()
}

// fixture is a runner on a fresh ClickHouse database with a controllable clock; events go in
// through the ingest writer like posted ones.
type fixture struct {
	t      *testing.T
	runner *Runner
	clock  *clockwork.FakeClock
	writer *ingest.Writer
	pub    *captured
	seq    int
}

const shop = "shop1"

func newFixture(t *testing.T, start time.Time) *fixture {
	t.Helper()
	_, conn := localtest.Database(t)
	spool, err := ingest.OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w := ingest.NewWriter(conn, spool, log, ingest.WriterConfig{})
	t.Cleanup(w.Close)
	clock := clockwork.NewFakeClockAt(start)
	pub := &captured{}
	r := &Runner{Store: NewStore(conn), Registry: Default(), Clock: clock, Publisher: pub, Log: log,
		Location: func(string) *time.Location { return shanghai }}
	return &fixture{t: t, runner: r, clock: clock, writer: w, pub: pub}
}

// ev stores one event of shop at ts.
func (f *fixture) ev(ts time.Time, e ingest.Event) {
	f.t.Helper()
	f.seq++
	e.Shop, e.TS, e.Received = shop, ts.UTC(), ts.UTC()
	if e.ID == "" {
		e.ID = fmt.Sprintf("ev%d", f.seq)
	}
	if err := f.writer.Write(context.Background(), []ingest.Event{e}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) order(ts time.Time, id, status, user string, amount int64) {
	f.ev(ts, ingest.Event{Type: ingest.TypeOrder, Order: id, Status: status, User: user, Product: "p-" + id, Amount: amount, Qty: 1})
}

// at sets the clock and runs job, failing the test on error.
func (f *fixture) run(at time.Time, job string) Run {
	f.t.Helper()
	f.clock.Advance(at.Sub(f.clock.Now()))
	r, err := f.runner.Run(context.Background(), shop, job, TriggerManual)
	if err != nil {
		f.t.Fatalf("run %s at %s: %v", job, at, err)
	}
	return r
}

// tasks lists every task of the shop of the given type, by subject.
func (f *fixture) tasks(typ string) map[string]Task {
	f.t.Helper()
	ts, err := f.runner.Store.Tasks(context.Background(), shop, f.clock.Now(), TaskFilter{Type: typ, Limit: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]Task{}
	for _, t := range ts {
		if _, dup := out[t.SubjectID]; dup {
			f.t.Fatalf("two %s tasks for %s", typ, t.SubjectID)
		}
		out[t.SubjectID] = t
	}
	return out
}

// rowCount counts the task rows of the shop after FINAL, to prove nothing was duplicated.
func (f *fixture) rowCount() uint64 {
	f.t.Helper()
	var n uint64
	if err := f.runner.Store.conn.QueryRow(context.Background(), "SELECT count() FROM tasks FINAL WHERE shop = ?", shop).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// open returns the subjects of the open tasks of typ with their severity.
func (f *fixture) open(typ string) map[string]string {
	out := map[string]string{}
	for s, t := range f.tasks(typ) {
		if t.Status == StatusOpen {
			out[s] = t.Severity
		}
	}
	return out
}

func (f *fixture) wantOpen(typ string, want map[string]string) {
	f.t.Helper()
	got := f.open(typ)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		f.t.Fatalf("open %s tasks at %s: got %v, want %v", typ, f.clock.Now().In(shanghai).Format("01-02 15:04"), got, want)
	}
}

// notified returns the notifications published so far.
func (f *fixture) notified() []Notification {
	var out []Notification
	for _, m := range f.pub.kind(NotifyKind) {
		var n Notification
		if err := json.Unmarshal(m.body, &n); err != nil {
			f.t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}
