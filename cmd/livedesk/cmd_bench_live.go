package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
	"github.com/livedesk/livedesk/views"
)

// runBenchLive starts private ClickHouse and Redis and, in this process, the ingest API, the
// live engine (counters, 1 s leader tick) and the hub's websockets (no login: the bench measures
// the pipeline, not the pages). Then:
//
//  1. event → websocket: while background clients post --rate events/s over HTTP (a bench-load
//     child process, clients spread evenly over the pacing interval, ids of the run's own), a
//     probe click (a fresh product id) is posted every 100 ms; a websocket client of the room
//     notes when the probe first shows in a tick. Latency = seen − posted: ingest, Redis, the
//     batch tick (at most one per --publish-gap per room), publish, websocket. Every tenth probe
//     also brings a fresh product to 100 clicks and then posts the crossing click: crossing click
//     → no-sale flag on the socket. With --compare-tick the phase runs first with the 1 s tick
//     only.
//  2. fan-out (bench_fanout.go): 8 KB updates carrying their send time to --clients sockets
//     in one room, to --big-clients in one room, and to --big-clients over --rooms rooms (one
//     update per room per second), each against livedesk's hub and Centrifugo alternately, the
//     sockets held by a client process (bench-clients). Latency = arrival − publish.
func runBenchLive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-live", "bench-live [--rate N] [--duration D] [--clients C] [--messages M]", stderr)
	rate := fs.Int("rate", 20000, "background events per second posted over HTTP")
	duration := fs.Duration("duration", 20*time.Second, "how long the loaded probe phase runs")
	clients := fs.Int("clients", 2000, "websocket clients of the first fan-out phase (one room)")
	bigClients := fs.Int("big-clients", 10000, "websocket clients of the large fan-out phases (one room, then --rooms rooms); 0 skips them")
	rooms := fs.Int("rooms", 100, "rooms of the last fan-out phase (one update per room per second)")
	messages := fs.Int("messages", 10, "updates per round of each fan-out phase")
	rounds := fs.Int("fan-rounds", 2, "rounds per server of each fan-out phase (livedesk and Centrifugo alternate)")
	withCentrifugo := fs.Bool("centrifugo", true, "compare with Centrifugo "+centrifugoVersion+" (built once with go install into the user cache)")
	fanOnly := fs.Bool("fan-only", false, "skip the event → websocket phase")
	gap := fs.Duration("publish-gap", 200*time.Millisecond, "least time between two batch ticks of a room (the engine's PublishGap)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the probe phase (batch ticks) here")
	compare := fs.Bool("compare-tick", true, "run the probe phase first with the 1 s tick only, as the same-run anchor")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *rate < 0 || *duration <= 0 || *clients <= 0 || *messages < 2 || *bigClients < 0 || *rooms <= 0 || *rounds <= 0 {
		return errors.New("--rate, --big-clients must be ≥ 0; --duration, --clients, --rooms, --fan-rounds positive; --messages ≥ 2")
	}
	// The bench process serves every socket of the fan-out phases; Centrifugo and the client
	// processes inherit the raised limit.
	if err := raiseFileLimit(*bigClients + 1024); err != nil {
		return fmt.Errorf("bench-live: %w", err)
	}
	dir, err := os.MkdirTemp("", "livedesk-bench-live-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	benchQuiesce(ctx, nil, stderr, "bench-live")
	fmt.Fprintf(stderr, "bench-live: starting private ClickHouse and Redis under %s\n", dir)
	chSrv, redisSrv, err := localdb.StartBoth(ctx, dir, 0, 0)
	if err != nil {
		return err
	}
	defer chSrv.Stop()
	defer redisSrv.Stop()
	fan := fanOpts{clients: *clients, bigClients: *bigClients, rooms: *rooms, messages: *messages,
		rounds: *rounds, centrifugo: *withCentrifugo, dir: dir}
	var tickOnly []time.Duration // the same probe with the 1 s tick only (no batch ticks), same run
	if *compare && !*fanOnly {
		b, err := newBenchLive(ctx, dir, chSrv.Addr, redisSrv.Addr, -1)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "event → websocket with the 1 s tick only, background load %d events/s for %v\n", *rate, *duration)
		lat, _, _, flagLat, _, err := b.probe(ctx, *rate, *duration)
		b.close()
		if err != nil {
			return err
		}
		printLatencies(stdout, "  probe event → websocket", lat)
		printLatencies(stdout, "  crossing click → no-sale flag on the websocket", flagLat)
		tickOnly = lat
	}
	b, err := newBenchLive(ctx, dir, chSrv.Addr, redisSrv.Addr, *gap)
	if err != nil {
		return err
	}
	defer b.close()

	if *fanOnly {
		return b.fanoutPhases(ctx, fan, stdout, stderr)
	}
	fmt.Fprintf(stdout, "event → websocket, background load %d events/s for %v (batch ticks, gap %v; 1 s tick)\n", *rate, *duration, *gap)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	lat, acks, ticks, flagLat, achieved, err := b.probe(ctx, *rate, *duration)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  background posted: %.0f events/s achieved\n", achieved)
	printLatencies(stdout, "  probe event → websocket", lat)
	printLatencies(stdout, "  of which POST until durable ack", acks)
	printLatencies(stdout, "  leader tick duration (all rooms)", ticks)
	printLatencies(stdout, "  crossing click → no-sale flag on the websocket", flagLat)
	if ps := b.rdb.PoolStats(); ps != nil {
		fmt.Fprintf(stdout, "  Redis pool: %d connections, waited for one %d times (%v in all), %d timeouts\n",
			ps.TotalConns, ps.WaitCount, time.Duration(ps.WaitDurationNs).Round(time.Millisecond), ps.Timeouts)
	}
	if err := recordBench(stdout,
		benchFigure{Figure: fmt.Sprintf("event → websocket at %d events/s background, p99", *rate), Value: benchMS(benchP99(lat)), Target: "≤ 250 ms",
			Anchor: anchorMS("1 s tick only", tickOnly), Ratio: ratioOf(benchP99(lat), benchP99(tickOnly))},
		benchFigure{Figure: "click that crosses a rule → flag on screen, p99", Value: benchMS(benchP99(flagLat)), Target: "≤ 500 ms"},
	); err != nil {
		return err
	}

	return b.fanoutPhases(ctx, fan, stdout, stderr)
}

// benchLive is the in-process pipeline under test.
type benchLive struct {
	app    *fiber.App
	url    string
	key    string
	hub    *hub.Hub
	engine *live.Engine
	writer *ingest.Writer
	conn   interface{ Close() error }
	rdb    *redis.Client
	cancel context.CancelFunc
	done   chan struct{}
}

// newBenchLive starts the pipeline; gap is the engine's PublishGap (negative: 1 s tick only).
func newBenchLive(ctx context.Context, dir, chAddr, redisAddr string, gap time.Duration) (*benchLive, error) {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	conn, err := schema.Open(ctx, schema.Options{Addr: chAddr, Database: "benchlive"})
	if err != nil {
		return nil, err
	}
	if _, err := schema.Migrate(ctx, conn, nil); err != nil {
		return nil, err
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, PoolSize: 64})
	spool, err := ingest.OpenSpool(filepath.Join(dir, "spool"))
	if err != nil {
		return nil, err
	}
	keys := ingest.NewKeys(conn)
	key, err := keys.Create(ctx, "bench", "bench-live")
	if err != nil {
		return nil, err
	}
	h, err := hub.New(ctx, rdb, log)
	if err != nil {
		return nil, err
	}
	engine := live.NewEngine(rdb, conn, h, log)
	engine.PublishGap = gap
	writer := ingest.NewWriter(conn, spool, log, ingest.WriterConfig{})
	svc := &ingest.Service{Dedup: ingest.NewDedup(rdb), Writer: writer, Log: log, Observers: []ingest.Observer{engine.Counters()}}
	app := fiber.New(fiberConfig(32 << 20))
	(&ingest.Handler{Service: svc, Keys: keys, MaxBody: 16 << 20, Log: log}).Register(app)
	app.Get("/ws/:room", websocket.New(func(c *websocket.Conn) { h.Serve(c, "bench", c.Params("room")) },
		websocket.Config{WriteBufferPool: views.SocketWriteBuffers}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go app.Listener(ln)
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); engine.Run(runCtx) }()
	return &benchLive{app: app, url: ln.Addr().String(), key: key, hub: h, engine: engine, writer: writer,
		conn: conn, rdb: rdb, cancel: cancel, done: done}, nil
}

func (b *benchLive) close() {
	b.cancel()
	<-b.done
	_ = b.app.ShutdownWithTimeout(5 * time.Second)
	b.hub.Close()
	b.writer.Close()
	b.rdb.Close()
	b.conn.Close()
}

// post sends one NDJSON body to the ingest API.
func (b *benchLive) post(client *http.Client, body []byte) error {
	return postEvents(client, "http://"+b.url, b.key, body)
}

// probe measures event → websocket latency of probe clicks in room r1 under background load.
func (b *benchLive) probe(ctx context.Context, rate int, d time.Duration) (lat, acks, ticks, flagLat []time.Duration, achieved float64, err error) {
	ws, _, err := fws.DefaultDialer.Dial("ws://"+b.url+"/ws/r1", nil)
	if err != nil {
		return nil, nil, nil, nil, 0, err
	}
	defer ws.Close()
	// Every probe run has its own ids and products: the phases share Redis and ClickHouse, and a
	// resent id is a duplicate that neither counts nor ticks.
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	var mu sync.Mutex
	posted := map[string]time.Time{}
	crossed := map[string]time.Time{} // flag probe product → when its crossing click was posted
	go func() {
		for {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			now := time.Now()
			var env struct {
				Data struct {
					Products []struct {
						Product string `json:"product"`
					} `json:"products"`
					Flags []struct {
						Product string `json:"product"`
					} `json:"flags"`
				} `json:"data"`
			}
			if json.Unmarshal(msg, &env) != nil {
				continue
			}
			mu.Lock()
			ticks = append(ticks, b.engine.LastTick())
			for _, p := range env.Data.Products {
				if t0, ok := posted[p.Product]; ok {
					lat = append(lat, now.Sub(t0))
					delete(posted, p.Product)
				}
			}
			for _, f := range env.Data.Flags {
				if t0, ok := crossed[f.Product]; ok && !t0.IsZero() {
					flagLat = append(flagLat, now.Sub(t0))
					delete(crossed, f.Product)
				}
			}
			mu.Unlock()
		}
	}()
	lctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var loaded int64
	loadDone := make(chan struct{})
	start := time.Now()
	var loadErr error
	go func() { loaded, loadErr = loadProcess(ctx, "http://"+b.url, b.key, tag, rate, d); close(loadDone) }()
	client := &http.Client{Timeout: 30 * time.Second}
	t := time.NewTicker(100 * time.Millisecond) // 10 probes a second: a p99 over hundreds, not the max of a few dozen
	for i := 0; lctx.Err() == nil; i++ {
		select {
		case <-lctx.Done():
		case <-t.C:
			id := fmt.Sprintf("probe-%s-%d", tag, i)
			mu.Lock()
			posted[id] = time.Now()
			mu.Unlock()
			body := fmt.Sprintf(`{"id":"%s","type":"click","ts":%d,"room":"r1","user":"probe","product":"%s"}`, id, time.Now().UnixMilli(), id)
			go func(t0 time.Time) {
				if err := b.post(client, []byte(body)); err != nil {
					fmt.Fprintln(os.Stderr, "bench-live: probe:", err)
					return
				}
				mu.Lock()
				acks = append(acks, time.Since(t0))
				mu.Unlock()
			}(time.Now())
			if i%10 == 0 {
				go b.flagProbe(client, fmt.Sprintf("flag-%s-%d", tag, i), &mu, crossed)
			}
		}
	}
	t.Stop()
	<-loadDone
	elapsed := time.Since(start)
	if loadErr != nil {
		return nil, nil, nil, nil, 0, loadErr
	}
	time.Sleep(2 * time.Second) // let the last probes arrive
	mu.Lock()
	defer mu.Unlock()
	if len(lat) == 0 || len(acks) == 0 || len(ticks) == 0 || len(flagLat) == 0 {
		return nil, nil, nil, nil, 0, errors.New("bench-live: no probe reached the websocket")
	}
	return slices.Clone(lat), slices.Clone(acks), slices.Clone(ticks), slices.Clone(flagLat), float64(loaded) / elapsed.Seconds(), nil
}

// stampOf reads the number after `"key":` in a fan-out message without decoding the whole body
// (10,000 clients share the machine with the server): 0 when absent.
func stampOf(msg []byte, key string) int64 {
	p := []byte(`"` + key + `":`)
	i := bytes.Index(msg, p)
	if i < 0 {
		return 0
	}
	var n int64
	for _, c := range msg[i+len(p):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// printLatencies prints count, p50, p99 and max of ds.
func printLatencies(w io.Writer, label string, ds []time.Duration) {
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	fmt.Fprintf(w, "%s: n=%d p50=%v p99=%v max=%v\n", label, len(ds), q(0.50).Round(100*time.Microsecond),
		q(0.99).Round(100*time.Microsecond), ds[len(ds)-1].Round(100*time.Microsecond))
}
