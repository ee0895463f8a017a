package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestMain(m *testing.M) { os.Exit(localtest.Run(m)) }

// testServer is a livedesk started in-process on real ClickHouse and Redis.
type testServer struct {
	*Main
	t     testing.TB
	opts  schema.Options
	redis string
}

// startServer starts a Main on a fresh database and a private Redis. Overrides may adjust the
// config before Open. The server is closed when the test ends.
func startServer(t testing.TB, overrides ...func(*Config)) *testServer {
	t.Helper()
	opts, _ := localtest.Database(t)
	raddr, _ := localtest.Redis(t)
	return startServerOn(t, opts, raddr, t.TempDir(), overrides...)
}

// startServerOn starts a Main on the given database, Redis and data dir (for restart tests and
// several instances).
func startServerOn(t testing.TB, opts schema.Options, redisAddr, dataDir string, overrides ...func(*Config)) *testServer {
	t.Helper()
	cfg := Config{Addr: "127.0.0.1:0", ClickHouseAddr: opts.Addr, ClickHouseDB: opts.Database,
		RedisURL: "redis://" + redisAddr + "/0", DataDir: dataDir, TZ: "Asia/Shanghai", LogLevel: "warn",
		maxBody: "16777216", secureCookies: "false"}
	for _, o := range overrides {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Main: m, t: t, opts: opts, redis: redisAddr}
	t.Cleanup(func() { m.Close() })
	return ts
}

// apiKey creates an API key for shop.
func (s *testServer) apiKey(shop string) string {
	s.t.Helper()
	k, err := s.Keys.Create(context.Background(), shop, "test")
	if err != nil {
		s.t.Fatal(err)
	}
	return k
}

// post sends body to /api/v1/events with key and returns the status and decoded JSON.
func (s *testServer) post(key string, body []byte, headers ...string) (int, map[string]any) {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.URL()+"/api/v1/events", bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		s.t.Fatalf("response %d is not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

// count runs a count query on the server's ClickHouse.
func (s *testServer) count(q string, args ...any) uint64 {
	s.t.Helper()
	var n uint64
	if err := s.CH.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestIngestSmoke(t *testing.T) {
	s := startServer(t)
	key := s.apiKey("shop1")
	ts := time.Now().Add(-time.Minute).Format(time.RFC3339)
	body := []byte(`{"id":"e1","type":"click","ts":"` + ts + `","room":"r1","user":"u1","product":"p1","shop":"evil"}
{"id":"e2","type":"bogus","ts":1763812800000}
{"id":"e1","type":"click","ts":"` + ts + `","room":"r1","user":"u1","product":"p1"}
`)
	code, res := s.post(key, body)
	if code != 200 || res["accepted"] != 1.0 || res["duplicates"] != 1.0 || res["rejected"] != 1.0 {
		t.Fatalf("got %d %v", code, res)
	}
	if n := s.count("SELECT count() FROM events WHERE shop = 'shop1'"); n != 1 {
		t.Fatalf("stored %d events, want 1", n)
	}
	if code, _ := s.post("ld_nope", body); code != 401 {
		t.Fatalf("bad key got %d", code)
	}
}
