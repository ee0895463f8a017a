package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// The unit of stat_cost is set per endpoint: yuan for live/get, 1/1000 fen for 全域推广; numbers
// arrive as JSON numbers or strings.
func TestStatCostFen(t *testing.T) {
	for _, c := range []struct {
		endpoint, raw string
		want          int64
		bad           bool
	}{
		{QianchuanLiveGet, `125.5`, 12550, false},
		{QianchuanLiveGet, `"125.50"`, 12550, false},
		{QianchuanLiveGet, `0`, 0, false},
		{QianchuanLiveGet, `"1749.38"`, 174938, false},
		{QianchuanLiveGet, `12.345`, 1235, false}, // half up
		{QianchuanLiveGet, `1.5e2`, 15000, false},
		{QianchuanUniRoom, `174938000.00`, 174938, false}, // 1749.38 yuan, the SDK's own example
		{QianchuanUniRoom, `"1500"`, 2, false},            // 1.5 fen → 2
		{QianchuanLiveGet, `"abc"`, 0, true},
		{QianchuanLiveGet, `-1`, 0, true},
		{QianchuanLiveGet, `null`, 0, true},
		{"/v1.0/unknown/", `1`, 0, true},
		{QianchuanLiveGet, `1e1000000000`, 0, true}, // would expand to a billion digits
		{QianchuanLiveGet, `"1/3"`, 0, true},
	} {
		got, err := StatCostFen(c.endpoint, json.RawMessage(c.raw))
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%s %s: %d %v, want %d", c.endpoint, c.raw, got, err, c.want)
		}
	}
}

// fakeQianchuan answers GET /open_api/v1.0/qianchuan/report/live/get/ like the documented API:
// the Access-Token header, the envelope {code, message, request_id, data}; cost is today's
// stat_cost (yuan, as a string); code makes the next answers fail with that code.
type fakeQianchuan struct {
	mu    sync.Mutex
	cost  string
	code  int
	http  int
	calls int
	token string
}

func (f *fakeQianchuan) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	q := r.URL.Query()
	if r.URL.Path != "/open_api"+QianchuanLiveGet || q.Get("advertiser_id") != "1700000000000001" || q.Get("aweme_id") != "98765" ||
		!strings.HasSuffix(q.Get("start_time"), " 00:00:00") || q.Get("fields") != `["stat_cost"]` {
		http.Error(w, "bad request "+r.URL.String(), http.StatusBadRequest)
		return
	}
	if f.http != 0 {
		w.WriteHeader(f.http)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Access-Token") != f.token {
		fmt.Fprint(w, `{"code":40105,"message":"access_token无效","request_id":"2023102014000001","data":{}}`)
		return
	}
	if f.code != 0 {
		fmt.Fprintf(w, `{"code":%d,"message":"failed","request_id":"r","data":{}}`, f.code)
		return
	}
	fmt.Fprintf(w, `{"code":0,"message":"OK","request_id":"2023102014000002","data":{"stat_cost":"%s","click_cnt":12,"ctr":0.0123}}`, f.cost)
}

type staticLive []LiveRoom

func (s staticLive) LiveRooms(context.Context, string) ([]LiveRoom, error) { return s, nil }

func TestQianchuanPoller(t *testing.T) {
	_, conn := localtest.Database(t)
	_, rc := localtest.Redis(t)
	api := &fakeQianchuan{cost: "10.00", token: "qc-token-1"}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	sealer, _ := NewSealer([]byte(strings.Repeat("q", 32)))
	ints := NewIntegrations(conn, sealer)
	ctx := context.Background()
	in := Integration{Shop: "shop1", Platform: Qianchuan, AdvertiserID: "1700000000000001", AwemeID: "98765", Room: "room1",
		APIURL: srv.URL + "/open_api", AccessToken: "qc-token-1"}
	if err := ints.Put(ctx, in); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2023, 10, 20, 12, 0, 0, 0, time.UTC) // 20:00 in China
	rec := &recorder{}
	stats := &Stats{Redis: rc}
	live := staticLive{{Room: "room1", Started: now.Add(-time.Hour)}}
	var mu sync.Mutex
	q := &QianchuanPoller{Integrations: ints, Totals: &Totals{Events: rec, CH: conn, Redis: rc}, Live: live, Stats: stats,
		Redis: rc, Client: &http.Client{Timeout: time.Second}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Every: time.Minute, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	advance := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
		rc.FlushAll(ctx) // the cross-instance poll key expires with real time; the test's clock is its own
	}
	q.Tick(ctx) // the first reading of the day is where counting starts (the session began today)
	if n, _ := rec.count(ingest.TypeAdSpend, ""); n != 0 || api.calls != 1 {
		t.Fatalf("baseline: %d events, %d calls", n, api.calls)
	}
	q.Tick(ctx) // not due again within the minute
	if api.calls != 1 {
		t.Fatalf("rate limit: %d calls", api.calls)
	}
	api.cost = "12.50"
	advance(time.Minute)
	q.Tick(ctx)
	if n, amt := rec.count(ingest.TypeAdSpend, ""); n != 1 || amt != 250 {
		t.Fatalf("increase: %d events, %d fen", n, amt)
	}
	e := func() ingest.Event {
		for _, e := range rec.events {
			return e
		}
		return ingest.Event{}
	}()
	if e.Room != "room1" || e.User != "" || !e.TS.Equal(now) {
		t.Fatalf("event %+v", e)
	}
	// The token is refused: shown as a token error, then polling backs off (2, 4 minutes).
	api.token = "qc-token-2"
	advance(time.Minute)
	q.Tick(ctx)
	sum, _ := stats.Summary(ctx, "shop1", Qianchuan)
	if len(sum.Errors) == 0 || sum.Errors[0].Kind != ErrorToken || !strings.Contains(sum.Errors[0].Error, "40105") {
		t.Fatalf("token error not shown: %+v", sum.Errors)
	}
	calls := api.calls
	advance(time.Minute)
	q.Tick(ctx)
	if api.calls != calls {
		t.Fatalf("no backoff after an error: %d calls", api.calls)
	}
	advance(time.Minute)
	q.Tick(ctx)
	if api.calls != calls+1 {
		t.Fatalf("not polled after the backoff: %d calls, want %d", api.calls, calls+1)
	}
	// A new token: polling resumes; a server error is backed off too and shown.
	if err := ints.Put(ctx, Integration{Shop: "shop1", Platform: Qianchuan, AdvertiserID: "1700000000000001", AwemeID: "98765",
		Room: "room1", APIURL: srv.URL + "/open_api", AccessToken: "qc-token-2"}); err != nil {
		t.Fatal(err)
	}
	api.cost = "13.00"
	advance(10 * time.Minute)
	q.Tick(ctx)
	if _, amt := rec.count(ingest.TypeAdSpend, ""); amt != 300 {
		t.Fatalf("after new token: %d fen", amt)
	}
	// The room is not live: nothing is polled.
	q.Live = staticLive{}
	calls = api.calls
	advance(time.Minute)
	q.Tick(ctx)
	if api.calls != calls {
		t.Fatal("polled a room that is not live")
	}
	// HTTP 500: an error on the page, no events.
	q.Live = live
	api.http = http.StatusInternalServerError
	advance(time.Minute)
	q.Tick(ctx)
	sum, _ = stats.Summary(ctx, "shop1", Qianchuan)
	if !strings.Contains(sum.Errors[0].Error, "HTTP 500") {
		t.Fatalf("server error not shown: %+v", sum.Errors[0])
	}
	// The next day: a session that began before midnight counts the new day's spend from zero.
	api.http, api.cost = 0, "3.00"
	advance(6 * time.Hour) // 04:xx the next day in China
	q.Tick(ctx)
	if _, amt := rec.count(ingest.TypeAdSpend, ""); amt != 600 {
		t.Fatalf("after midnight: %d fen, want 600", amt)
	}
}
