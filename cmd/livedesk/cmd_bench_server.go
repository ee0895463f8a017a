package main

import (
	"bufio"
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
)

// This file starts and watches what the bench measures: private ClickHouse and Redis, the
// livedesk server (a child process or, with --cpuprofile, this one) and their /proc figures.

// benchEnv is the bench's running setup: private ClickHouse and Redis with the migrated "bench"
// database and an API key, and the livedesk server under test.
type benchEnv struct {
	conn   driver.Conn
	key    string   // the API key of shop "bench"
	bases  []string // the servers' URLs (--instances)
	pids   []int    // the servers', ClickHouse's and Redis's processes
	inproc *Main    // the in-process server (--cpuprofile), else nil
	undo   []func() // cleanups, run last first by close
}

// startBenchEnv starts everything the bench posts to and waits until the server is ready. On
// an error what was started is stopped again.
func startBenchEnv(ctx context.Context, f benchFlags, stderr io.Writer) (*benchEnv, error) {
	env := &benchEnv{}
	if err := env.start(ctx, f, stderr); err != nil {
		env.close()
		return nil, err
	}
	return env, nil
}

// close stops and removes what start started, in reverse order.
func (env *benchEnv) close() {
	for i := len(env.undo) - 1; i >= 0; i-- {
		env.undo[i]()
	}
	env.undo = nil
}

// start starts the private servers under f.dir (or a temp dir), sets up the database and starts
// the livedesk server.
func (env *benchEnv) start(ctx context.Context, f benchFlags, stderr io.Writer) error {
	dir := f.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "livedesk-bench-")
		if err != nil {
			return err
		}
		env.undo = append(env.undo, func() { os.RemoveAll(d) })
		dir = d
	}
	fmt.Fprintf(stderr, "bench: starting private ClickHouse and Redis under %s\n", dir)
	chSrv, redisSrv, err := localdb.StartBoth(ctx, dir, 0, 0)
	if err != nil {
		return err
	}
	env.undo = append(env.undo, chSrv.Stop, redisSrv.Stop)
	if err := env.openDatabase(ctx, chSrv.Addr); err != nil {
		return err
	}
	for i := range max(f.instances, 1) {
		port, err := localdb.FreePort()
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		serveArgs := []string{"--addr", addr, "--clickhouse-addr", chSrv.Addr, "--clickhouse-db", "bench",
			"--redis-url", "redis://" + redisSrv.Addr + "/0", "--data-dir", filepath.Join(dir, fmt.Sprintf("livedesk%d", i)), "--log-level", "warn",
			"--shop-events-per-sec", "0"} // one shop takes the whole bench: no per-shop quota
		pid, err := env.startServer(ctx, serveArgs, f.cpuProfile, filepath.Join(dir, fmt.Sprintf("serve%d.log", i)), stderr)
		if err != nil {
			return err
		}
		env.bases = append(env.bases, "http://"+addr)
		env.pids = append(env.pids, pid)
	}
	env.pids = append(env.pids, chSrv.Pid(), redisSrv.Pid())
	for _, b := range env.bases {
		if err := waitReady(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// openDatabase connects to the "bench" database at addr, migrates it and creates the API key.
func (env *benchEnv) openDatabase(ctx context.Context, addr string) error {
	conn, err := schema.Open(ctx, schema.Options{Addr: addr, Database: "bench"})
	if err != nil {
		return err
	}
	env.undo = append(env.undo, func() { conn.Close() })
	env.conn = conn
	if _, err := schema.Migrate(ctx, conn, nil); err != nil {
		return err
	}
	env.key, err = ingest.NewKeys(conn).Create(ctx, "bench", "bench")
	return err
}

// startServer starts `livedesk serve` with serveArgs: in this process with the CPU profiler
// writing to cpuProfile when one is given, else as a child process logging to logFile. It
// returns the server's pid.
func (env *benchEnv) startServer(ctx context.Context, serveArgs []string, cpuProfile, logFile string, stderr io.Writer) (int, error) {
	if cpuProfile != "" {
		m, stop, err := benchInProcess(ctx, serveArgs, cpuProfile, stderr)
		if err != nil {
			return 0, err
		}
		env.undo = append(env.undo, stop)
		env.inproc = m
		return os.Getpid(), nil
	}
	srv, err := benchServer(serveArgs, logFile)
	if err != nil {
		return 0, err
	}
	env.undo = append(env.undo, srv.stop)
	return srv.cmd.Process.Pid, nil
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

// benchServer starts `livedesk serve` with args as a child process logging to logFile; it is
// killed when this process dies.
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
	setMemoryLimit(cfg.MemoryLimitMB, m.Log)
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
	stopHeap := sampleHeap(profile + ".heap")
	return m, func() {
		stopHeap()
		pprof.StopCPUProfile()
		f.Close()
		m.Close()
	}, nil
}

// sampleHeap writes a heap profile to path whenever the heap in use reaches a new peak (checked
// every 500 ms) until the returned func is called: the profile of the peak, not of the end.
func sampleHeap(path string) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var peak uint64
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse <= peak+peak/20 {
				continue
			}
			peak = ms.HeapInuse
			if f, err := os.Create(path); err == nil {
				_ = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}()
	return func() { close(done); <-stopped }
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
