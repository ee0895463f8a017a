//go:build cluster

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/ingest/sim"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/report"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
)

// The clustered layout of make test-cluster: a 3-master Redis Cluster with a replica each, two
// ClickHouse shards, three `livedesk serve` processes (the built binary) and nginx in front.

// instance is one livedesk serve process.
type instance struct {
	bin, addr, dataDir, logPath string
	env                         []string
	cmd                         *exec.Cmd
	done                        chan struct{}
}

func (in *instance) start(t *testing.T) {
	t.Helper()
	logf, err := os.OpenFile(in.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(in.bin, "serve")
	cmd.Env = append(os.Environ(), in.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in.cmd, in.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(in.done) }()
}

// ready waits for /readyz (ClickHouse and Redis both answer).
func (in *instance) ready(t *testing.T) {
	t.Helper()
	waitUntil(t, 90*time.Second, "instance "+in.addr+" ready (see "+in.logPath+")", func() bool {
		res, err := http.Get("http://" + in.addr + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// kill ends the process at once, as a crashed machine would.
func (in *instance) kill() {
	if in.cmd == nil {
		return
	}
	_ = in.cmd.Process.Kill()
	<-in.done
	in.cmd = nil
}

// stop ends the process the way an orchestrator does (SIGTERM: drain and flush).
func (in *instance) stop() {
	if in.cmd == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(30 * time.Second):
		_ = in.cmd.Process.Kill()
		<-in.done
	}
	in.cmd = nil
}

// hubClients reads livedesk_hub_clients from an instance's /metrics (open to loopback peers).
func hubClients(t *testing.T, addr string) float64 {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "livedesk_hub_clients "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return n
		}
	}
	return 0
}

// buildLivedesk builds this package's binary into dir.
func buildLivedesk(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "livedesk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestClusterFailover streams the simulator through nginx while the instance holding an
// operator's page socket is killed (the page reconnects through nginx to another) and started
// again, and the Redis master of the room fails over. Afterwards every acknowledged event
// is stored once, the closed minutes the engine published equal ClickHouse, and the report built
// on the shards equals the report of a single ClickHouse holding the same events.
func TestClusterFailover(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildLivedesk(t, dir)
	rc, err := localdb.StartRedisCluster(ctx, filepath.Join(dir, "redis"), 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.Stop)
	shards, err := localdb.StartClickHouseShards(ctx, filepath.Join(dir, "ch"), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, s := range shards {
			s.Stop()
		}
	})
	const db, shop, room = "ld", "shop1", "live1"
	chFlags := []string{"--clickhouse-addr", shards[0].Addr, "--clickhouse-db", db, "--clickhouse-cluster", localdb.ShardCluster, "--redis-url", rc.URL()}
	// The schema first, once (the instances would each take the migration lock in turn).
	var out, errb bytes.Buffer
	if code := run(ctx, append([]string{"migrate"}, chFlags...), &out, &errb); code != 0 {
		t.Fatalf("migrate: %s", errb.String())
	}
	out.Reset()
	if code := run(ctx, append([]string{"key", "create", "--shop", shop, "--name", "sim"}, chFlags...), &out, &errb); code != 0 {
		t.Fatalf("key create: %s", errb.String())
	}
	key := strings.TrimSpace(out.String())
	{
		o := schema.Options{Addr: shards[0].Addr, Database: db, Cluster: localdb.ShardCluster}
		conn, err := schema.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		_, err = account.NewUsers(conn).Put(ctx, shop, "op", account.RoleOperator, "op-password-1")
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
	}

	insts := make([]*instance, 3)
	var upstreams []string
	for i := range insts {
		port, err := localdb.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		in := &instance{bin: bin, addr: fmt.Sprintf("127.0.0.1:%d", port), dataDir: filepath.Join(dir, fmt.Sprintf("inst%d", i)),
			logPath: filepath.Join(dir, fmt.Sprintf("inst%d.log", i))}
		in.env = []string{"LIVEDESK_ADDR=" + in.addr, "LIVEDESK_DATA_DIR=" + in.dataDir, "LIVEDESK_REDIS_URL=" + rc.URL(),
			"LIVEDESK_CLICKHOUSE_ADDR=" + shards[i%len(shards)].Addr, "LIVEDESK_CLICKHOUSE_DB=" + db,
			"LIVEDESK_CLICKHOUSE_CLUSTER=" + localdb.ShardCluster, "LIVEDESK_LOG_LEVEL=warn", "LIVEDESK_TRUSTED_PROXIES=127.0.0.1",
			"LIVEDESK_METRICS_ADDR="}
		in.start(t)
		t.Cleanup(in.stop)
		insts[i] = in
		upstreams = append(upstreams, in.addr)
	}
	for _, in := range insts {
		in.ready(t)
	}
	lb, err := localdb.StartNginx(ctx, filepath.Join(dir, "nginx"), 0, upstreams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lb.Stop)
	base := "http://" + lb.Addr

	// The simulator at 20× through nginx, keeping every event it got acknowledged.
	const speed = 20
	start := time.Now()
	g := sim.New(sim.Config{Shop: shop, Room: room, Seed: 7, Start: start, Speed: speed})
	client := &sim.Client{URL: base, Key: key, HTTP: &http.Client{Timeout: 30 * time.Second}, Retries: 60}
	var (
		mu    sync.Mutex
		acked []ingest.Event
		sent  ingest.Result
		simEr error
	)
	simCtx, stopSim := context.WithCancel(ctx)
	simDone := make(chan struct{})
	go func() {
		defer close(simDone)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			events := g.Advance(time.Duration(float64(time.Since(start)) * speed))
			res, err := client.PostEvents(ctx, events, 2000)
			mu.Lock()
			sent.Accepted += res.Accepted
			sent.Duplicates += res.Duplicates
			sent.Rejected += res.Rejected
			if err != nil && simEr == nil {
				simEr = err
			}
			if err == nil {
				acked = append(acked, events...)
			}
			mu.Unlock()
			select {
			case <-simCtx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	pause := func(d time.Duration) { time.Sleep(d) }

	// An operator's control room through nginx; its socket is on one of the instances.
	pause(3 * time.Second)
	br := newBrowser(t)
	pg := br.page(t, base)
	login(t, pg, shop, "op", "op-password-1")
	pg.open("/rooms/"+room, "#tiles")
	pg.waitJS(`window.livedesk && livedesk.online`, 15*time.Second)
	pause(10 * time.Second)
	victim := -1
	for i, in := range insts {
		if hubClients(t, in.addr) > 0 {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatal("no instance holds the page's socket")
	}
	t.Logf("kill -9 instance %d (%s), which holds the page's socket", victim, insts[victim].addr)
	killed := time.Now()
	insts[victim].kill()
	pg.waitJS(`livedesk.stats.connects >= 2 && livedesk.online`, 30*time.Second)
	t.Logf("the page reconnected through nginx to another instance %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	pause(max(0, 10*time.Second-time.Since(killed)))
	insts[victim].start(t)
	insts[victim].ready(t)
	t.Logf("instance %d back after its spool replay", victim)

	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs(), ClusterStateReloadInterval: clusterReload})
	defer rdb.Close()
	m, err := rdb.MasterForKey(ctx, "ld:live:state:{"+shop+":"+room+"}")
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range rc.Nodes {
		if n.Addr == m.Options().Addr {
			t.Logf("kill -9 the room's Redis master %s", n.Addr)
			rc.Kill(i)
		}
	}
	// Stream on for 20 s and past a minute boundary, so at least two closed minutes (one of them
	// holding the failovers) are compared below.
	firstMinute := start.Truncate(time.Minute)
	pause(max(20*time.Second, time.Until(firstMinute.Add(time.Minute+5*time.Second))))
	stopSim()
	<-simDone
	mu.Lock()
	if simEr != nil || sent.Rejected != 0 {
		t.Fatalf("simulator: %+v, %v", sent, simEr)
	}
	t.Logf("simulator: %d events acknowledged (%d accepted, %d duplicates) in %v", len(acked), sent.Accepted, sent.Duplicates, time.Since(start).Round(time.Second))
	mu.Unlock()

	o := schema.Options{Addr: shards[1].Addr, Database: db, Cluster: localdb.ShardCluster}
	conn, err := schema.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Every acknowledged event stored, once (FINAL; copies a resend left are counted).
	ids := map[string]bool{}
	for _, e := range acked {
		ids[e.ID] = true
	}
	var rows, final, distinct uint64
	waitUntil(t, 60*time.Second, "every acknowledged event in ClickHouse", func() bool {
		_ = conn.QueryRow(ctx, "SELECT count(), uniqExact(id) FROM events WHERE shop = ?", shop).Scan(&rows, &distinct)
		return distinct >= uint64(len(ids))
	})
	if err := conn.QueryRow(ctx, "SELECT count() FROM events FINAL WHERE shop = ?", shop).Scan(&final); err != nil {
		t.Fatal(err)
	}
	t.Logf("events: %d acknowledged, %d distinct ids stored, %d rows FINAL, %d rows before merges", len(ids), distinct, final, rows)
	if distinct != uint64(len(ids)) || final != uint64(len(ids)) {
		t.Fatalf("stored %d distinct, %d FINAL; want %d", distinct, final, len(ids))
	}

	var bytesPerRow float64
	if err := conn.QueryRow(ctx, "SELECT sum(data_compressed_bytes) / sum(rows) FROM "+schema.ClusterParts+
		" WHERE database = ? AND table = 'events' AND active", o.LocalDatabase()).Scan(&bytesPerRow); err == nil {
		t.Logf("events on disk: %.1f compressed bytes per row", bytesPerRow)
	}

	// Closed minutes: once every closed minute of the stream is exact, each equals ClickHouse.
	h, err := hub.New(ctx, rdb, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	// Every minute the stream touched, the failover's included, must close and settle.
	streamEnd := time.Now().Truncate(time.Minute).Add(time.Minute)
	var series live.MinuteSeries
	waitUntil(t, 150*time.Second, "the stream's closed minutes settled from ClickHouse", func() bool {
		b, err := h.Latest(ctx, shop, room, live.KindMinutes)
		if err != nil || b == nil {
			return false
		}
		var env struct {
			Data live.MinuteSeries `json:"data"`
		}
		if json.Unmarshal(b, &env) != nil {
			return false
		}
		series = env.Data
		last := int64(0)
		for _, mn := range series.Minutes {
			if mn.Start < streamEnd.UnixMilli() && !mn.Exact {
				return false
			}
			last = max(last, mn.Start)
		}
		return last >= streamEnd.Add(-time.Minute).UnixMilli()
	})
	chk := &testServer{Main: &Main{CH: conn}, t: t}
	sessStart := sessionStart(t, chk, shop, room)
	compared := 0
	for _, mn := range series.Minutes {
		if !mn.Exact {
			continue
		}
		compared++
		want := minuteFromClickHouse(t, chk, shop, room, mn.Start, sessStart)
		got := map[string]int64{"views": mn.Views, "viewers": mn.Viewers, "online": mn.Online, "impressions": mn.Impressions,
			"clicks": mn.Clicks, "orders": mn.Orders, "gmv": mn.GMV, "comments": mn.Comments, "ad_spend": mn.AdSpend}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("minute %s %s: engine published %d, ClickHouse has %d", time.UnixMilli(mn.Start).UTC().Format("15:04"), k, got[k], v)
			}
		}
	}
	t.Logf("%d closed minutes compared with ClickHouse", compared)

	// The report on the shards equals the report of one ClickHouse holding the same events.
	single, err := localdb.StartClickHouse(ctx, filepath.Join(dir, "single"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer single.Stop()
	so := schema.Options{Addr: single.Addr, Database: "single"}
	sconn, err := schema.Open(ctx, so)
	if err != nil {
		t.Fatal(err)
	}
	defer sconn.Close()
	if _, err := schema.Migrate(ctx, sconn, nil); err != nil {
		t.Fatal(err)
	}
	copyEvents := fmt.Sprintf("INSERT INTO events SELECT * FROM remote('%s', '%s', 'events') WHERE shop = '%s' LIMIT 1 BY shop, room, ts, type, id",
		shards[0].Addr, db, shop)
	if err := sconn.Exec(ctx, copyEvents); err != nil {
		t.Fatal(err)
	}
	span := report.SessionSpan{Shop: shop, Room: room, Session: "cluster-test", Start: sessStart, End: streamEnd.Add(2 * time.Minute)}
	now := func() time.Time { return span.End.Add(time.Hour) }
	build := func(b *report.Builder) []byte {
		r, err := b.Build(ctx, span)
		if err != nil {
			t.Fatal(err)
		}
		r.Built, r.BuildMillis, r.Steps = time.Time{}, 0, nil
		t.Logf("report quality: %+v", r.Quality)
		r.Quality.Rows, r.Quality.Duplicates = 0, 0 // the shards may hold copies a resend left; counted once
		j, _ := json.MarshalIndent(r, "", " ")
		return j
	}
	sharded := build(&report.Builder{CH: conn, Now: now, PartsTable: schema.ClusterParts, PartsDB: o.LocalDatabase()})
	one := build(&report.Builder{CH: sconn, Now: now})
	if !bytes.Equal(sharded, one) {
		os.WriteFile(filepath.Join(os.TempDir(), "report-sharded.json"), sharded, 0o644)
		os.WriteFile(filepath.Join(os.TempDir(), "report-single.json"), one, 0o644)
		t.Fatalf("the sharded report differs from the single-node one (both in %s)", os.TempDir())
	}
	t.Logf("report on 2 shards equals the single-node report (%d bytes)", len(one))
}
