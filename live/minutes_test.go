package live

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// minutesSeq is the seq of the room's latest KindMinutes envelope (0 when none).
func (te *testEngine) minutesSeq() int64 {
	te.t.Helper()
	b, err := te.e.Minutes(context.Background(), "s1", "r1")
	if err != nil {
		te.t.Fatal(err)
	}
	return hub.EnvelopeSeq(b)
}

// insertRaw writes rows straight into the events table, as a duplicate that slipped past the
// Redis dedup gate (Redis lost, a spool replayed twice) would be.
func (te *testEngine) insertRaw(events ...ingest.Event) {
	te.t.Helper()
	ctx := context.Background()
	b, err := te.ch.PrepareBatch(ctx, "INSERT INTO events (shop, room, ts, ts_ms, id, type, user, product, status, amount)")
	if err != nil {
		te.t.Fatal(err)
	}
	defer b.Close()
	for _, e := range events {
		if err := b.Append(e.Shop, e.Room, e.TS.Truncate(time.Second), uint16(e.TS.Nanosecond()/1e6), e.ID, e.Type, e.User, e.Product, e.Status, e.Amount); err != nil {
			te.t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		te.t.Fatal(err)
	}
}

// TestClosedMinutesExactFromClickHouse: a closed minute's numbers are computed from the raw
// events once its grace has passed — distinct users exact where the live HyperLogLog is not,
// a duplicate row counted once — and a late event for it corrects it and republishes the series.
func TestClosedMinutesExactFromClickHouse(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	// Minute 0: 6,000 distinct viewers (HyperLogLog is ~0.8% off here), clicks, a paid order and
	// online gauges.
	const viewers = 6000
	var evs []ingest.Event
	for i := 0; i < viewers; i++ {
		evs = append(evs, te.ev(ingest.TypeEnter, time.Duration(i)*time.Millisecond*9, fmt.Sprintf("user-%d", i), ""))
	}
	for i := 0; i < 40; i++ {
		evs = append(evs, te.ev(ingest.TypeClick, 20*time.Second+time.Duration(i)*time.Millisecond, fmt.Sprintf("user-%d", i%25), "p1"))
	}
	evs = append(evs, te.order(30*time.Second, "user-3", "p1", ingest.StatusPaid, 9900))
	for _, at := range []time.Duration{10 * time.Second, 59*time.Second + 999*time.Millisecond, 40 * time.Second} {
		g := te.ev(ingest.TypeOnline, at, "", "")
		g.Value = int64(at / time.Second) // the latest (59 s) wins, whatever the arrival order
		evs = append(evs, g)
	}
	te.feed(evs...)
	te.at(59 * time.Second)
	live := te.tick().Current
	t.Logf("open minute (Redis HyperLogLog): viewers %d of %d", live.Viewers, viewers)

	// Closed, still in its grace: shown from Redis, marked as not exact.
	te.at(61 * time.Second)
	te.tick()
	if m := te.minutes(); len(m) != 1 || m[0].Exact {
		t.Fatalf("minute in its grace period: %+v", m)
	}
	// A duplicate row of a click and of the paid order reaches the table behind dedup's back.
	te.insertRaw(evs[viewers], evs[viewers+40])

	te.at(64 * time.Second)
	te.tick()
	m := te.minutes()
	if len(m) != 1 || !m[0].Exact {
		t.Fatalf("settled minute not exact: %+v", m)
	}
	got := m[0]
	want := []int64{viewers, viewers, 40, 25, 1, 1, 9900, 59}
	have := []int64{got.Views, got.Viewers, got.Clicks, got.Clickers, got.Orders, got.Buyers, got.GMV, got.Online}
	if fmt.Sprint(have) != fmt.Sprint(want) {
		t.Fatalf("views viewers clicks clickers orders buyers gmv online\n got %v\nwant %v", have, want)
	}
	if got.CVR.Num != 1 || got.CVR.Den != 25 || got.UVValue.Den != viewers {
		t.Fatalf("rates on exact counts: cvr %+v uv %+v", got.CVR, got.UVValue)
	}

	// Nothing changed: the series is not published again (the tick carries no minutes).
	seq := te.minutesSeq()
	te.at(65 * time.Second)
	snap := te.tick()
	if te.minutesSeq() != seq {
		t.Fatal("unchanged minutes were published again")
	}
	if b, _ := json.Marshal(snap); strings.Contains(string(b), `"minutes"`) {
		t.Fatal("the tick still carries the minutes")
	}

	// A late event for the closed minute: recomputed and published again.
	te.feed(te.ev(ingest.TypeEnter, 50*time.Second, "late-user", ""))
	te.at(66 * time.Second)
	te.tick()
	if te.minutesSeq() == seq {
		t.Fatal("a late event did not republish the minutes")
	}
	if m := te.minutes(); !m[0].Exact || m[0].Views != viewers+1 || m[0].Viewers != viewers+1 {
		t.Fatalf("after a late event: views %d viewers %d exact %v", m[0].Views, m[0].Viewers, m[0].Exact)
	}

	// A new leader loads the exact minutes cached in Redis (no ClickHouse read needed).
	te.e.rooms = map[string]*roomState{}
	te.at(67 * time.Second)
	te.tick()
	if m := te.minutes(); !m[0].Exact || m[0].Viewers != viewers+1 {
		t.Fatalf("new leader: %+v", m[0])
	}
}

// TestTickSizeLongSession prints the tick's size late in a 3-hour stream before (closed minutes in
// every tick) and after (closed minutes in their own message, sent when a minute closes).
func TestTickSizeLongSession(t *testing.T) {
	start := testBase
	now := start.Add(3 * time.Hour)
	var d roomData
	for i := 0; i < 180; i++ {
		c := counts{Entries: 300 + int64(i), Leaves: 250, Impressions: 2400 + int64(i), Clicks: 410 + int64(i%37),
			Orders: 12 + int64(i%5), GMV: 123456 + int64(i)*77, Comments: 60, Follows: 4, Likes: 300, Shares: 2, AdSpend: 15000}
		c.Online, c.HasOnline = 1800+int64(i), true
		mt := metrics(c, distincts{Viewers: 280, Exposed: 900, Clickers: 350, Buyers: 11}, start.Add(time.Duration(i)*time.Minute).UnixMilli(),
			start.Add(time.Duration(i+1)*time.Minute).UnixMilli(), c.Online)
		mt.Exact = true
		d.Minutes = append(d.Minutes, mt)
	}
	d.Current, d.Session, d.Last, d.Prev = d.Minutes[179], d.Minutes[179], d.Minutes[178], d.Minutes[177]
	for i := 0; i < 12; i++ {
		d.Products = append(d.Products, ProductWindow{Product: fmt.Sprintf("p-%d", 1000+i), Impressions: 900, Clicks: 130, Clickers: 120,
			CTR: livedesk.CTR(130, 900), CVR: livedesk.CVR(3, 120)})
	}
	for i := 0; i < maxComments; i++ {
		d.Comments = append(d.Comments, Comment{TS: now.UnixMilli(), User: fmt.Sprintf("u%d", i), Text: "这件衣服有S码吗？多少钱", Topic: livedesk.TopicSize})
	}
	d.Questions = questionCounts(map[string]int64{livedesk.TopicSize: 40}, map[string]int64{livedesk.TopicSize: 4}, d.Comments)
	sess := Session{ID: "r1-s", Started: start}
	snap := buildSnapshot("r1", sess, true, now, d, nil, DefaultSettings())
	after, _ := json.Marshal(snap)
	before, _ := json.Marshal(struct {
		Snapshot
		Minutes []Metrics `json:"minutes"`
	}{snap, d.Minutes})
	series, _ := json.Marshal(MinuteSeries{Room: "r1", Session: sess.ID, ServerTime: now.UnixMilli(), Minutes: d.Minutes})
	t.Logf("3-hour session, 180 closed minutes: tick before %d bytes/s per screen, after %d bytes/s; the minutes message is %d bytes, sent once a minute (%.0f bytes/s averaged)",
		len(before), len(after), len(series), float64(len(series))/60)
	if len(after)*5 > len(before) {
		t.Fatalf("tick %d bytes is not much smaller than %d", len(after), len(before))
	}
}

// BenchmarkExactMinute times the ClickHouse query that settles one closed minute holding
// LIVEDESK_EXACT_EVENTS events (default 300,000 = 5,000 events/s) — the once-a-minute cost the
// tick leader pays per busy room:
//
//	go test ./live/ -run '^$' -bench ExactMinute -benchtime 5x
func BenchmarkExactMinute(b *testing.B) {
	n := 300_000
	if v := os.Getenv("LIVEDESK_EXACT_EVENTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	_, ch := localtest.Database(b)
	_, rdb := localtest.Redis(b)
	e := NewEngine(rdb, ch, nil, quietLog)
	ctx := context.Background()
	types := []string{ingest.TypeEnter, ingest.TypeImpression, ingest.TypeImpression, ingest.TypeClick, ingest.TypeComment, ingest.TypeLeave, ingest.TypeOnline}
	for done := 0; done < n; {
		batch, err := ch.PrepareBatch(ctx, "INSERT INTO events (shop, room, ts, ts_ms, id, type, user, product, status, amount, text)")
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 100_000 && done < n; i, done = i+1, done+1 {
			ts := testBase.Add(time.Duration(done) * time.Minute / time.Duration(n))
			typ := types[done%len(types)]
			if err := batch.Append("s1", "r1", ts.Truncate(time.Second), uint16(ts.Nanosecond()/1e6), "e"+strconv.Itoa(done), typ,
				"u"+strconv.Itoa(done%20000), "p"+strconv.Itoa(done%30), "", int64(0), "有S码吗"); err != nil {
				b.Fatal(err)
			}
		}
		if err := batch.Send(); err != nil {
			b.Fatal(err)
		}
		batch.Close()
	}
	m := testBase.Unix()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := e.exactFromClickHouse(ctx, "s1", "r1", m, m+spanMinute)
		if err != nil || got[m].D.Viewers == 0 {
			b.Fatalf("%v %+v", err, got[m])
		}
	}
	b.ReportMetric(float64(n), "events/minute")
}

// TestClosedMinutesSettleOffTheTick: the settle query runs in the background when it is slow (here:
// the tick does not wait at all); a later tick takes its result, except for a minute that saw a
// late event after the query started, which is queried again.
func TestClosedMinutesSettleOffTheTick(t *testing.T) {
	te := newTestEngine(t)
	te.e.ExactWait = time.Nanosecond
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	te.feed(te.ev(ingest.TypeEnter, time.Second, "a", ""), te.ev(ingest.TypeEnter, 2*time.Second, "b", ""))
	waitJob := func() {
		t.Helper()
		te.e.mu.Lock()
		var st *roomState
		for _, s := range te.e.rooms {
			st = s
		}
		te.e.mu.Unlock()
		if st == nil || st.job == nil {
			t.Fatal("no settle query in flight")
		}
		<-st.job.done
	}
	te.at(30 * time.Second) // the first tick (new Redis: the room is rebuilt, which takes a while)
	te.tick()
	te.at(64 * time.Second)
	te.tick()
	if m := te.minutes(); len(m) != 1 || m[0].Exact {
		t.Fatalf("the tick waited for the query: %+v", m)
	}
	// A late event lands while the query runs: its result is stale for that minute.
	te.feed(te.ev(ingest.TypeEnter, 3*time.Second, "c", ""))
	waitJob()
	te.at(65 * time.Second)
	te.tick() // takes nothing stale, starts a new query
	if m := te.minutes(); m[0].Exact {
		t.Fatalf("a result older than the late event was taken: %+v", m[0])
	}
	waitJob()
	te.at(66 * time.Second)
	te.tick()
	if m := te.minutes(); !m[0].Exact || m[0].Views != 3 || m[0].Viewers != 3 {
		t.Fatalf("settled minute: exact %v views %d viewers %d", m[0].Exact, m[0].Views, m[0].Viewers)
	}
}

// TestReplayedEventsResettleMinute: an event acknowledged from the spool is counted live at once
// but reaches ClickHouse later. A minute settled in between lacks it; once the writer reports the
// replay (Counters.Replayed) the minute is computed again and includes it. A replayed event of a
// minute not yet settled marks nothing.
func TestReplayedEventsResettleMinute(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	var evs []ingest.Event
	for i := range 10 {
		evs = append(evs, te.ev(ingest.TypeEnter, time.Duration(i)*time.Second, fmt.Sprintf("u%d", i), ""))
	}
	te.feed(evs...)
	te.at(64 * time.Second)
	te.tick()
	if m := te.minutes(); len(m) != 1 || !m[0].Exact || m[0].Views != 10 {
		t.Fatalf("settled minute: %+v", m)
	}
	// Spilled at 59 s (acknowledged, counted live), inserted by the replayer only now.
	spilled := te.ev(ingest.TypeEnter, 59*time.Second, "u-spilled", "")
	te.insertRaw(spilled)
	te.at(65 * time.Second)
	te.tick()
	if m := te.minutes(); m[0].Views != 10 {
		t.Fatalf("the settled minute changed without a signal: %+v", m[0])
	}
	open := te.ev(ingest.TypeEnter, 64*time.Second, "u-open", "")
	te.e.Counters().Replayed(ctx, [][]ingest.Event{{spilled}, {open}})
	if late, _ := te.rdb.SMembers(ctx, lateKey("s1", "r1")).Result(); len(late) != 1 || late[0] != fmt.Sprint(testBase.Unix()) {
		t.Fatalf("late minutes after the replay: %v, want only the settled one", late)
	}
	te.at(66 * time.Second)
	te.tick()
	if m := te.minutes(); !m[0].Exact || m[0].Views != 11 || m[0].Viewers != 11 {
		t.Fatalf("after the replay: views %d viewers %d exact %v, want 11", m[0].Views, m[0].Viewers, m[0].Exact)
	}
}

// TestSlowSettlePaced: after a settle query that took 2 s, the room's next one waits 8 s
// (exactPause × 2 s), so late events trickling into a busy minute cannot keep ClickHouse busy
// with back-to-back recomputations; the minute shows the live estimate meanwhile.
func TestSlowSettlePaced(t *testing.T) {
	te := newTestEngine(t)
	ctx := context.Background()
	if _, err := te.e.StartSession(ctx, "s1", "r1"); err != nil {
		t.Fatal(err)
	}
	te.feed(te.ev(ingest.TypeEnter, time.Second, "a", ""))
	te.at(64 * time.Second)
	te.tick()
	if m := te.minutes(); len(m) != 1 || !m[0].Exact {
		t.Fatalf("settled minute: %+v", m)
	}
	te.e.mu.Lock()
	st := te.e.rooms[roomID("s1", "r1")]
	te.e.mu.Unlock()
	if st == nil {
		t.Fatal("no room state")
	}
	// As if that query had taken 2 s.
	done := make(chan struct{})
	close(done)
	m0 := testBase.Unix()
	st.job = &exactJob{done: done, started: time.Now(), took: 2 * time.Second, lo: m0, hi: m0 + 60,
		got: map[int64]exactMinute{m0: {C: counts{Entries: 1}}}}
	te.e.takeJob(ctx, "s1", "r1", st, te.now())

	te.feed(te.ev(ingest.TypeEnter, 2*time.Second, "b", ""))
	for _, at := range []time.Duration{66, 69, 71} {
		te.at(at * time.Second)
		te.tick()
		if st.job != nil {
			t.Fatalf("a settle query started %v after the slow one, before its 8 s pause", at*time.Second-64*time.Second)
		}
		if m := te.minutes(); m[0].Exact {
			t.Fatalf("at %v the late minute is marked exact: %+v", at*time.Second, m[0])
		}
	}
	te.at(73 * time.Second)
	te.tick()
	if m := te.minutes(); !m[0].Exact || m[0].Views != 2 {
		t.Fatalf("after the pause: exact %v views %d, want exact 2", m[0].Exact, m[0].Views)
	}
}
