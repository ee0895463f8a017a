package live

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

func TestSessionsManualQuietAndHook(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	s := DefaultSettings()
	s.AutoStart, s.QuietS = false, 120
	if err := te.e.UpdateSettings(ctx, "s1", "r1", s); err != nil {
		t.Fatal(err)
	}
	var ended []string
	te.e.OnSessionEnded(func(ctx context.Context, shop, room, id string, start, end time.Time) {
		ended = append(ended, fmt.Sprintf("%s/%s %s %s", shop, room, start.Format("15:04:05"), end.Format("15:04:05")))
	})
	te.feed(te.ev(ingest.TypeEnter, 0, "a", ""))
	te.at(time.Second)
	if snap := te.tick(); snap.Session.State != StateIdle {
		t.Fatalf("auto start is off: %+v", snap.Session)
	}
	sess, err := te.e.StartSession(ctx, "s1", "r1")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := te.e.StartSession(ctx, "s1", "r1")
	if again.ID != sess.ID {
		t.Fatal("开播 twice started two sessions")
	}
	te.at(10 * time.Second)
	if snap := te.tick(); snap.Session.ID != sess.ID || snap.Session.ClockS != 9 {
		t.Fatalf("session %+v", snap.Session)
	}
	if _, err := te.e.EndSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	if _, err := te.e.EndSession(ctx, "s1", "r1"); err != ErrNotLive {
		t.Fatalf("second 下播: %v", err)
	}
	// Auto start on, quiet period 120 s: a session starts on a live event and ends after quiet.
	s.AutoStart = true
	if err := te.e.UpdateSettings(ctx, "s1", "r1", s); err != nil {
		t.Fatal(err)
	}
	te.feed(te.ev(ingest.TypeEnter, 10*time.Minute, "b", ""))
	te.at(10*time.Minute + time.Second)
	snap := te.tick()
	if snap.Session.State != StateLive || !snap.Session.Auto {
		t.Fatalf("auto start: %+v", snap.Session)
	}
	te.at(13 * time.Minute)
	if snap = te.tick(); snap.Session.State != StateIdle {
		t.Fatalf("quiet period passed, session should end: %+v", snap.Session)
	}
	if len(ended) != 2 || ended[0] != "s1/r1 10:00:01 10:00:10" || ended[1] != "s1/r1 10:10:00 10:10:00" {
		t.Fatalf("SessionEnded calls: %q", ended)
	}
	all, err := te.e.Sessions(ctx, "s1", "r1", 10)
	if err != nil || len(all) != 2 || all[0].EndedBy != EndedByQuiet || all[1].EndedBy != EndedByOperator {
		t.Fatalf("stored sessions %+v %v", all, err)
	}
	rooms, err := te.e.Rooms(ctx, "s1")
	if err != nil || len(rooms) != 1 || rooms[0].Room != "r1" || rooms[0].State != StateIdle {
		t.Fatalf("rooms %+v %v", rooms, err)
	}
}

// TestAutoStartIncludesItsFirstEvents: a session started automatically begins with the burst of
// events that started it, not at the (later) tick that noticed them, so those events count.
func TestAutoStartIncludesItsFirstEvents(t *testing.T) {
	te := newTestEngine(t)
	var evs []ingest.Event
	for i := 0; i < 101; i++ {
		evs = append(evs, te.ev(ingest.TypeClick, 500*time.Millisecond, fmt.Sprintf("u%d", i), "p1"))
	}
	te.at(500 * time.Millisecond)
	te.feed(evs...)
	te.at(2500 * time.Millisecond) // the first tick after the burst comes two seconds later
	snap := te.tick()
	if snap.Session.State != StateLive || !snap.Session.Auto {
		t.Fatalf("auto start: %+v", snap.Session)
	}
	if got := snap.Session.Started; got != testBase.UnixMilli() {
		t.Fatalf("session started %v, want %v (the first event's second)", got, testBase)
	}
	if snap.SessionTotals.Clicks != 101 || flagOf(snap, RuleNoSale, "p1") == nil {
		t.Fatalf("the burst that started the session must count: clicks %d, flags %+v", snap.SessionTotals.Clicks, snap.Flags)
	}
}
