package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/report"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
)

// runBenchReport starts a private ClickHouse (schema/localdb) in a temp dir, writes a generated
// session straight into the events table with native columnar batch inserts, then builds the
// report several times, alternately the current way and the previous way (the same-run anchor),
// prints each build's time and per-read breakdown, the medians, and records the headline figure.
// Nothing is left behind.
func runBenchReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-report", "bench-report [--events N] [--hours H] [--dup-every K] [--dup-window D] [--runs R] [--parallel P] [--dir D]", stderr)
	n := fs.Int("events", 10_000_000, "events in the session")
	hours := fs.Float64("hours", 3, "session length in hours")
	dupEvery := fs.Int("dup-every", 20, "store every K-th event of the duplicate window twice (copies the report must count once); 0 = none")
	dupWindow := fs.Duration("dup-window", 2*time.Minute, "the stretch, from the middle of the session, whose events were resent (as after a Redis failover); 0 = the whole session")
	runs := fs.Int("runs", 5, "report builds to time, each way (current, and previous as the same-run anchor)")
	parallel := fs.Int("parallel", 2, "report queries run at once")
	keep := fs.String("dir", "", "keep the private ClickHouse's data in this directory and reuse it when it already holds the session (default: a temp dir, removed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "livedesk-bench-report-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	benchQuiesce(ctx, nil, stderr, "bench-report")
	srv, err := localdb.StartClickHouse(ctx, dir, 0)
	if err != nil {
		return err
	}
	defer srv.Stop()
	conn, err := schema.Open(ctx, schema.Options{Addr: srv.Addr, Database: "bench"})
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := schema.Migrate(ctx, conn, nil); err != nil {
		return err
	}
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	span := report.SessionSpan{Shop: "bench", Room: "room1", Session: "bench-1", Start: start,
		End: start.Add(time.Duration(*hours * float64(time.Hour)))}
	var have uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM events WHERE shop = ? AND room = ?", span.Shop, span.Room).Scan(&have); err != nil {
		return err
	}
	if have > 0 {
		fmt.Fprintf(stdout, "reusing %d stored rows in %s\n", have, dir)
	} else {
		if err := generate(ctx, stdout, conn, span, *n, *dupEvery, *dupWindow); err != nil {
			return err
		}
		// Right after the insert: fresh, unmerged parts, as for a report built the moment a
		// stream ends whose last minutes are not merged yet (the worst case for the dedup proof).
		fmt.Fprintln(stdout, "before background merges:")
		if _, _, err := timeBuilds(ctx, stdout, conn, span, 1, *parallel); err != nil {
			return err
		}
	}
	if err := settleMerges(ctx, stdout, conn); err != nil {
		return err
	}
	cur, prev, err := timeBuilds(ctx, stdout, conn, span, *runs, *parallel)
	if err != nil {
		return err
	}
	return reportSummary(stdout, cur, prev)
}

// settleMerges waits (at most 3 minutes) until the background merges of the events table have
// been quiet for 3 seconds, as they are a while after a stream, and prints the part layout.
func settleMerges(ctx context.Context, stdout io.Writer, conn driver.Conn) error {
	start, quiet := time.Now(), time.Time{}
	for time.Since(start) < 3*time.Minute {
		var merging uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges WHERE database = currentDatabase() AND table = 'events'").Scan(&merging); err != nil {
			return err
		}
		switch {
		case merging > 0:
			quiet = time.Time{}
		case quiet.IsZero():
			quiet = time.Now()
		case time.Since(quiet) >= 3*time.Second:
			var parts, fresh uint64
			if err := conn.QueryRow(ctx, "SELECT count(), countIf(level = 0) FROM system.parts WHERE database = currentDatabase() AND table = 'events' AND active").Scan(&parts, &fresh); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "after background merges (%s): %d active parts, %d never merged\n", time.Since(start).Round(time.Second), parts, fresh)
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	fmt.Fprintln(stdout, "merges still running after 3 minutes; timing anyway")
	return nil
}

// generate writes the session and reports the insert rate.
func generate(ctx context.Context, stdout io.Writer, conn driver.Conn, span report.SessionSpan, n, dupEvery int, dupWindow time.Duration) error {
	t0 := time.Now()
	stored, err := generateSession(ctx, conn, span, n, dupEvery, dupWindow)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated %d events (%d rows with duplicates) over %s in %s (%.2fM rows/s)\n", n, stored,
		span.End.Sub(span.Start), time.Since(t0).Round(time.Millisecond), float64(stored)/time.Since(t0).Seconds()/1e6)
	return nil
}

// timeBuilds builds the report runs times the current way and runs times the previous way
// (report.Builder.Previous, the same-run anchor), alternating which goes first, each with a fresh
// Builder: every build is cold (Build reads ClickHouse; no built report is cached on this path).
// It prints each build's time, per-read breakdown and headline, checks that both ways give the
// same numbers, and returns the build times of each way.
func timeBuilds(ctx context.Context, stdout io.Writer, conn driver.Conn, span report.SessionSpan, runs, parallel int) (cur, prev []time.Duration, err error) {
	var want []byte // the first build's numbers; every other build must give the same
	for i := 1; i <= runs; i++ {
		order := []bool{false, true}
		if i%2 == 0 {
			order = []bool{true, false}
		}
		for _, previous := range order {
			d, r, err := timeBuild(ctx, conn, span, parallel, previous)
			if err != nil {
				return cur, prev, err
			}
			steps, headline := formatSteps(r.Steps), fmt.Sprintf("(events %d, duplicates counted once %d, GMV ¥%s, orders %d, views %d, viewers %d, segments %d)",
				r.Quality.Events, r.Quality.Duplicates, livedesk.FormatYuan(r.Headline.GMV), r.Headline.Orders, r.Headline.Views, r.Headline.Viewers, len(r.Segments))
			r.Steps, r.BuildMillis, r.Built = nil, 0, time.Time{}
			got, err := json.Marshal(r)
			if err != nil {
				return cur, prev, err
			}
			if want == nil {
				want = got
			} else if !bytes.Equal(got, want) {
				return cur, prev, fmt.Errorf("bench-report: build %d (previous %v) gives other numbers than the first build", i, previous)
			}
			name := "current"
			if previous {
				name, prev = "previous", append(prev, d)
			} else {
				cur = append(cur, d)
			}
			fmt.Fprintf(stdout, "build %d %-8s %s\n%s  %s\n", i, name, d.Round(time.Millisecond), steps, headline)
		}
	}
	return cur, prev, nil
}

// timeBuild builds the report once with a fresh Builder and returns its time.
func timeBuild(ctx context.Context, conn driver.Conn, span report.SessionSpan, parallel int, previous bool) (time.Duration, *report.Report, error) {
	b := &report.Builder{CH: conn, Parallel: parallel, Previous: previous}
	t := time.Now()
	r, err := b.Build(ctx, span)
	return time.Since(t), r, err
}

// formatSteps prints a build's per-read times (ms; reads run concurrently, so they add up to
// more than the build), longest first, sub-steps ("minutes: stored") under their read.
func formatSteps(steps map[string]int64) string {
	names := make([]string, 0, len(steps))
	for n := range steps {
		names = append(names, n)
	}
	top := func(n string) string { return strings.SplitN(n, ":", 2)[0] }
	sort.Slice(names, func(i, j int) bool {
		a, b := top(names[i]), top(names[j])
		if a != b {
			return steps[a] > steps[b] || (steps[a] == steps[b] && a < b)
		}
		return names[i] < names[j]
	})
	var sb strings.Builder
	for _, n := range names {
		indent := "    "
		if strings.Contains(n, ":") {
			indent = "        "
		}
		fmt.Fprintf(&sb, "%s%-22s %6d ms\n", indent, n, steps[n])
	}
	return sb.String()
}

// reportSummary prints the median and the slowest build of each way and records the headline.
// The ratio is the median of each run's current ÷ previous (built back to back), which a
// machine's changing load skews less than a ratio of medians.
func reportSummary(stdout io.Writer, cur, prev []time.Duration) error {
	if len(cur) == 0 || len(cur) != len(prev) {
		return nil
	}
	ratios := make([]float64, len(cur))
	for i := range cur {
		ratios[i] = cur[i].Seconds() / prev[i].Seconds()
	}
	slices.Sort(ratios)
	ratio := ratios[len(ratios)/2]
	if len(ratios)%2 == 0 {
		ratio = (ratios[len(ratios)/2-1] + ratios[len(ratios)/2]) / 2
	}
	mc, mp := median(cur), median(prev)
	fmt.Fprintf(stdout, "report build, cold, %d runs each: current median %s (max %s); previous way median %s (max %s) in the same run; median ratio of back-to-back builds %.2f\n",
		len(cur), mc.Round(time.Millisecond), slices.Max(cur).Round(time.Millisecond), mp.Round(time.Millisecond), slices.Max(prev).Round(time.Millisecond), ratio)
	return recordBench(stdout, benchFigure{Figure: "report of a 3-hour, 10-million-event session", Value: fmt.Sprintf("%.2f s", mc.Seconds()),
		Target: "≤ 1.0 s", Anchor: fmt.Sprintf("previous build %.2f s", mp.Seconds()), Ratio: fmt.Sprintf("%.2f×", ratio)})
}

// median is the middle of ds (the mean of the two middle ones for an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchTypes is the event mix per 1000 events (likes and impressions dominate a real room).
var benchTypes = func() []string {
	mix := []struct {
		typ string
		n   int
	}{{"impression", 380}, {"like", 220}, {"click", 130}, {"comment", 80}, {"enter", 70}, {"leave", 60},
		{"follow", 10}, {"share", 10}, {"order", 20}}
	var out []string
	for _, m := range mix {
		for i := 0; i < m.n; i++ {
			out = append(out, m.typ)
		}
	}
	return out
}()

var benchComments = []string{"S码还有吗", "多久发货？", "这个多少钱", "有优惠券吗", "质量怎么样", "主播好美", "哈哈哈", "包邮吗", "在吗？", "666"}

// generateSession writes n events spread evenly over span (plus an online reading per second, a
// pin every 4 minutes and an ad spend per minute) in time order, as a stream arrives: two
// goroutines of 200k-row columnar batches, each batch one slice of time. Every dupEvery-th event
// of dupWindow (from the middle of the session; 0 = all of it) is stored again afterwards in a
// batch of its own, as a resend that got past a lost Redis gate would be. It returns the rows
// stored.
func generateSession(ctx context.Context, conn driver.Conn, span report.SessionSpan, n, dupEvery int, dupWindow time.Duration) (int, error) {
	g := newSessionGen(conn, span, n, dupEvery, dupWindow)
	jobs := make(chan genSlice)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			g.worker(ctx, w, jobs)
		}(w)
	}
	for from := 0; from < n; from += genBatchRows {
		jobs <- genSlice{from, min(from+genBatchRows, n)}
	}
	close(jobs)
	wg.Wait()
	if g.firstErr != nil {
		return g.stored, g.firstErr
	}
	return g.sendResent(ctx)
}

// genBatchRows is how many generated events one columnar batch holds.
const genBatchRows = 200_000

// genSlice is one batch's events [from, to) by index.
type genSlice struct{ from, to int }

// sessionGen is the state generateSession's workers share.
type sessionGen struct {
	conn           driver.Conn
	span           report.SessionSpan
	n, dupEvery    int
	dur            time.Duration
	dupFrom, dupTo time.Time // the resent stretch
	mu             sync.Mutex
	firstErr       error
	stored         int
	dups           []*benchCols // the resent copies, sent after everything else
}

// newSessionGen returns the generator of n events over span; the resent stretch is dupWindow
// from the middle of the session, or all of it when dupWindow is 0.
func newSessionGen(conn driver.Conn, span report.SessionSpan, n, dupEvery int, dupWindow time.Duration) *sessionGen {
	g := &sessionGen{conn: conn, span: span, n: n, dupEvery: dupEvery, dur: span.End.Sub(span.Start), dupFrom: span.Start, dupTo: span.End}
	if dupWindow > 0 {
		g.dupFrom = span.Start.Add(g.dur / 2)
		g.dupTo = g.dupFrom.Add(dupWindow)
	}
	return g
}

// tsOf is the time of event i: the events are spread evenly over the session.
func (g *sessionGen) tsOf(i int) time.Time {
	return g.span.Start.Add(time.Duration(float64(i) / float64(g.n) * float64(g.dur)))
}

// worker generates and sends the slices from jobs with its own seeded random source, tallying
// the rows stored and keeping the resent copies for later.
func (g *sessionGen) worker(ctx context.Context, w int, jobs <-chan genSlice) {
	rng := rand.New(rand.NewSource(int64(w) + 1))
	for j := range jobs {
		c := newBenchCols(genBatchRows + 1024)
		d := newBenchCols(genBatchRows/max(g.dupEvery, 1) + 16)
		g.addGauges(c, rng, j)
		g.addEvents(c, d, rng, j)
		err := c.send(ctx, g.conn)
		g.mu.Lock()
		if err != nil && g.firstErr == nil {
			g.firstErr = err
		}
		g.stored += len(c.id)
		if len(d.id) > 0 {
			g.dups = append(g.dups, d)
		}
		g.mu.Unlock()
	}
}

// addGauges adds the slice's gauge and operator events, on the whole seconds in
// [ts(from), ts(to)) (the last slice up to the session's end): an online reading every second,
// a pin every 4 minutes and an ad spend every minute.
func (g *sessionGen) addGauges(c *benchCols, rng *rand.Rand, j genSlice) {
	s0, s1 := int(g.tsOf(j.from).Sub(g.span.Start)/time.Second), int(g.tsOf(j.to).Sub(g.span.Start)/time.Second)
	if g.tsOf(j.from).Sub(g.span.Start)%time.Second != 0 {
		s0++
	}
	if j.to == g.n {
		s1 = int(g.dur / time.Second)
	} else if g.tsOf(j.to).Sub(g.span.Start)%time.Second != 0 {
		s1++
	}
	for s := s0; s < s1; s++ {
		ts := g.span.Start.Add(time.Duration(s) * time.Second)
		c.add(g.span, benchRow{ts: ts, id: "on" + strconv.Itoa(s), typ: "online", value: int64(2000 + rng.Intn(3000))})
		if s%240 == 5 {
			c.add(g.span, benchRow{ts: ts, id: "pin" + strconv.Itoa(s), typ: "pin", user: "op", product: "p" + strconv.Itoa(s/240%60)})
		}
		if s%60 == 30 {
			c.add(g.span, benchRow{ts: ts, id: "ad" + strconv.Itoa(s), typ: "ad_spend", amount: int64(5000 + rng.Intn(20000))})
		}
	}
}

// addEvents adds the slice's viewer events to c, and to d the copies to be resent.
func (g *sessionGen) addEvents(c, d *benchCols, rng *rand.Rand, j genSlice) {
	for i := j.from; i < j.to; i++ {
		r := randomEvent(rng, i)
		r.ts = g.tsOf(i)
		c.add(g.span, r)
		if g.dupEvery > 0 && i%g.dupEvery == 0 && !r.ts.Before(g.dupFrom) && r.ts.Before(g.dupTo) {
			d.add(g.span, r)
		}
	}
}

// randomEvent draws event i of the benchTypes mix (its ts left zero): a user among 300,000,
// products among 60, a third of the orders unpaid.
func randomEvent(rng *rand.Rand, i int) benchRow {
	r := benchRow{id: "e" + strconv.Itoa(i), typ: benchTypes[rng.Intn(len(benchTypes))]}
	r.user = "u" + strconv.Itoa(rng.Intn(300_000))
	switch r.typ {
	case "impression", "click":
		r.product = "p" + strconv.Itoa(rng.Intn(60))
	case "comment":
		r.text = benchComments[rng.Intn(len(benchComments))]
	case "order":
		r.product = "p" + strconv.Itoa(rng.Intn(60))
		r.order, r.status = "o"+strconv.Itoa(i), "paid"
		if rng.Intn(3) == 0 {
			r.status = "created"
		}
		r.amount, r.qty = int64(990+rng.Intn(30000)), int32(1+rng.Intn(2))
	}
	return r
}

// sendResent stores the resent copies, a few batches at the end, and returns the rows stored
// in all.
func (g *sessionGen) sendResent(ctx context.Context) (int, error) {
	all := newBenchCols(g.n/max(g.dupEvery, 1) + 16)
	for _, d := range g.dups {
		all.append(d)
	}
	if len(all.id) > 0 {
		if err := all.send(ctx, g.conn); err != nil {
			return g.stored, err
		}
		g.stored += len(all.id)
	}
	return g.stored, nil
}

// benchRow is one event row of a benchCols batch, less the shop and room (the session's).
type benchRow struct {
	ts                                          time.Time
	id, typ, user, product, order, status, text string
	amount                                      int64
	qty                                         int32
	value                                       int64
}

// benchCols holds one columnar batch of the events table.
type benchCols struct {
	shop, room, id, typ, user, product, order, status, text, conv, dir, extra, batch []string
	ts, received                                                                     []time.Time
	tsMS                                                                             []uint16
	amount, value                                                                    []int64
	qty                                                                              []int32
	rating                                                                           []uint8
}

// newBenchCols returns an empty batch with room for n rows.
func newBenchCols(n int) *benchCols {
	s := func() []string { return make([]string, 0, n) }
	return &benchCols{shop: s(), room: s(), id: s(), typ: s(), user: s(), product: s(), order: s(), status: s(), text: s(),
		conv: s(), dir: s(), extra: s(), batch: s(), ts: make([]time.Time, 0, n), received: make([]time.Time, 0, n),
		tsMS: make([]uint16, 0, n), amount: make([]int64, 0, n), value: make([]int64, 0, n), qty: make([]int32, 0, n),
		rating: make([]uint8, 0, n)}
}

// add appends row r of the session's shop and room (received a second after its ts, batch
// "bench", the chat columns empty).
func (c *benchCols) add(span report.SessionSpan, r benchRow) {
	c.shop, c.room, c.id, c.typ, c.user = append(c.shop, span.Shop), append(c.room, span.Room), append(c.id, r.id), append(c.typ, r.typ), append(c.user, r.user)
	c.product, c.order, c.status, c.text = append(c.product, r.product), append(c.order, r.order), append(c.status, r.status), append(c.text, r.text)
	c.conv, c.dir, c.extra, c.batch = append(c.conv, ""), append(c.dir, ""), append(c.extra, ""), append(c.batch, "bench")
	c.ts, c.tsMS, c.received = append(c.ts, r.ts.Truncate(time.Second)), append(c.tsMS, uint16(r.ts.Nanosecond()/1e6)), append(c.received, r.ts.Add(time.Second).Truncate(time.Second))
	c.amount, c.value, c.qty, c.rating = append(c.amount, r.amount), append(c.value, r.value), append(c.qty, r.qty), append(c.rating, 0)
}

// append adds every row of o.
func (c *benchCols) append(o *benchCols) {
	c.shop, c.room, c.id, c.typ, c.user = append(c.shop, o.shop...), append(c.room, o.room...), append(c.id, o.id...), append(c.typ, o.typ...), append(c.user, o.user...)
	c.product, c.order, c.status, c.text = append(c.product, o.product...), append(c.order, o.order...), append(c.status, o.status...), append(c.text, o.text...)
	c.conv, c.dir, c.extra, c.batch = append(c.conv, o.conv...), append(c.dir, o.dir...), append(c.extra, o.extra...), append(c.batch, o.batch...)
	c.ts, c.tsMS, c.received = append(c.ts, o.ts...), append(c.tsMS, o.tsMS...), append(c.received, o.received...)
	c.amount, c.value, c.qty, c.rating = append(c.amount, o.amount...), append(c.value, o.value...), append(c.qty, o.qty...), append(c.rating, o.rating...)
}

// send inserts the batch into the events table in one native columnar INSERT.
func (c *benchCols) send(ctx context.Context, conn driver.Conn) error {
	b, err := conn.PrepareBatch(ctx, `INSERT INTO events (shop, room, ts, ts_ms, id, type, user, product, order_id, status,
		amount, qty, value, text, rating, conversation, direction, extra, received, batch)`)
	if err != nil {
		return fmt.Errorf("bench-report: prepare: %w", err)
	}
	defer b.Close()
	cols := []any{c.shop, c.room, c.ts, c.tsMS, c.id, c.typ, c.user, c.product, c.order, c.status, c.amount, c.qty, c.value,
		c.text, c.rating, c.conv, c.dir, c.extra, c.received, c.batch}
	for i, col := range cols {
		if err := b.Column(i).Append(col); err != nil {
			return fmt.Errorf("bench-report: column %d: %w", i, err)
		}
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("bench-report: insert: %w", err)
	}
	return nil
}
