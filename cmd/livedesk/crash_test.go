package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// livedeskBinary builds this command once per test run.
func livedeskBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "livedesk-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "livedesk")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// serveProc runs `livedesk serve` as a child process.
type serveProc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	log  *bytes.Buffer
}

func startServeProc(t *testing.T, bin string, opts schema.Options, redisAddr, dataDir string) *serveProc {
	t.Helper()
	port, err := localdb.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p := &serveProc{url: "http://" + addr, done: make(chan struct{}), log: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, "serve", "--addr", addr, "--clickhouse-addr", opts.Addr, "--clickhouse-db", opts.Database,
		"--redis-url", "redis://"+redisAddr+"/0", "--data-dir", dataDir, "--log-level", "warn")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := waitReady(ctx, p.url); err != nil {
		p.kill()
		t.Fatalf("%v\n%s", err, p.log)
	}
	return p
}

func (p *serveProc) kill() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// producer posts batches of unique events from several goroutines and remembers which ids were
// acknowledged (a 200 whose counts cover the whole batch). A response that breaks the API's
// contract is kept in problems and stops its worker; report fails the test with them once the
// workers are done (a worker may outlive a test that stopped early, so it never calls t itself).
type producer struct {
	url, key string
	batch    int
	mu       sync.Mutex
	acked    []string
	statuses map[int]int
	problems []string
	errors   atomic.Int64
	seq      atomic.Int64
}

func (p *producer) run(ctx context.Context, workers int) *sync.WaitGroup {
	p.statuses = map[int]int{}
	var wg sync.WaitGroup
	hc := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n := p.seq.Add(1)
				ids := make([]string, p.batch)
				var body bytes.Buffer
				ts := time.Now().UnixMilli()
				for i := range ids {
					ids[i] = fmt.Sprintf("b%05d-%04d", n, i)
					fmt.Fprintf(&body, `{"id":"%s","type":"click","ts":%d,"room":"r1","user":"u%d","product":"p%d"}`+"\n", ids[i], ts, i, i%7)
				}
				req, _ := http.NewRequest(http.MethodPost, p.url+"/api/v1/events", &body)
				req.Header.Set("Authorization", "Bearer "+p.key)
				resp, err := hc.Do(req)
				if err != nil {
					p.errors.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				p.mu.Lock()
				p.statuses[resp.StatusCode]++
				problem := ""
				if resp.StatusCode == http.StatusOK {
					if jsonInt(b, "accepted") == p.batch {
						p.acked = append(p.acked, ids...)
					} else {
						problem = fmt.Sprintf("a fresh batch was not accepted whole: %s", b)
					}
				} else if resp.StatusCode/100 == 2 {
					problem = fmt.Sprintf("unexpected %d: %s", resp.StatusCode, b)
				}
				if problem != "" {
					p.problems = append(p.problems, problem)
					p.mu.Unlock()
					return
				}
				p.mu.Unlock()
				if resp.StatusCode != http.StatusOK {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	return &wg
}

// report fails t with every problem the workers met. Call it after their WaitGroup is done.
func (p *producer) report(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, msg := range p.problems {
		t.Error(msg)
	}
}

// checkExactlyOnce asserts that every acknowledged id is stored exactly once and that no id of the
// shop is stored twice.
func checkExactlyOnce(t *testing.T, conn driver.Conn, shop string, acked []string) (rows, distinct uint64) {
	t.Helper()
	ctx := context.Background()
	r, err := conn.Query(ctx, "SELECT id, count() FROM events WHERE shop = ? GROUP BY id", shop)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]uint64{}
	for r.Next() {
		var id string
		var n uint64
		if err := r.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		stored[id] = n
		rows += n
	}
	r.Close()
	distinct = uint64(len(stored))
	missing := 0
	for _, id := range acked {
		if stored[id] != 1 {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged event %s stored %d times", id, stored[id])
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events not stored exactly once", missing, len(acked))
	}
	if rows != distinct {
		t.Fatalf("%d rows for %d distinct ids: some event stored twice", rows, distinct)
	}
	return rows, distinct
}

// TestCrashAfterAcknowledge: SIGKILL the server while producers post; after a restart on the same
// data dir every acknowledged event is in ClickHouse exactly once. "spilling" posts enough at once
// (32k events in flight) for the writer to acknowledge from the spool, kills the server while a
// spilled batch is on disk and checks that some acknowledged events were only there at the kill:
// it fails if the writer stopped spilling.
func TestCrashAfterAcknowledge(t *testing.T) {
	for _, c := range []struct {
		name           string
		workers, batch int
		spilling       bool
	}{{"steady", 4, 500, false}, {"spilling", 16, 2000, true}} {
		t.Run(c.name, func(t *testing.T) { crashAfterAcknowledge(t, c.workers, c.batch, c.spilling) })
	}
}

func crashAfterAcknowledge(t *testing.T, workers, batch int, spilling bool) {
	bin := livedeskBinary(t)
	opts, conn := localtest.Database(t)
	raddr, _ := localtest.Redis(t)
	dataDir := t.TempDir()
	srv := startServeProc(t, bin, opts, raddr, dataDir)
	key, err := ingest.NewKeys(conn).Create(context.Background(), "crash", "test")
	if err != nil {
		t.Fatal(err)
	}
	p := &producer{url: srv.url, key: key, batch: batch}
	ctx, stop := context.WithCancel(context.Background())
	wg := p.run(ctx, workers)
	time.Sleep(3 * time.Second)
	if spilling {
		waitSpilled(dataDir, p)
	}
	srv.kill() // SIGKILL with requests in flight
	killedAt := len(p.ackedCopy())
	stop()
	wg.Wait()
	p.report(t)
	if killedAt == 0 {
		t.Fatalf("nothing was acknowledged before the kill: %v", p.statuses)
	}
	left := spoolFiles(dataDir)
	onDisk := ackedIn(t, left, p.acked)
	if spilling && onDisk == 0 {
		t.Errorf("no acknowledged event was only in the spool at the kill (%d spool files left): the writer did not spill", len(left))
	}
	srv = startServeProc(t, bin, opts, raddr, dataDir)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if len(spoolFiles(dataDir)) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	rows, distinct := checkExactlyOnce(t, conn, "crash", p.acked)
	t.Logf("killed after %d acknowledged events (statuses %v, %d connection errors, %d spool files left on disk holding %d acknowledged events); after restart: %d rows, %d distinct ids",
		len(p.acked), p.statuses, p.errors.Load(), len(left), onDisk, rows, distinct)
	srv.kill()
}

// spoolFiles lists the complete spool files (batches fsynced and renamed) under dataDir.
func spoolFiles(dataDir string) []string {
	files, _ := filepath.Glob(filepath.Join(dataDir, "spool", "*.ndjson"))
	return files
}

// waitSpilled returns once some complete spool file holds an event whose request the producer has
// seen acknowledged, so that the caller kills the server while acknowledged events are only on
// disk; or after 10 s, leaving the caller's check to report that nothing was spilled. It looks at
// acknowledgements, not at how long a file has stayed: on a loaded CI machine a response can reach
// the producer well after its batch was fsynced.
func waitSpilled(dataDir string, p *producer) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		want := map[string]bool{}
		for _, id := range p.ackedCopy() {
			want[id] = true
		}
		for _, f := range spoolFiles(dataDir) {
			ids, err := spoolIDs(f)
			if err != nil {
				continue // replayed and removed since the glob
			}
			for _, id := range ids {
				if want[id] {
					return
				}
			}
		}
	}
}

// ackedIn counts the acknowledged ids stored in the given spool files.
func ackedIn(t *testing.T, files []string, acked []string) int {
	t.Helper()
	want := make(map[string]bool, len(acked))
	for _, id := range acked {
		want[id] = true
	}
	n := 0
	for _, f := range files {
		ids, err := spoolIDs(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			if want[id] {
				n++
			}
		}
	}
	return n
}

// spoolIDs reads the event ids of one spool file (NDJSON, one event a line).
func spoolIDs(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, line := range bytes.Split(b, []byte{'\n'}) {
		if len(line) == 0 {
			continue
		}
		var e struct{ ID string }
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ids = append(ids, e.ID)
	}
	return ids, nil
}

func (p *producer) ackedCopy() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.acked...)
}

// TestClickHouseDownDuringIngest: ClickHouse is stopped while producers post and started again
// on the same data and port. Requests are acknowledged from the spool or refused with 503/429,
// never a 2xx that loses data; once ClickHouse is back every acknowledged event is stored once.
func TestClickHouseDownDuringIngest(t *testing.T) {
	ch := localtest.ClickHouseServer(t)
	raddr, _ := localtest.Redis(t)
	opts := schema.Options{Addr: ch.Addr, Database: "crash"}
	s := startServerOn(t, opts, raddr, t.TempDir())
	key := s.apiKey("down")
	p := &producer{url: s.URL(), key: key, batch: 200}
	ctx, stop := context.WithCancel(context.Background())
	wg := p.run(ctx, 3)
	time.Sleep(time.Second)
	before := len(p.ackedCopy())
	ch.Stop()
	stoppedAt := time.Now()
	time.Sleep(3 * time.Second)
	during := len(p.ackedCopy()) - before
	rctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	ch2, err := localdb.StartClickHouse(rctx, ch.Dir, ch.Port)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ch2.Stop)
	downFor := time.Since(stoppedAt)
	time.Sleep(2 * time.Second)
	stop()
	wg.Wait()
	p.report(t)
	// Wait for the spool to drain into ClickHouse.
	deadline := time.Now().Add(60 * time.Second)
	for {
		pending, _ := filepath.Glob(filepath.Join(s.Config.DataDir, "spool", "*.ndjson"))
		if len(pending) == 0 && !s.Writer.Down() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool still holds %d batches", len(pending))
		}
		time.Sleep(200 * time.Millisecond)
	}
	st := s.Writer.Stats()
	conn, err := schema.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, distinct := checkExactlyOnce(t, conn, "down", p.acked)
	if during == 0 {
		t.Errorf("no request was acknowledged while ClickHouse was down (statuses %v)", p.statuses)
	}
	t.Logf("ClickHouse down %v: %d events acknowledged meanwhile; statuses %v; writer %+v; stored %d rows, %d distinct ids, %d acknowledged",
		downFor.Round(100*time.Millisecond), during, p.statuses, st, rows, distinct, len(p.acked))
}
