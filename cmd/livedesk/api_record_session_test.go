package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
)

// TestAPIRecordSession: a past stream posted with its own timestamps and then recorded is a
// session with a report built from those events; spans in the future, reversed, too long or
// overlapping another session are refused naming the field, and only admin keys may record.
func TestAPIRecordSession(t *testing.T) {
	s := startServer(t)
	admin := newAPIClient(t, s, keyOf(t, s, "shopA", livedesk.ScopeAdmin))
	operator := newAPIClient(t, s, keyOf(t, s, "shopA", livedesk.ScopeOperate))
	start := time.Now().Add(-26 * time.Hour).Truncate(time.Second).UTC()
	var body strings.Builder
	for i := range 20 {
		fmt.Fprintf(&body, `{"id":"c%d","type":"click","ts":%d,"room":"r1","user":"u%d","product":"p1"}`+"\n", i, start.Add(time.Duration(i)*time.Second).UnixMilli(), i)
	}
	fmt.Fprintf(&body, `{"id":"o1","type":"order","status":"paid","order":"o1","amount":1990,"ts":%d,"room":"r1","user":"u1","product":"p1"}`+"\n", start.Add(30*time.Second).UnixMilli())
	if code, res := admin.do("POST", "/events", body.String()); code != 200 || res["accepted"] != 21.0 {
		t.Fatalf("events: %d %v", code, res)
	}
	span := func(from, to time.Time) string {
		return fmt.Sprintf(`{"started":%q,"ended":%q}`, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	if code, _ := operator.do("POST", "/rooms/r1/sessions", span(start, start.Add(time.Hour))); code != 403 {
		t.Fatalf("operator key recorded a session: %d", code)
	}
	for _, bad := range []struct{ body, field string }{
		{span(start, start.Add(-time.Minute)), "ended"},
		{span(start, time.Now().Add(time.Hour)), "ended"},
		{span(start, start.Add(25*time.Hour)), "ended"},
		{`{"started":"yesterday"}`, "started"},
	} {
		if code, res := admin.do("POST", "/rooms/r1/sessions", bad.body); code != 400 || res["field"] != bad.field {
			t.Errorf("%s: %d %v, want 400 naming %s", bad.body, code, res, bad.field)
		}
	}
	code, res := admin.do("POST", "/rooms/r1/sessions", span(start, start.Add(time.Hour)))
	if code != 201 {
		t.Fatalf("record: %d %v", code, res)
	}
	sess := res["session"].(map[string]any)
	if sess["ended_by"] != "recorded" || sess["live"] != false {
		t.Fatalf("recorded session: %v", sess)
	}
	if code, res := admin.do("POST", "/rooms/r1/sessions", span(start.Add(30*time.Minute), start.Add(2*time.Hour))); code != 400 || res["field"] != "started" {
		t.Fatalf("overlap: %d %v", code, res)
	}
	id := sess["id"].(string)
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, res := admin.do("GET", "/sessions/"+id+"/report", "")
		if code == 200 {
			h := res["report"].(map[string]any)["headline"].(map[string]any)
			if h["gmv"] != 1990.0 {
				t.Fatalf("report of the recorded session: headline %v", h)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("report of %s: %d %v", id, code, res)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
