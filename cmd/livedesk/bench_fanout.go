package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fanScenario is one fan-out workload: clients sockets spread over rooms; updates rounds of one
// 8 KB message to every room, every interval (all rooms at once, as the live engine's tick).
type fanScenario struct {
	label    string // "one 8 KB update to 2,000 sockets"
	clients  int
	rooms    int
	updates  int
	interval time.Duration
}

// fanServer is a fan-out server under test: livedesk's hub in this process, or Centrifugo.
type fanServer interface {
	name() string
	proto() string // bench-clients --proto
	url() string   // bench-clients --url
	// prepare runs before clients connect (livedesk: publish a latest message to every room,
	// which each socket gets on connect, as a page gets the latest tick).
	prepare(ctx context.Context, rooms int) error
	publish(ctx context.Context, room string, body []byte) error
	pid() int
}

// fanResult is what one server did in a scenario, over all its rounds.
type fanResult struct {
	// Latency of the first update after connect, and the rest, from the start of the update's
	// round of publishes (every room's update is due then, as at the live engine's tick).
	first, later []time.Duration
	// The same deliveries from the start of each message's own publish call. On a server
	// whose publish call is slow this leaves out the time the later rooms waited to be
	// published: Centrifugo's 100 HTTP publishes took 280–385 ms a round, livedesk's 70–160.
	callFirst, callLater []time.Duration
	lost                 int           // deliveries that never arrived
	closed               int64         // sockets closed under the test
	rssMax               int64         // bytes, the server's highest VmRSS sampled while publishing
	clientsDur           time.Duration // time to open and ready every socket
}

func (r *fanResult) all() []time.Duration { return append(slices.Clone(r.first), r.later...) }

// runFanScenario runs sc rounds times against every server, alternating (livedesk, Centrifugo,
// livedesk, Centrifugo …) so the machine's noise is shared.
func runFanScenario(ctx context.Context, sc fanScenario, servers []fanServer, rounds int, stderr io.Writer) ([]*fanResult, error) {
	res := make([]*fanResult, len(servers))
	for i := range res {
		res[i] = &fanResult{}
	}
	for r := 0; r < rounds; r++ {
		for i, s := range servers {
			fmt.Fprintf(stderr, "bench-live: %s, round %d, %s\n", sc.label, r+1, s.name())
			if err := fanRound(ctx, sc, s, res[i]); err != nil {
				return nil, fmt.Errorf("%s: %w", s.name(), err)
			}
		}
	}
	return res, nil
}

// fanRound starts a client process with sc.clients sockets against s, publishes sc.updates
// rounds and adds what the clients noted to res.
func fanRound(ctx context.Context, sc fanScenario, s fanServer, res *fanResult) error {
	if err := s.prepare(ctx, sc.rooms); err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory() // the server's RSS below is its own, not what earlier phases left
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, exe, "bench-clients", "--url", s.url(), "--proto", s.proto(),
		"--clients", strconv.Itoa(sc.clients), "--rooms", strconv.Itoa(sc.rooms))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	out := bufio.NewReaderSize(stdoutPipe, 1<<20)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready ") {
		return fmt.Errorf("bench-clients did not get ready: %q %v", line, err)
	}
	res.clientsDur += time.Since(started)
	time.Sleep(300 * time.Millisecond) // let the connect bursts drain

	var rss atomic.Int64
	stopRSS := make(chan struct{})
	rssDone := make(chan struct{})
	go func() {
		defer close(rssDone)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := readRSS(s.pid()); v > rss.Load() {
				rss.Store(v)
			}
			select {
			case <-stopRSS:
				return
			case <-t.C:
			}
		}
	}()

	collect := func(want int) (ds, calls []time.Duration, closed int64, err error) {
		timeout := 20*time.Second + time.Duration(want/sc.clients)*sc.interval
		fmt.Fprintf(stdin, "collect %d %d\n", want, timeout.Milliseconds())
		line, err := out.ReadString('\n')
		if err != nil {
			return nil, nil, 0, fmt.Errorf("bench-clients: %w", err)
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "lat" {
			return nil, nil, 0, fmt.Errorf("bench-clients answered %q", tail(line, 200))
		}
		closed, _ = strconv.ParseInt(f[1], 10, 64)
		ds = make([]time.Duration, 0, len(f)-2)
		calls = make([]time.Duration, 0, len(f)-2)
		for _, v := range f[2:] {
			l, c, _ := strings.Cut(v, "/")
			us, _ := strconv.ParseInt(l, 10, 64)
			cus, _ := strconv.ParseInt(c, 10, 64)
			ds = append(ds, time.Duration(us)*time.Microsecond)
			calls = append(calls, time.Duration(cus)*time.Microsecond)
		}
		return ds, calls, closed, nil
	}

	pad := strings.Repeat("x", 8000) // a tick-sized body, about 8 KB
	next := time.Now()
	var later int
	for u := 0; u < sc.updates; u++ {
		time.Sleep(time.Until(next))
		next = next.Add(sc.interval)
		if err := publishAll(ctx, s, sc.rooms, pad); err != nil {
			return err
		}
		if u == 0 {
			// The first update after connect, on its own: the slow one.
			ds, calls, _, err := collect(sc.clients)
			if err != nil {
				return err
			}
			res.first = append(res.first, ds...)
			res.callFirst = append(res.callFirst, calls...)
			res.lost += sc.clients - len(ds)
			next = time.Now().Add(sc.interval)
			continue
		}
		later += sc.clients
	}
	ds, calls, closed, err := collect(later)
	close(stopRSS)
	<-rssDone
	if err != nil {
		return err
	}
	res.later = append(res.later, ds...)
	res.callLater = append(res.callLater, calls...)
	res.lost += later - len(ds)
	res.closed += closed
	res.rssMax = max(res.rssMax, rss.Load())
	if dir := os.Getenv("LIVEDESK_BENCH_PROFILE"); dir != "" && s.pid() == os.Getpid() {
		// While the sockets are still open: what the hub holds per socket.
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d-%d.pprof", sc.clients, sc.rooms)))
		if err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "bench-live: profile: %d goroutines, heap in use %d MB, stacks %d MB, sys %d MB, GC cycles %d, pause total %v\n",
			runtime.NumGoroutine(), ms.HeapInuse>>20, ms.StackInuse>>20, ms.Sys>>20, ms.NumGC, time.Duration(ms.PauseTotalNs))
	}
	return nil
}

// publishAll publishes one update to each room from 8 goroutines at once; every body carries
// the round's start ("sent") and the start of its own publish call ("call").
func publishAll(ctx context.Context, s fanServer, rooms int, pad string) error {
	round := strconv.FormatInt(time.Now().UnixNano(), 10)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < min(8, rooms); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= rooms {
					return
				}
				body := `{"sent":` + round + `,"call":` + strconv.FormatInt(time.Now().UnixNano(), 10) + `,"pad":"` + pad + `"}`
				if err := s.publish(ctx, "r"+strconv.Itoa(i), []byte(body)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// readRSS returns VmRSS of process pid in bytes (0 when unreadable).
func readRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("VmRSS:"))
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+6 : i+6+bytes.IndexByte(b[i+6:], '\n')]))
	if len(f) == 0 {
		return 0
	}
	kb, _ := strconv.ParseInt(f[0], 10, 64)
	return kb << 10
}

// quantile returns the q-quantile of sorted ds (0 when empty).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}

// printFan prints one server's figures of a scenario.
func printFan(w io.Writer, name string, r *fanResult) {
	all := r.all()
	slices.Sort(all)
	first := slices.Sorted(slices.Values(r.first))
	later := slices.Sorted(slices.Values(r.later))
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) }
	calls := slices.Sorted(slices.Values(append(slices.Clone(r.callFirst), r.callLater...)))
	fmt.Fprintf(w, "  %-22s n=%d p50=%s p99=%s max=%s ms | first update p99=%s | later p99=%s | from each publish call p50=%s p99=%s | lost %d, sockets closed %d, server RSS max %d MB, clients ready in %v\n",
		name, len(all), ms(quantile(all, 0.5)), ms(quantile(all, 0.99)), ms(quantile(all, 1)),
		ms(quantile(first, 0.99)), ms(quantile(later, 0.99)), ms(quantile(calls, 0.5)), ms(quantile(calls, 0.99)),
		r.lost, r.closed, r.rssMax>>20, r.clientsDur.Round(time.Millisecond))
}

// p99 of every delivery of r.
func (r *fanResult) p99() time.Duration {
	all := r.all()
	slices.Sort(all)
	return quantile(all, 0.99)
}

// ratio formats a/b as "0.93×" ("" when b is 0).
func ratio(a, b float64) string {
	if b == 0 {
		return ""
	}
	return strconv.FormatFloat(a/b, 'f', 2, 64) + "×"
}

// fanOpts are bench-live's fan-out flags.
type fanOpts struct {
	clients, bigClients, rooms, messages, rounds int
	centrifugo                                   bool
	dir                                          string
}

// livedeskFan is the hub of the bench process, served at /ws/:room for shop "bench".
type livedeskFan struct{ b *benchLive }

func (l livedeskFan) name() string  { return "livedesk" }
func (l livedeskFan) proto() string { return "livedesk" }
func (l livedeskFan) url() string   { return "ws://" + l.b.url + "/ws/{room}" }
func (l livedeskFan) pid() int      { return os.Getpid() }

func (l livedeskFan) prepare(ctx context.Context, rooms int) error {
	for i := 0; i < rooms; i++ {
		if err := l.b.hub.Publish(ctx, "bench", "r"+strconv.Itoa(i), "tick", []byte(`{"warm":true}`)); err != nil {
			return err
		}
	}
	return nil
}

func (l livedeskFan) publish(ctx context.Context, room string, body []byte) error {
	return l.b.hub.Publish(ctx, "bench", room, "tick", body)
}

// centrifugoFan is a Centrifugo process; rooms are channels "r0" ….
type centrifugoFan struct{ c *centrifugo }

func (c centrifugoFan) name() string                       { return "Centrifugo " + centrifugoVersion }
func (c centrifugoFan) proto() string                      { return "centrifugo" }
func (c centrifugoFan) url() string                        { return c.c.wsURL() }
func (c centrifugoFan) pid() int                           { return c.c.pid() }
func (c centrifugoFan) prepare(context.Context, int) error { return nil }
func (c centrifugoFan) publish(ctx context.Context, room string, body []byte) error {
	return c.c.publish(ctx, room, body)
}

// fanoutPhases runs the three fan-out workloads against the hub and (unless disabled or it
// cannot be built) Centrifugo, prints every figure and records the headline ones.
func (b *benchLive) fanoutPhases(ctx context.Context, o fanOpts, stdout, stderr io.Writer) error {
	servers := []fanServer{livedeskFan{b}}
	anchor := ""
	if o.centrifugo {
		exe, err := centrifugoBinary(ctx, stderr)
		if err == nil {
			var c *centrifugo
			if c, err = startCentrifugo(ctx, exe, o.dir); err == nil {
				defer c.stop()
				servers = append(servers, centrifugoFan{c})
			}
		}
		if err != nil {
			anchor = "Centrifugo unavailable"
			fmt.Fprintf(stdout, "fan-out: CENTRIFUGO UNAVAILABLE, livedesk's figures only: %v\n", err)
		}
	}
	scenarios := []fanScenario{{fmt.Sprintf("one 8 KB update to %s sockets", thousands(o.clients)), o.clients, 1, o.messages, 500 * time.Millisecond}}
	if o.bigClients > 0 {
		scenarios = append(scenarios,
			fanScenario{fmt.Sprintf("one 8 KB update to %s sockets", thousands(o.bigClients)), o.bigClients, 1, o.messages, time.Second},
			fanScenario{fmt.Sprintf("%s sockets over %d rooms (1 update/room/s)", thousands(o.bigClients), o.rooms), o.bigClients, o.rooms, o.messages, time.Second})
	}
	if dir := os.Getenv("LIVEDESK_BENCH_PROFILE"); dir != "" {
		// Profiles of the bench process (the hub's side) for `go tool pprof -top`.
		f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var rows []benchFigure
	for i, sc := range scenarios {
		fmt.Fprintf(stdout, "fan-out: %s, %d updates × %d rounds per server, alternating\n", sc.label, sc.updates, o.rounds)
		res, err := runFanScenario(ctx, sc, servers, o.rounds, stderr)
		if err != nil {
			return fmt.Errorf("bench-live: fan-out %s: %w", sc.label, err)
		}
		for j, s := range servers {
			printFan(stdout, s.name(), res[j])
		}
		row := benchFigure{Figure: sc.label + ", p99", Value: msString(res[0].p99()), Target: "≤ 1.0× Centrifugo", Anchor: anchor}
		if i == 2 {
			// Each round publishes 100 messages: the latency counts from the round's start.
			row.Figure = sc.label + ", p99 from the round's start"
			row.Target = "≤ 150 ms and ≤ 1.0× Centrifugo"
		}
		if len(servers) > 1 {
			row.Anchor = fmt.Sprintf("Centrifugo %s %s", centrifugoVersion, msString(res[1].p99()))
			row.Ratio = ratio(float64(res[0].p99()), float64(res[1].p99()))
		}
		rows = append(rows, row)
		if i == 2 {
			rss := benchFigure{Figure: sc.label + ", server RSS", Value: fmt.Sprintf("%d MB", res[0].rssMax>>20), Target: "≤ 300 MB", Anchor: anchor}
			if len(servers) > 1 {
				rss.Anchor = fmt.Sprintf("Centrifugo %s %d MB", centrifugoVersion, res[1].rssMax>>20)
				rss.Ratio = ratio(float64(res[0].rssMax), float64(res[1].rssMax))
			}
			rows = append(rows, rss)
		}
	}
	return recordBench(stdout, rows...)
}

func msString(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/1e6, 'f', 0, 64) + " ms"
}

// thousands formats n with a comma every three digits (10000 → "10,000").
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
