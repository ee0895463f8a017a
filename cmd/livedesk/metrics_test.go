package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/schema/localdb"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// getMetrics GETs url with headers (name, value pairs) and returns the status and body.
func getMetrics(t *testing.T, url string, headers ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// scrape reads /metrics from loopback and returns series → value (series as printed, labels
// included: `livedesk_ingest_events_total{result="accepted"}`).
func scrape(t *testing.T, s *testServer) map[string]float64 {
	t.Helper()
	code, body := getMetrics(t, s.URL()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics from loopback: %d %s", code, body)
	}
	return parseMetrics(t, body)
}

func parseMetrics(t *testing.T, body string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestMetricsIngestCounts posts a body with known results and checks that the counters moved by
// exactly those amounts (read before and after: other servers in this process count too).
func TestMetricsIngestCounts(t *testing.T) {
	s := startServer(t)
	key := s.apiKey("m1")
	ts := time.Now().Add(-time.Minute).Format(time.RFC3339)
	ev := func(id string) string {
		return `{"id":"` + id + `","type":"click","ts":"` + ts + `","room":"r1","user":"u1","product":"p1"}` + "\n"
	}
	body := ev("a") + ev("b") + ev("c") + ev("a") + `{"id":"x","type":"bogus","ts":1763812800000}` + "\n" + `{"id":"y"}` + "\n"

	before := scrape(t, s)
	code, res := s.post(key, []byte(body))
	if code != 200 || res["accepted"] != 3.0 || res["duplicates"] != 1.0 || res["rejected"] != 2.0 {
		t.Fatalf("post: %d %v", code, res)
	}
	if code, _ := s.post("ld_nope", []byte(body)); code != 401 {
		t.Fatalf("unknown key: %d", code)
	}
	after := scrape(t, s)
	for series, want := range map[string]float64{
		`livedesk_ingest_events_total{result="accepted"}`:  3,
		`livedesk_ingest_events_total{result="duplicate"}`: 1,
		`livedesk_ingest_events_total{result="rejected"}`:  2,
		`livedesk_ingest_requests_total{code="200"}`:       1,
		`livedesk_ingest_requests_total{code="401"}`:       1,
		`livedesk_ingest_ack_seconds_count`:                1,
	} {
		if got := after[series] - before[series]; got != want {
			t.Errorf("%s moved by %v, want %v", series, got, want)
		}
	}
	if got := after["livedesk_clickhouse_insert_rows_total"] - before["livedesk_clickhouse_insert_rows_total"]; got < 3 {
		t.Errorf("livedesk_clickhouse_insert_rows_total moved by %v, want at least the 3 accepted events", got)
	}
	for _, series := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
		"livedesk_ingest_spool_bytes", "livedesk_ingest_writer_queued_events", "livedesk_hub_clients",
		"livedesk_hub_dropped_total", "livedesk_tick_seconds_count", "livedesk_webhook_failures_total",
		`livedesk_flags_raised_total{rule="no_sale"}`, `livedesk_job_runs_total{job="unpaid",status="ok"}`} {
		if _, ok := after[series]; !ok {
			t.Errorf("/metrics has no %s", series)
		}
	}
}

// TestMetricsAccess: loopback reads /metrics freely; a request that is not a direct loopback
// one (here: through a proxy, X-Forwarded-For) needs an admin key.
func TestMetricsAccess(t *testing.T) {
	s := startServer(t)
	ingestKey := s.apiKey("m2")
	adminKey, err := s.Keys.CreateScoped(context.Background(), "m2", "sre", livedesk.ScopeAdmin)
	if err != nil {
		t.Fatal(err)
	}
	proxied := []string{"X-Forwarded-For", "203.0.113.9"}
	for _, tc := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"loopback", nil, 200},
		{"proxied, no key", proxied, 401},
		{"proxied, unknown key", append(proxied, "Authorization", "Bearer ld_nope"), 401},
		{"proxied, ingest key", append(proxied, "Authorization", "Bearer "+ingestKey), 403},
		{"proxied, admin key", append(proxied, "Authorization", "Bearer "+adminKey), 200},
		{"forwarded, admin key", []string{"Forwarded", "for=203.0.113.9", "Authorization", "Bearer " + adminKey}, 200},
	} {
		code, body := getMetrics(t, s.URL()+"/metrics", tc.headers...)
		if code != tc.want {
			t.Errorf("%s: %d %.200s, want %d", tc.name, code, body, tc.want)
			continue
		}
		if code == 200 && !strings.Contains(body, "livedesk_ingest_events_total") {
			t.Errorf("%s: body has no livedesk metrics: %.300s", tc.name, body)
		}
		if code != 200 {
			var e map[string]string
			if json.Unmarshal([]byte(body), &e) != nil || e["error"] == "" {
				t.Errorf("%s: %d body is not {\"error\": ...}: %s", tc.name, code, body)
			}
		}
	}
}

func TestMetricsIsLoopback(t *testing.T) {
	for ip, want := range map[string]bool{
		"127.0.0.1": true, "127.8.9.10": true, "::1": true, "::ffff:127.0.0.1": true,
		"10.0.0.1": false, "192.168.1.2": false, "0.0.0.0": false, "::": false, "2001:db8::1": false,
		"": false, "localhost": false, "128.0.0.1": false, "::2": false,
	} {
		if got := isLoopback(ip); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", ip, got, want)
		}
	}
}

// TestMetricsAddr: LIVEDESK_METRICS_ADDR serves /metrics on a listener of its own, without a
// key, and Close stops it.
func TestMetricsAddr(t *testing.T) {
	s := startServer(t, func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
	addr := s.MetricsAddr()
	if addr == "" {
		t.Fatal("no metrics listener")
	}
	code, body := getMetrics(t, "http://"+addr+"/metrics", "X-Forwarded-For", "203.0.113.9")
	if code != 200 || !strings.Contains(body, "livedesk_ingest_requests_total") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics listener: %d %.300s", code, body)
	}
	s.Close()
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Fatal("metrics listener still answers after Close")
	}

	bad := Config{MetricsAddr: "not an address"}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "LIVEDESK_METRICS_ADDR") {
		t.Fatalf("Validate with a bad metrics address: %v", err)
	}
}

// TestReadyNamesFailingDependency: with Redis stopped, /readyz answers 503 and names redis as
// the failing dependency (and ClickHouse as fine).
func TestReadyNamesFailingDependency(t *testing.T) {
	opts, _ := localtest.Database(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	rd, err := localdb.StartRedis(ctx, t.TempDir(), 0)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rd.Stop)
	s := startServerOn(t, opts, rd.Addr, t.TempDir())
	readyz := func() (int, map[string]string) {
		code, body := getMetrics(t, s.URL()+"/readyz")
		out := map[string]string{}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("/readyz %d: not JSON: %s", code, body)
		}
		return code, out
	}
	if code, out := readyz(); code != 200 || out["redis"] != "ok" || out["clickhouse"] != "ok" {
		t.Fatalf("/readyz before: %d %v", code, out)
	}
	rd.Stop()
	code, out := readyz()
	if code != 503 || out["redis"] != "unreachable" || out["clickhouse"] != "ok" {
		t.Fatalf("/readyz with redis stopped: %d %v, want 503 naming redis", code, out)
	}
}

// TestMetricsDashboard: the Grafana dashboard and the Prometheus config parse, and every metric
// a panel queries is one the server exports.
func TestMetricsDashboard(t *testing.T) {
	root := filepath.Join("..", "..", "deploy")
	b, err := os.ReadFile(filepath.Join(root, "grafana", "livedesk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("livedesk.json: %v", err)
	}
	if len(dash.Panels) < 12 {
		t.Fatalf("dashboard has %d panels", len(dash.Panels))
	}
	s := startServer(t)
	_, body := getMetrics(t, s.URL()+"/metrics")
	exported := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			exported[f[2]] = true
			if len(f) >= 4 && f[3] == "histogram" {
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					exported[f[2]+suffix] = true
				}
			}
		}
	}
	names := regexp.MustCompile(`\b(?:livedesk|go|process)_[a-z0-9_]+`)
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			found := names.FindAllString(tg.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: expr %q names no metric", p.Title, tg.Expr)
			}
			for _, n := range found {
				if !exported[n] {
					t.Errorf("panel %q: %s is not exported by /metrics", p.Title, n)
				}
			}
		}
	}
	for _, f := range []string{"prometheus/prometheus.yml", "grafana/provisioning/datasources/prometheus.yml",
		"grafana/provisioning/dashboards/livedesk.yml"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}
