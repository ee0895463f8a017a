package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/schema/localdb"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestMain(m *testing.M) { os.Exit(localtest.Run(m)) }

// harness is the ingest API on real ClickHouse (a fresh database) and a private Redis it can stop.
type harness struct {
	t      *testing.T
	url    string
	conn   driver.Conn
	rdb    *redis.Client
	redis  *localdb.Server
	svc    *Service
	keys   *Keys
	writer *Writer
}

func newHarness(t *testing.T, maxBody int) *harness {
	t.Helper()
	_, conn := localtest.Database(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rs, err := localdb.StartRedis(ctx, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Stop)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	spool, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	w := NewWriter(conn, spool, log, WriterConfig{})
	dedup := NewDedup(rdb)
	dedup.Stored = StoredIDs(conn)
	dedup.Quiet = QuietSince(conn)
	h := &harness{t: t, conn: conn, rdb: rdb, redis: rs, writer: w, keys: NewKeys(conn),
		svc: &Service{Dedup: dedup, Writer: w, Log: log}}
	app := fiber.New(fiber.Config{DisableStartupMessage: true, BodyLimit: maxBody + 1<<20})
	(&Health{Checks: map[string]Check{
		"clickhouse": func(ctx context.Context) error { return conn.Ping(ctx) },
		"redis":      func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
	}}).Register(app)
	(&Handler{Service: h.svc, Keys: h.keys, MaxBody: maxBody, Log: log}).Register(app)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	h.url = "http://" + ln.Addr().String()
	t.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second); w.Close() })
	return h
}

func (h *harness) key(shop string) string {
	h.t.Helper()
	k, err := h.keys.Create(context.Background(), shop, "test")
	if err != nil {
		h.t.Fatal(err)
	}
	return k
}

// post sends body with key and extra header pairs; it returns the status and the JSON object.
func (h *harness) post(key string, body []byte, headers ...string) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/api/v1/events", bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return h.do(req)
}

func (h *harness) do(req *http.Request) (int, map[string]any) {
	h.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		h.t.Fatalf("response %d is not a JSON object: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func (h *harness) count(q string, args ...any) uint64 {
	h.t.Helper()
	var n uint64
	if err := h.conn.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// lines builds an NDJSON body of n valid click events with ids prefix-0 … prefix-(n-1).
func lines(prefix string, n int) []byte {
	var b bytes.Buffer
	ts := time.Now().Add(-time.Minute).UnixMilli()
	for i := range n {
		fmt.Fprintf(&b, `{"id":"%s-%d","type":"click","ts":%d,"room":"r1","user":"u%d","product":"p1"}`+"\n", prefix, i, ts, i)
	}
	return b.Bytes()
}

func num(m map[string]any, k string) int {
	f, _ := m[k].(float64)
	return int(f)
}
