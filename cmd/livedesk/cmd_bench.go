package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/ingest/sim"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
)

func init() {
	commands["bench"] = command{summary: "measure ingest throughput on private ClickHouse/Redis and compare with a native insert", run: runBench}
}

// benchIDWidth is the fixed width of the event ids in the bench bodies, patched in place.
const benchIDWidth = 16

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", "bench [--clients C] [--duration D] [--batch N]", stderr)
	clients := fs.Int("clients", 64, "concurrent HTTP clients (more in flight means larger group commits)")
	duration := fs.Duration("duration", time.Minute, "how long the clients post (a minute includes a closed minute being settled and ClickHouse merging its parts)")
	batch := fs.Int("batch", 1000, "events per request")
	cpuProfile := fs.String("cpuprofile", "", "run the server in this process and write its CPU profile here (RSS then includes the clients)")
	keep := fs.String("dir", "", "directory for the private servers (default: a temp dir, removed afterwards)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *clients <= 0 || *batch <= 0 || *duration <= 0 {
		return errors.New("--clients, --batch and --duration must be positive")
	}
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "livedesk-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	fmt.Fprintf(stderr, "bench: starting private ClickHouse and Redis under %s\n", dir)
	chSrv, redisSrv, err := localdb.StartBoth(ctx, dir, 0, 0)
	if err != nil {
		return err
	}
	defer chSrv.Stop()
	defer redisSrv.Stop()
	opts := schema.Options{Addr: chSrv.Addr, Database: "bench"}
	conn, err := schema.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := schema.Migrate(ctx, conn, nil); err != nil {
		return err
	}
	key, err := ingest.NewKeys(conn).Create(ctx, "bench", "bench")
	if err != nil {
		return err
	}
	port, err := localdb.FreePort()
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	serveArgs := []string{"--addr", addr, "--clickhouse-addr", chSrv.Addr, "--clickhouse-db", "bench",
		"--redis-url", "redis://" + redisSrv.Addr + "/0", "--data-dir", filepath.Join(dir, "livedesk"), "--log-level", "warn"}
	var pid int
	var inproc *Main
	if *cpuProfile != "" {
		m, stop, err := benchInProcess(ctx, serveArgs, *cpuProfile, stderr)
		if err != nil {
			return err
		}
		defer stop()
		pid, inproc = os.Getpid(), m
	} else {
		srv, err := benchServer(serveArgs, filepath.Join(dir, "serve.log"))
		if err != nil {
			return err
		}
		defer srv.stop()
		pid = srv.cmd.Process.Pid
	}
	if err := waitReady(ctx, "http://"+addr); err != nil {
		return err
	}

	template, slots := benchTemplate(*batch)
	fmt.Fprintf(stderr, "bench: %d clients posting batches of %d events (%d KB) for %v\n", *clients, *batch, len(template)/1024, *duration)
	var (
		acked, dups, refused atomic.Int64
		mu                   sync.Mutex
		lat                  []time.Duration
		wg                   sync.WaitGroup
		firstErr             error
	)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients, DisableCompression: true}, Timeout: 2 * time.Minute}
	deadline := time.Now().Add(*duration)
	pids := []int{pid, chSrv.Pid(), redisSrv.Pid()}
	cpu0 := procCPUs(pids)
	began := time.Now()
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			body := make([]byte, len(template))
			var mine []time.Duration
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for seq := 0; time.Now().Before(deadline); seq++ {
				copy(body, template)
				sent := time.Now().UnixMilli()
				for i, sl := range slots {
					patchID(body[sl.id:sl.id+benchIDWidth], c, seq**batch+i)
					patchTS(body[sl.ts:sl.ts+13], sent, sl.ms)
				}
				t0 := time.Now()
				status, res, retry, err := benchPost(ctx, hc, "http://"+addr, key, body)
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				if status != http.StatusOK {
					refused.Add(1)
					time.Sleep(retry)
					seq-- // the same ids again: nothing of a refused request was stored
					continue
				}
				mine = append(mine, time.Since(t0))
				acked.Add(int64(res.Accepted))
				dups.Add(int64(res.Duplicates))
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(began)
	cpu1 := procCPUs(pids)
	if firstErr != nil {
		return firstErr
	}
	hwm, rss := procMemory(pid)
	slices.Sort(lat)
	n := acked.Load()
	rate := float64(n) / elapsed.Seconds()
	// Spilled batches reach ClickHouse a moment after their acknowledgement.
	var stored uint64
	for wait := time.Now().Add(60 * time.Second); ; {
		if err := conn.QueryRow(ctx, "SELECT count() FROM events WHERE shop = 'bench'").Scan(&stored); err != nil {
			return err
		}
		if int64(stored) >= acked.Load() || time.Now().After(wait) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintf(stdout, "ingest API: %d events acknowledged in %.1fs = %.0f events/s (%d requests, %d refused with 429/503, %d duplicates)\n",
		n, elapsed.Seconds(), rate, len(lat), refused.Load(), dups.Load())
	fmt.Fprintf(stdout, "ack latency per %d-event request: p50 %v, p99 %v, max %v\n", *batch, pct(lat, 0.50), pct(lat, 0.99), pct(lat, 1))
	fmt.Fprintf(stdout, "server memory: peak RSS (VmHWM) %d MB, RSS now %d MB\n", hwm/1024, rss/1024)
	share := func(i int) float64 { return 100 * (cpu1[i] - cpu0[i]).Seconds() / elapsed.Seconds() }
	fmt.Fprintf(stdout, "CPU while posting (%d cores = %d%%): livedesk %.0f%%, ClickHouse %.0f%%, Redis %.0f%%\n",
		runtime.NumCPU(), 100*runtime.NumCPU(), share(0), share(1), share(2))
	fmt.Fprintf(stdout, "durable: ClickHouse holds %d rows of %d acknowledged\n", stored, n)
	if inproc != nil {
		st := inproc.Writer.Stats()
		if st.Inserts > 0 {
			fmt.Fprintf(stdout, "writer: %d INSERTs of %d rows on average taking %v; %d batches (%d rows) spilled to the spool under load, %d rows replayed in %d INSERTs\n",
				st.Inserts, st.InsertedRows/st.Inserts, (st.InsertTime / time.Duration(st.Inserts)).Round(time.Millisecond),
				st.SpilledBatches, st.SpilledRows, st.ReplayedRows, st.ReplayInserts)
		}
		if ss := inproc.Ingest.Stats(); ss.Requests > 0 {
			per := func(d time.Duration) time.Duration {
				return (d / time.Duration(ss.Requests)).Round(100 * time.Microsecond)
			}
			fmt.Fprintf(stdout, "per request: parse %v, dedup claim %v, durable write %v, commit + observers %v\n",
				per(ss.Parse), per(ss.Claim), per(ss.Write), per(ss.Observe))
		}
	}

	// The same number of rows straight into ClickHouse: native columnar INSERTs of 50,000 rows
	// from two goroutines, as the writer's flushers send them.
	events := benchEvents(template)
	direct, err := benchDirect(ctx, conn, events, int(n))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "native batch insert: %d rows in %.1fs = %.0f rows/s; ingest API reaches %.0f%% of it\n",
		n, direct.Seconds(), float64(n)/direct.Seconds(), 100*rate/(float64(n)/direct.Seconds()))
	return nil
}

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
	s := fmt.Appendf(nil, "c%02d-%011d", client%100, seq)
	copy(dst, s[:benchIDWidth])
}

// benchEvents parses the template back into events for the direct insert.
func benchEvents(template []byte) []ingest.Event {
	evs, _ := ingest.Parse(template, "direct", time.Now())
	return evs
}

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

// procCPUs returns the CPU time each process has used so far (0 for one that is gone).
func procCPUs(pids []int) []time.Duration {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		out[i], _ = localdb.ProcessCPU(pid)
	}
	return out
}

// procMemory returns VmHWM and VmRSS of pid in KB.
func procMemory(pid int) (hwm, rss int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmHWM:":
			hwm = v
		case "VmRSS:":
			rss = v
		}
	}
	return hwm, rss
}

// benchProc is `livedesk serve` as a child process.
type benchProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func benchServer(args []string, logFile string) (*benchProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, append([]string{"serve"}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &benchProc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(p.done) }()
	return p, nil
}

// stop asks the server to drain (SIGTERM) and kills it if it takes too long.
func (p *benchProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// benchInProcess runs the server in this process with the CPU profiler on.
func benchInProcess(ctx context.Context, args []string, profile string, stderr io.Writer) (*Main, func(), error) {
	fs := newFlagSet("serve", "serve", stderr)
	cfg, err := configFromFlags(fs, args)
	if err != nil {
		return nil, nil, err
	}
	m := &Main{Config: cfg, Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if err := m.Open(ctx); err != nil {
		return nil, nil, err
	}
	f, err := os.Create(profile)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		m.Close()
		return nil, nil, err
	}
	return m, func() {
		pprof.StopCPUProfile()
		f.Close()
		m.Close()
	}, nil
}

// waitReady polls /readyz until the server answers 200.
func waitReady(ctx context.Context, base string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("bench: server not ready within 60s")
}
