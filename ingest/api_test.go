package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// TestDuplicatesStoredOnce: the same id within one request, again in a later request, and in two
// requests at the same moment is stored once and counted as a duplicate every other time.
func TestDuplicatesStoredOnce(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	body := lines("a", 50)
	twice := append(append([]byte{}, body...), body...)
	code, res := h.post(key, twice)
	if code != 200 || num(res, "accepted") != 50 || num(res, "duplicates") != 50 {
		t.Fatalf("within one request: %d %v", code, res)
	}
	code, res = h.post(key, body)
	if code != 200 || num(res, "accepted") != 0 || num(res, "duplicates") != 50 {
		t.Fatalf("resent: %d %v", code, res)
	}
	// Another shop may use the same ids: dedup is per shop.
	if code, res := h.post(h.key("s2"), body); code != 200 || num(res, "accepted") != 50 {
		t.Fatalf("other shop: %d %v", code, res)
	}
	// Two requests racing with the same 2,000 ids: exactly one stores each.
	race := lines("race", 2000)
	var wg sync.WaitGroup
	results := make([]map[string]any, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			code, res := h.post(key, race)
			if code != 200 {
				t.Errorf("racing request %d: %d %v", i, code, res)
			}
			results[i] = res
		}(i)
	}
	wg.Wait()
	accepted, dups := 0, 0
	for _, r := range results {
		accepted += num(r, "accepted")
		dups += num(r, "duplicates")
	}
	if accepted != 2000 || dups != 3*2000 {
		t.Fatalf("racing requests accepted %d and saw %d duplicates", accepted, dups)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1'"); n != 2050 {
		t.Fatalf("stored %d rows for s1, want 2050", n)
	}
	if n := h.count("SELECT uniqExact(id) FROM events WHERE shop = 's1'"); n != 2050 {
		t.Fatalf("stored %d distinct ids, want 2050", n)
	}
}

// TestRejectedLineKeepsNeighbours: bad lines are reported by line and field; the good ones around
// them are stored; a body with nothing valid is a 400 with the same report.
func TestRejectedLineKeepsNeighbours(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	ts := time.Now().UnixMilli()
	body := strings.Join([]string{
		`{"id":"ok1","type":"like","ts":` + itoa(ts) + `,"room":"r1"}`,
		`{"id":"bad1","type":"order","ts":` + itoa(ts) + `,"order":"o","product":"p","status":"paid","amount":19.9}`,
		`not json at all`,
		`{"id":"ok2","type":"comment","ts":` + itoa(ts) + `,"room":"r1","text":"什么时候发货？"}`,
		`{"id":"bad2","type":"teleport","ts":` + itoa(ts) + `}`,
		`{"id":"ok3","type":"online","ts":` + itoa(ts) + `,"room":"r1","value":321}`,
	}, "\n")
	code, res := h.post(key, []byte(body))
	if code != 200 || num(res, "accepted") != 3 || num(res, "rejected") != 3 {
		t.Fatalf("%d %v", code, res)
	}
	errs, _ := json.Marshal(res["errors"])
	var rejects []Reject
	_ = json.Unmarshal(errs, &rejects)
	want := []Reject{{Line: 2, Field: "amount"}, {Line: 3}, {Line: 5, Field: "type"}}
	if len(rejects) != len(want) {
		t.Fatalf("errors %s", errs)
	}
	for i, w := range want {
		if rejects[i].Line != w.Line || rejects[i].Field != w.Field || rejects[i].Reason == "" {
			t.Fatalf("error %d = %+v, want line %d field %q", i, rejects[i], w.Line, w.Field)
		}
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1' AND id IN ('ok1', 'ok2', 'ok3')"); n != 3 {
		t.Fatalf("stored %d of the valid neighbours", n)
	}
	code, res = h.post(key, []byte("{}\n{\"id\":1}\n"))
	if code != 400 || num(res, "rejected") != 2 || num(res, "accepted") != 0 {
		t.Fatalf("all rejected: %d %v", code, res)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAuth: a missing, malformed, unknown or revoked key is a 401 with a JSON error; a revoke
// takes effect within the key cache's 2 seconds.
func TestAuth(t *testing.T) {
	h := newHarness(t, 16<<20)
	body := lines("x", 1)
	for _, key := range []string{"", "ld_unknownkey000000000000000", "not-a-livedesk-key"} {
		code, res := h.post(key, body)
		if code != 401 || res["error"] == "" || res["error"] == nil {
			t.Fatalf("key %q: %d %v", key, code, res)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, h.url+"/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
	if code, _ := h.do(req); code != 401 {
		t.Fatalf("Basic auth: %d", code)
	}
	key := h.key("s1")
	if code, _ := h.post(key, body); code != 200 {
		t.Fatalf("valid key: %d", code)
	}
	n, err := h.keys.Revoke(context.Background(), "s1", key[:11])
	if err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	revoked := time.Now()
	for {
		code, _ := h.post(key, lines("y", 1))
		if code == 401 {
			break
		}
		if time.Since(revoked) > 3*time.Second {
			t.Fatalf("revoked key still accepted after %v", time.Since(revoked))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("revoked key refused after %v", time.Since(revoked).Round(time.Millisecond))
}

// TestBodyLimits: an oversized body, plain or as a gzip bomb, is a 413 with a JSON error; a gzip
// body within the limit is accepted; a broken gzip body is a 400.
func TestBodyLimits(t *testing.T) {
	h := newHarness(t, 64<<10)
	key := h.key("s1")
	big := lines("big", 1000) // about 100 KB
	code, res := h.post(key, big)
	if code != 413 || !strings.Contains(res["error"].(string), "smaller batches") {
		t.Fatalf("oversized: %d %v", code, res)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(big)
	zw.Close()
	if code, res := h.post(key, zb.Bytes(), "Content-Encoding", "gzip"); code != 413 {
		t.Fatalf("gzip over the limit once inflated: %d %v", code, res)
	}
	small := lines("small", 100)
	zb.Reset()
	zw = gzip.NewWriter(&zb)
	zw.Write(small)
	zw.Close()
	if code, res := h.post(key, zb.Bytes(), "Content-Encoding", "gzip"); code != 200 || num(res, "accepted") != 100 {
		t.Fatalf("gzip: %d %v", code, res)
	}
	if code, res := h.post(key, []byte("definitely not gzip"), "Content-Encoding", "gzip"); code != 400 || res["error"] == nil {
		t.Fatalf("bad gzip: %d %v", code, res)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1'"); n != 100 {
		t.Fatalf("stored %d", n)
	}
}

// TestStreamWebsocket: every text frame is answered in order with the HTTP endpoint's counts.
func TestStreamWebsocket(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	wsURL := "ws" + strings.TrimPrefix(h.url, "http") + "/api/v1/stream"
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL, nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("no key: err %v resp %v", err, resp)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Authorization": {"Bearer " + key}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	frames := [][]byte{lines("w1", 10), lines("w1", 10), append(lines("w2", 3), []byte("{broken\n")...)}
	want := []streamReply{{Result: Result{Accepted: 10}}, {Result: Result{Duplicates: 10}}, {Result: Result{Accepted: 3, Rejected: 1}}}
	for i, f := range frames {
		if err := conn.WriteMessage(websocket.TextMessage, f); err != nil {
			t.Fatal(err)
		}
		var got streamReply
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := conn.ReadJSON(&got); err != nil {
			t.Fatal(err)
		}
		if got.Accepted != want[i].Accepted || got.Duplicates != want[i].Duplicates || got.Rejected != want[i].Rejected || got.Error != "" {
			t.Fatalf("frame %d: got %+v", i, got)
		}
		if i == 2 && (len(got.Errors) != 1 || got.Errors[0].Line != 4) {
			t.Fatalf("frame 2 errors %+v", got.Errors)
		}
	}
	conn.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
	var got streamReply
	if err := conn.ReadJSON(&got); err != nil || got.Error == "" {
		t.Fatalf("binary frame: %+v %v", got, err)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1'"); n != 13 {
		t.Fatalf("stored %d", n)
	}
}

// TestReadyz: /readyz names a stopped dependency and answers 503; /healthz stays 200; ingest
// answers 503 with Retry-After and a JSON error while Redis is down.
func TestReadyz(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	get := func(path string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, h.url+path, nil)
		return h.do(req)
	}
	if code, res := get("/readyz"); code != 200 || res["redis"] != "ok" || res["clickhouse"] != "ok" {
		t.Fatalf("ready: %d %v", code, res)
	}
	h.post(key, lines("warm", 1)) // caches the key
	h.redis.Stop()
	code, res := get("/readyz")
	if code != 503 || res["redis"] != "unreachable" || res["clickhouse"] != "ok" {
		t.Fatalf("redis stopped: %d %v", code, res)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	req, _ := http.NewRequest(http.MethodPost, h.url+"/api/v1/events", bytes.NewReader(lines("down", 5)))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("ingest with Redis down: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if n := h.count("SELECT count() FROM events WHERE id LIKE 'down-%'"); n != 0 {
		t.Fatalf("%d events stored although the request failed", n)
	}
}

// TestAbandonedClaimRecovered: claims left by a crashed request (never committed) block a resend
// only until their lease ends; then the resend is stored, except ids ClickHouse already has.
// The dedup clock is moved past the lease rather than slept through (leases are compared with
// the claiming instance's clock), so a slow ClickHouse insert cannot end the lease early.
func TestAbandonedClaimRecovered(t *testing.T) {
	h := newHarness(t, 16<<20)
	var offset atomic.Int64
	h.svc.Dedup.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	h.svc.Dedup.Wait = 100 * time.Millisecond
	key := h.key("s1")
	body := lines("crash", 10)
	evs, _ := Parse(body, "s1", time.Now())
	// A "crashed" request: claimed all ten, stored the first four, never committed.
	if _, err := h.svc.Dedup.Claim(context.Background(), "s1", evs); err != nil {
		t.Fatal(err)
	}
	if err := InsertBatch(context.Background(), h.conn, "crashed", evs[:4]); err != nil {
		t.Fatal(err)
	}
	// While the lease runs the ids are in flight: the resend is refused, nothing acknowledged.
	if code, res := h.post(key, body); code != 429 {
		t.Fatalf("resend during the lease: %d %v", code, res)
	}
	offset.Store(int64(h.svc.Dedup.Lease + time.Second))
	code, res := h.post(key, body)
	if code != 200 || num(res, "accepted") != 6 || num(res, "duplicates") != 4 {
		t.Fatalf("resend after the lease: %d %v", code, res)
	}
	if code, res := h.post(key, body); code != 200 || num(res, "duplicates") != 10 {
		t.Fatalf("third send: %d %v", code, res)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1'"); n != 10 {
		t.Fatalf("stored %d rows, want 10", n)
	}
}

// TestRecord: server-made events get an id and a time and go through dedup like posted ones.
func TestRecord(t *testing.T) {
	h := newHarness(t, 16<<20)
	var seen int
	h.svc.Observers = append(h.svc.Observers, ObserverFunc(func(_ context.Context, shop string, evs []Event) { seen += len(evs) }))
	err := h.svc.Record(context.Background(), []Event{{Shop: "s1", Type: TypePin, Room: "r1", Product: "p1"}, {Shop: "s1", ID: "cue-1", Type: TypeCue, Room: "r1", Text: "讲尺码"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Record(context.Background(), []Event{{Shop: "s1", ID: "cue-1", Type: TypeCue, Room: "r1", Text: "讲尺码"}}); err != nil {
		t.Fatal(err)
	}
	if seen != 2 {
		t.Fatalf("observers saw %d events, want 2", seen)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1' AND id != '' AND ts > now() - 60"); n != 2 {
		t.Fatalf("stored %d", n)
	}
	if err := h.svc.Record(context.Background(), []Event{{Shop: "a", Type: TypePin}, {Shop: "b", Type: TypePin}}); err == nil {
		t.Fatal("events of two shops recorded together")
	}
	// Submit says what was new: the platform adapters count a redelivered push once.
	res, err := h.svc.Submit(context.Background(), []Event{{Shop: "s1", ID: "cue-1", Type: TypeCue, Room: "r1", Text: "讲尺码"},
		{Shop: "s1", ID: "dd:1:101:5", Type: TypeOrder, Order: "1", Status: StatusPaid, Amount: 1990}})
	if err != nil || res.Accepted != 1 || res.Duplicates != 1 {
		t.Fatalf("submit: %+v %v", res, err)
	}
	// An adapter's event timed more than an hour ahead is refused on its own (the dedup's
	// lookDepth relies on the window), its neighbour stored.
	res, err = h.svc.Submit(context.Background(), []Event{{Shop: "s1", ID: "future-1", Type: TypeCue, Room: "r1", TS: time.Now().Add(3 * time.Hour)},
		{Shop: "s1", ID: "now-1", Type: TypeCue, Room: "r1"}})
	if err != nil || res.Accepted != 1 || res.Rejected != 1 || len(res.Errors) != 1 || res.Errors[0].Line != 1 {
		t.Fatalf("submit with a future event: %+v %v", res, err)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1' AND id IN ('future-1', 'now-1')"); n != 1 {
		t.Fatalf("stored %d of the future and the present event, want 1", n)
	}
}

// TestBackpressure: when the writer's queue or the in-flight bytes are full the answer is 429
// with Retry-After, nothing is stored, and the same events are accepted once there is room.
func TestBackpressure(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	full := NewWriter(h.conn, h.writer.spool, h.svc.Log, WriterConfig{MaxQueued: 10})
	defer full.Close()
	roomy := h.svc.Writer
	h.svc.Writer = full
	body := lines("bp", 50)
	if err := h.rdb.ConfigResetStat(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, h.url+"/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("queue full: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Refused before claiming: no id was written to Redis (and none had to be released).
	if stats, err := h.rdb.Info(context.Background(), "commandstats").Result(); err != nil || strings.Contains(stats, "cmdstat_set:") || strings.Contains(stats, "cmdstat_del:") {
		t.Fatalf("a refused request claimed ids in Redis (%v):\n%s", err, stats)
	}
	h.svc.Writer = roomy
	// In-flight bytes: a request alone always passes; one on top of another is refused.
	h.svc.MaxInflight = 1
	h.svc.inflight.Add(1000)
	if code, _ := h.post(key, body); code != 429 {
		t.Fatalf("in-flight limit: %d", code)
	}
	h.svc.inflight.Add(-1000)
	if code, res := h.post(key, body); code != 200 || num(res, "accepted") != 50 {
		t.Fatalf("after the refusals: %d %v", code, res)
	}
}
