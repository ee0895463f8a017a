package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestDeadLetterEndToEnd: ClickHouse refuses two events of a request for their content. The
// request is acknowledged, its other events and the next requests are stored, the shop's admin
// gets an urgent task, and `livedesk dead-letter list / show / redrive` show the two and store
// them once the cause is gone.
func TestDeadLetterEndToEnd(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	if err := s.CH.Exec(ctx, `ALTER TABLE events ADD COLUMN poison_check UInt8 MATERIALIZED throwIf(text = 'poison')`); err != nil {
		t.Fatal(err)
	}
	key := s.apiKey("shopA")
	var body bytes.Buffer
	ts := time.Now().Add(-time.Minute).UnixMilli()
	for i := range 50 {
		text := "好看"
		if i == 7 || i == 30 {
			text = "poison"
		}
		fmt.Fprintf(&body, `{"id":"c-%d","type":"comment","ts":%d,"room":"r1","user":"u%d","text":%q}`+"\n", i, ts, i, text)
	}
	if code, res := s.post(key, body.Bytes()); code != 200 {
		t.Fatalf("post: %d %v", code, res)
	}
	waitUntil(t, 30*time.Second, "48 rows stored and a dead-letter task", func() bool {
		return s.count("SELECT count() FROM events WHERE shop = 'shopA' AND type = 'comment'") == 48 &&
			s.count("SELECT count() FROM tasks WHERE shop = 'shopA' AND type = 'dead_letter' AND role = 'admin' AND severity = 'urgent'") == 1
	})

	cli := func(args ...string) string {
		var out, errb bytes.Buffer
		full := append([]string{args[0], args[1], "--data-dir", s.Config.DataDir}, args[2:]...)
		if code := run(ctx, full, &out, &errb); code != 0 {
			t.Fatalf("livedesk %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	list := cli("dead-letter", "list")
	if !strings.Contains(list, "shopA") || !strings.Contains(list, "395") {
		t.Fatalf("dead-letter list:\n%s", list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	if shown := cli("dead-letter", "show", id); strings.Count(shown, "poison") != 2 {
		t.Fatalf("dead-letter show:\n%s", shown)
	}
	if err := s.CH.Exec(ctx, "ALTER TABLE events DROP COLUMN poison_check"); err != nil {
		t.Fatal(err)
	}
	cli("dead-letter", "redrive", "--all")
	waitUntil(t, 30*time.Second, "re-driven rows stored", func() bool {
		return s.count("SELECT count() FROM events WHERE shop = 'shopA' AND type = 'comment'") == 50
	})
	if list := cli("dead-letter", "list"); !strings.Contains(list, "no dead-lettered events") {
		t.Fatalf("after re-drive:\n%s", list)
	}
}

// waitUntil polls ok every 50 ms until it holds or within has passed.
func waitUntil(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
