package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/live"
)

// TestLiveEndToEnd posts a no-sale burst to one instance and sees the flag in the snapshot that
// the tick leader (either instance) published, read through the other instance.
func TestLiveEndToEnd(t *testing.T) {
	a := startServer(t)
	b := startServerOn(t, a.opts, a.redis, t.TempDir())
	key := a.apiKey("shop1")
	var body strings.Builder
	now := time.Now().UTC()
	for i := 0; i < 101; i++ {
		fmt.Fprintf(&body, `{"id":"c%d","type":"click","ts":%d,"room":"r1","user":"u%d","product":"p1"}`+"\n", i, now.UnixMilli(), i)
	}
	fmt.Fprintf(&body, `{"id":"x1","type":"order","status":"paid","order":"o1","amount":1990,"ts":%d,"room":"r1","user":"u1","product":"p2"}`+"\n", now.UnixMilli())
	if code, res := a.post(key, []byte(body.String())); code != 200 || res["accepted"].(float64) != 102 {
		t.Fatalf("post: %d %v", code, res)
	}
	eb := b.Engine
	deadline := time.Now().Add(10 * time.Second)
	for {
		raw, err := eb.Snapshot(context.Background(), "shop1", "r1")
		if err != nil {
			t.Fatal(err)
		}
		var env struct {
			Data live.Snapshot `json:"data"`
		}
		if raw != nil {
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatal(err)
			}
		}
		s := env.Data
		if len(s.Flags) == 1 && s.Flags[0].Rule == live.RuleNoSale && s.Flags[0].Product == "p1" {
			if s.Session.State != live.StateLive || s.SessionTotals.GMV != 1990 || s.SessionTotals.Clicks != 101 {
				t.Fatalf("snapshot: session %+v totals %+v", s.Session, s.SessionTotals)
			}
			t.Logf("flag raised %v after the post", time.Since(now))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no flag in the snapshot: %s", raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
