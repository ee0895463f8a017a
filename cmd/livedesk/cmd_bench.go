package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/ingest/sim"
)

// This file is the bench's load and its figures; cmd_bench_server.go starts what it measures.

// benchIDWidth is the fixed width of the event ids in the bench bodies, patched in place.
const benchIDWidth = 16

// benchFlags are the bench command's options.
type benchFlags struct {
	clients    int
	duration   time.Duration
	batch      int
	cpuProfile string // run the server in this process and write its CPU profile here
	dir        string // directory for the private servers ("" = a temp dir)
	instances  int    // livedesk servers sharing the ClickHouse and Redis, clients spread over them
	steadyRate int    // events/s of the steady phase (0: none)
	steadyFor  time.Duration
}

// parseBenchFlags parses the bench command line.
func parseBenchFlags(args []string, stderr io.Writer) (benchFlags, error) {
	fs := newFlagSet("bench", "bench [--clients C] [--duration D] [--batch N]", stderr)
	clients := fs.Int("clients", 64, "concurrent HTTP clients (more in flight means larger group commits)")
	duration := fs.Duration("duration", time.Minute, "how long the clients post (a minute includes a closed minute being settled and ClickHouse merging its parts)")
	batch := fs.Int("batch", 1000, "events per request")
	cpuProfile := fs.String("cpuprofile", "", "run the server in this process and write its CPU profile here (RSS then includes the clients)")
	keep := fs.String("dir", "", "directory for the private servers (default: a temp dir, removed afterwards)")
	steadyRate := fs.Int("steady-rate", 50000, "events per second of the steady phase that measures ack latency (0: skip it)")
	steadyFor := fs.Duration("steady-duration", 20*time.Second, "how long the steady phase runs")
	instances := fs.Int("instances", 1, "livedesk servers sharing the ClickHouse and Redis, the clients spread evenly over them (as a load balancer does)")
	if err := parseFlags(fs, args); err != nil {
		return benchFlags{}, err
	}
	if *clients <= 0 || *batch <= 0 || *duration <= 0 || *instances <= 0 || *steadyRate < 0 || *steadyFor <= 0 {
		return benchFlags{}, errors.New("--clients, --batch, --duration, --steady-duration and --instances must be positive, --steady-rate at least 0")
	}
	if *cpuProfile != "" && *instances != 1 {
		return benchFlags{}, errors.New("--cpuprofile runs one server in this process: use it with --instances 1")
	}
	return benchFlags{clients: *clients, duration: *duration, batch: *batch, cpuProfile: *cpuProfile, dir: *keep, instances: *instances,
		steadyRate: *steadyRate, steadyFor: *steadyFor}, nil
}

// runBench measures the ingest API on private ClickHouse and Redis: it starts them and the
// server, posts simulated batches from many clients for the duration, prints throughput,
// latency, memory and CPU, then inserts as many rows natively for comparison.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	env, err := startBenchEnv(ctx, f, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	benchQuiesce(ctx, env.conn, stderr, "before the ingest load")

	template, slots := benchTemplate(f.batch)
	fmt.Fprintf(stderr, "bench: %d clients posting batches of %d events (%d KB) for %v to %d instance(s)\n", f.clients, f.batch, len(template)/1024, f.duration, len(env.bases))
	load, err := runBenchLoad(ctx, env, f, template, slots, 0, 0)
	if err != nil {
		return err
	}
	stored, err := waitStored(ctx, env.conn, load.acked)
	if err != nil {
		return err
	}
	load.print(stdout, f.batch, stored, len(env.bases))
	if env.inproc != nil {
		printServerStats(stdout, env.inproc)
	}
	native, err := benchNative(ctx, stdout, env, template, load)
	if err != nil {
		return err
	}
	var steady benchLoad
	if f.steadyRate > 0 {
		if steady, err = runBenchSteady(ctx, env, f, template, slots, stdout); err != nil {
			return err
		}
	}
	hwm := max(load.hwm, steady.hwm)
	rows := []benchFigure{
		{Figure: fmt.Sprintf("ingest, %d clients × %d-event requests", f.clients, f.batch), Value: fmt.Sprintf("%.0f events/s", load.rate()),
			Target: "≥ 0.5× native", Anchor: fmt.Sprintf("native INSERT %.0f rows/s", native), Ratio: fmt.Sprintf("%.2f×", load.rate()/native)},
		{Figure: "server peak RSS during the ingest bench", Value: fmt.Sprintf("%d MB", hwm/1024), Target: "≤ 300 MB"},
	}
	if f.steadyRate > 0 {
		rows = append(rows, benchFigure{Figure: fmt.Sprintf("ack latency at %d events/s steady, p99", f.steadyRate),
			Value: benchMS(pct(steady.lat, 0.99)), Target: "≤ 250 ms", Anchor: fmt.Sprintf("achieved %.0f events/s", steady.rate())})
	}
	return recordBench(stdout, rows...)
}

// benchLoad is what the clients measured.
type benchLoad struct {
	acked, dups, refused int64
	lat                  []time.Duration // per acknowledged request, sorted
	elapsed              time.Duration
	cpu0, cpu1           []time.Duration // CPU time of env.pids, then of this process (the clients), before and after
	hwm, rss             int64           // the server's peak and current RSS (KB) after
	inproc               bool            // the server ran in the bench's process (--cpuprofile)
}

// rate is the acknowledged events per second.
func (l benchLoad) rate() float64 { return float64(l.acked) / l.elapsed.Seconds() }

// benchLoader is the state the bench's clients share.
type benchLoader struct {
	hc                   *http.Client
	bases                []string // the servers; client c posts to bases[c % len]
	key                  string
	template             []byte
	slots                []benchSlot
	batch                int
	deadline             time.Time
	interval             time.Duration // steady phase: each client starts a request this often (0: back to back)
	idBase               int           // added to the client number in ids, so phases never reuse ids
	acked, dups, refused atomic.Int64
	mu                   sync.Mutex
	lat                  []time.Duration
	firstErr             error
}

// runBenchLoad posts from f.clients clients until f.duration has passed and measures the
// server's CPU and memory around it. The first transport or unexpected-status error fails it.
// interval > 0 paces each client to one request per interval (the steady phase); idBase keeps
// the phases' ids apart.
func runBenchLoad(ctx context.Context, env *benchEnv, f benchFlags, template []byte, slots []benchSlot, interval time.Duration, idBase int) (benchLoad, error) {
	l := &benchLoader{
		hc:       &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: f.clients, DisableCompression: true}, Timeout: 2 * time.Minute},
		bases:    env.bases,
		key:      env.key,
		template: template,
		slots:    slots,
		batch:    f.batch,
		deadline: time.Now().Add(f.duration),
		interval: interval,
		idBase:   idBase,
	}
	var out benchLoad
	var wg sync.WaitGroup
	pids := append(slices.Clone(env.pids), os.Getpid())
	out.cpu0 = procCPUs(pids)
	out.inproc = env.inproc != nil
	began := time.Now()
	for c := 0; c < f.clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			l.client(ctx, c)
		}(c)
	}
	wg.Wait()
	out.elapsed = time.Since(began)
	out.cpu1 = procCPUs(pids)
	if l.firstErr != nil {
		return out, l.firstErr
	}
	for _, pid := range env.pids[:len(env.bases)] {
		hwm, rss := procMemory(pid)
		out.hwm, out.rss = out.hwm+hwm, out.rss+rss
	}
	slices.Sort(l.lat)
	out.lat = l.lat
	out.acked, out.dups, out.refused = l.acked.Load(), l.dups.Load(), l.refused.Load()
	return out, nil
}

// client posts the template with fresh ids and times until the deadline; a refused request
// is retried with the same ids after the server's Retry-After.
func (l *benchLoader) client(ctx context.Context, c int) {
	body := make([]byte, len(l.template))
	var mine []time.Duration
	defer func() { l.mu.Lock(); l.lat = append(l.lat, mine...); l.mu.Unlock() }()
	next := time.Now().Add(time.Duration(rand.Int64N(int64(max(l.interval, 1)))))
	for seq := 0; time.Now().Before(l.deadline); seq++ {
		if l.interval > 0 {
			time.Sleep(time.Until(next))
			next = next.Add(l.interval)
		}
		copy(body, l.template)
		sent := time.Now().UnixMilli()
		for i, sl := range l.slots {
			patchID(body[sl.id:sl.id+benchIDWidth], l.idBase+c, seq*l.batch+i)
			patchTS(body[sl.ts:sl.ts+13], sent, sl.ms)
		}
		t0 := time.Now()
		status, res, retry, err := benchPost(ctx, l.hc, l.bases[c%len(l.bases)], l.key, body)
		if err != nil {
			l.mu.Lock()
			l.firstErr = cmp.Or(l.firstErr, err)
			l.mu.Unlock()
			return
		}
		if status != http.StatusOK {
			l.refused.Add(1)
			time.Sleep(retry)
			seq-- // the same ids again: nothing of a refused request was stored
			continue
		}
		mine = append(mine, time.Since(t0))
		l.acked.Add(int64(res.Accepted))
		l.dups.Add(int64(res.Duplicates))
	}
}

// waitStored waits up to 60 s for ClickHouse to hold acked bench rows (spilled batches reach it
// a moment after their acknowledgement) and returns how many it holds.
func waitStored(ctx context.Context, conn driver.Conn, acked int64) (uint64, error) {
	var stored uint64
	for wait := time.Now().Add(60 * time.Second); ; {
		if err := conn.QueryRow(ctx, "SELECT count() FROM events WHERE shop = 'bench'").Scan(&stored); err != nil {
			return 0, err
		}
		if int64(stored) >= acked || time.Now().After(wait) {
			return stored, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// print writes the ingest API's figures: throughput, latency, memory, CPU and durability.
// The first servers of pids are the livedesk instances, then ClickHouse, then Redis.
func (l benchLoad) print(stdout io.Writer, batch int, stored uint64, servers int) {
	fmt.Fprintf(stdout, "ingest API: %d events acknowledged in %.1fs = %.0f events/s (%d requests, %d refused with 429/503, %d duplicates)\n",
		l.acked, l.elapsed.Seconds(), l.rate(), len(l.lat), l.refused, l.dups)
	fmt.Fprintf(stdout, "ack latency per %d-event request: p50 %v, p99 %v, max %v\n", batch, pct(l.lat, 0.50), pct(l.lat, 0.99), pct(l.lat, 1))
	fmt.Fprintf(stdout, "server memory (%d instance(s) together): peak RSS (VmHWM) %d MB, RSS now %d MB\n", servers, l.hwm/1024, l.rss/1024)
	ld := l.printCPU(stdout, "CPU while posting", servers)
	if cores := ld / 100; cores > 0 {
		fmt.Fprintf(stdout, "per livedesk core: %.0f events/s\n", l.rate()/cores)
	}
	fmt.Fprintf(stdout, "durable: ClickHouse holds %d rows of %d acknowledged\n", stored, l.acked)
}

// printCPU writes each process's share of a core over the phase and returns livedesk's (all
// instances). The bench's clients run on the same cores as the servers, so their share is
// printed too: what they take, the servers wait for.
func (l benchLoad) printCPU(stdout io.Writer, what string, servers int) float64 {
	share := func(i int) float64 {
		if i >= len(l.cpu1) || i >= len(l.cpu0) {
			return 0
		}
		return 100 * (l.cpu1[i] - l.cpu0[i]).Seconds() / l.elapsed.Seconds()
	}
	var ld float64
	for i := range servers {
		ld += share(i)
	}
	clients := fmt.Sprintf("the bench's clients %.0f%%", share(servers+2))
	if l.inproc {
		clients = "the bench's clients counted with livedesk (one process)"
	}
	fmt.Fprintf(stdout, "%s (%d cores = %d%%): livedesk %.0f%% (%d instance(s)), ClickHouse %.0f%%, Redis %.0f%%, %s\n",
		what, runtime.NumCPU(), 100*runtime.NumCPU(), ld, servers, share(servers), share(servers+1), clients)
	return ld
}

// printServerStats writes the in-process server's writer and per-request timings.
func printServerStats(stdout io.Writer, m *Main) {
	st := m.Writer.Stats()
	if st.Inserts > 0 {
		fmt.Fprintf(stdout, "writer: %d INSERTs of %d rows on average taking %v; %d batches (%d rows) spilled to the spool under load, %d rows replayed in %d INSERTs\n",
			st.Inserts, st.InsertedRows/st.Inserts, (st.InsertTime / time.Duration(st.Inserts)).Round(time.Millisecond),
			st.SpilledBatches, st.SpilledRows, st.ReplayedRows, st.ReplayInserts)
	}
	if ss := m.Ingest.Stats(); ss.Requests > 0 {
		per := func(d time.Duration) time.Duration {
			return (d / time.Duration(ss.Requests)).Round(100 * time.Microsecond)
		}
		fmt.Fprintf(stdout, "per request: parse %v, dedup claim %v, durable write %v, commit + observers %v\n",
			per(ss.Parse), per(ss.Claim), per(ss.Write), per(ss.Observe))
	}
}

// benchNative inserts as many rows as the API acknowledged straight into ClickHouse — native
// columnar INSERTs of 50,000 rows from two goroutines, as the writer's flushers send them — and
// prints how the API compares: in rows per second, and in CPU per row (all processes on the
// machine, the bench's own included), which says how far apart the two are with the cores'
// sharing left out.
func benchNative(ctx context.Context, stdout io.Writer, env *benchEnv, template []byte, load benchLoad) (float64, error) {
	n := load.acked
	pids := []int{env.pids[len(env.bases)], os.Getpid()} // ClickHouse, this process
	cpu0 := procCPUs(pids)
	direct, err := benchDirect(ctx, env.conn, benchEvents(template), int(n))
	if err != nil {
		return 0, err
	}
	cpu1 := procCPUs(pids)
	native := float64(n) / direct.Seconds()
	fmt.Fprintf(stdout, "native batch insert: %d rows in %.1fs = %.0f rows/s; ingest API reaches %.0f%% of it\n",
		n, direct.Seconds(), native, 100*load.rate()/native)
	if n == 0 || env.inproc != nil {
		return native, nil
	}
	perRow := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) / float64(n) }
	// load's CPU times: the livedesk instances, ClickHouse, Redis, then the clients.
	servers := len(env.bases)
	parts := make([]float64, len(load.cpu1))
	var sum, ld float64
	for i := range parts {
		parts[i] = perRow(load.cpu1[i] - load.cpu0[i])
		sum += parts[i]
		if i < servers {
			ld += parts[i]
		}
	}
	chNative, clientNative := perRow(cpu1[0]-cpu0[0]), perRow(cpu1[1]-cpu0[1])
	fmt.Fprintf(stdout, "CPU per event, all processes: ingest API %.1f µs (livedesk %.1f, ClickHouse %.1f, Redis %.1f, clients %.1f); native INSERT %.1f µs (ClickHouse %.1f, client %.1f): at equal use of the cores the API reaches %.2f× native\n",
		sum, ld, parts[servers], parts[servers+1], parts[servers+2], chNative+clientNative, chNative, clientNative, (chNative+clientNative)/sum)
	return native, nil
}

// pct returns the p-quantile (0–1) of the sorted durations s, rounded to 100 µs (0 for none).
func pct(s []time.Duration, p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	i := min(int(float64(len(s))*p), len(s)-1)
	return s[i].Round(100 * time.Microsecond)
}

// benchTemplate encodes batch simulated events whose ids are fixed-width placeholders; it
// returns the body and, per event, where its id and its ts are and the ts's place (0–999 ms)
// within the request's last second.
func benchTemplate(batch int) ([]byte, []benchSlot) {
	evs := sim.Generate(sim.Config{Shop: "bench", Room: "bench", Seed: 1, Start: time.Now().Add(-time.Minute)}, 40*time.Second)
	for len(evs) < batch {
		evs = append(evs, evs...)
	}
	evs = evs[:batch]
	first, last := evs[0].TS, evs[0].TS
	for _, e := range evs {
		if e.TS.Before(first) {
			first = e.TS
		}
		if e.TS.After(last) {
			last = e.TS
		}
	}
	span := max(last.Sub(first), time.Millisecond)
	var body []byte
	slots := make([]benchSlot, batch)
	for i := range evs {
		evs[i].ID = strings.Repeat("x", benchIDWidth)
		start := len(body)
		body = sim.AppendJSON(body, &evs[i])
		ts := []byte(`"ts":` + strconv.FormatInt(evs[i].TS.UnixMilli(), 10))
		slots[i] = benchSlot{id: start + bytes.Index(body[start:], []byte(evs[i].ID)),
			ts: start + bytes.Index(body[start:], ts) + len(`"ts":`), ms: int64(999 * evs[i].TS.Sub(first) / span)}
	}
	return body, slots
}

// benchSlot is where one event's id and ts are in the template body, and the ts's offset (ms)
// within the last second before the request is sent.
type benchSlot struct {
	id, ts int
	ms     int64
}

// patchTS writes the event's time: sent (unix ms) minus a second plus its place in it, as a live
// producer posts what happened just now (13 digits, as in the template).
func patchTS(dst []byte, sent, ms int64) {
	strconv.AppendInt(dst[:0], sent-999+ms, 10)
}

// patchID writes "c<client>-<seq>" zero-padded into the id placeholder.
func patchID(dst []byte, client, seq int) {
	s := fmt.Appendf(nil, "c%02d-%012d", client%100, seq) // exactly benchIDWidth bytes
	copy(dst, s[:benchIDWidth])
}

// benchEvents parses the template back into events for the direct insert.
func benchEvents(template []byte) []ingest.Event {
	evs, _ := ingest.Parse(template, "direct", time.Now())
	return evs
}

// benchDirect inserts total rows cycled from template (ids renumbered) straight into ClickHouse
// with native columnar INSERTs of 50,000 rows from two goroutines and returns how long it took.
func benchDirect(ctx context.Context, conn driver.Conn, template []ingest.Event, total int) (time.Duration, error) {
	const size = 50_000
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 2)
	began := time.Now()
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			batch := make([]ingest.Event, size)
			for {
				from := int(next.Add(size)) - size
				if from >= total {
					return
				}
				n := min(size, total-from)
				for i := range n {
					batch[i] = template[(from+i)%len(template)]
					batch[i].ID = strconv.Itoa(from + i)
				}
				if err := ingest.InsertBatch(ctx, conn, "direct-"+strconv.Itoa(from), batch[:n]); err != nil {
					errs[w] = err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	return time.Since(began), errors.Join(errs...)
}

// benchPost posts one body and returns the status, the counts and how long to wait on 429/503.
func benchPost(ctx context.Context, hc *http.Client, base, key string, body []byte) (int, ingest.Result, time.Duration, error) {
	var res ingest.Result
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := hc.Do(req)
	if err != nil {
		return 0, res, 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	switch resp.StatusCode {
	case http.StatusOK:
		res.Accepted, res.Duplicates = jsonInt(b, "accepted"), jsonInt(b, "duplicates")
		return resp.StatusCode, res, 0, nil
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return resp.StatusCode, res, retryAfterOf(resp), nil
	}
	return resp.StatusCode, res, 0, fmt.Errorf("bench: server answered %d: %.300s", resp.StatusCode, b)
}

// retryAfterOf is a tenth of the response's Retry-After (100 ms when it has none).
func retryAfterOf(resp *http.Response) time.Duration {
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || n <= 0 {
		return 100 * time.Millisecond
	}
	return time.Duration(n) * time.Second / 10 // a bench client retries sooner than a polite one
}

// jsonInt reads "key":N from a small flat JSON object.
func jsonInt(b []byte, key string) int {
	i := bytes.Index(b, []byte(`"`+key+`":`))
	if i < 0 {
		return 0
	}
	b = b[i+len(key)+3:]
	j := 0
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	n, _ := strconv.Atoi(string(b[:j]))
	return n
}
