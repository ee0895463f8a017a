package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest/sim"
)

// taobaoCSV is the public Taobao sample in shared/, which sits beside the repository (tests run
// in cmd/livedesk, three levels below it).
const taobaoCSV = "../../../shared/data/taobao-user-behavior-sample.csv"

// runCmd runs a livedesk sub-command in-process and returns its standard output.
func runCmd(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if code := run(ctx, args, &out, &errb); code != 0 {
		t.Fatalf("livedesk %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

// TestSimulateCommand posts six simulated minutes at 1200x through the API: ClickHouse holds
// exactly the generator's events (per type), and the same seed again is all duplicates.
func TestSimulateCommand(t *testing.T) {
	s := startServer(t)
	key := s.apiKey("shop1")
	args := []string{"simulate", "--url", s.URL(), "--key", key, "--shop", "shop1", "--room", "r1", "--speed", "1200", "--seed", "3", "--duration", "6m"}
	want := sim.Generate(sim.Config{Shop: "shop1", Room: "r1", Seed: 3}, 6*time.Minute)
	byType := map[string]uint64{}
	for _, e := range want {
		byType[e.Type]++
	}
	out := runCmd(t, args...)
	if !strings.Contains(out, "accepted "+strconv.Itoa(len(want))+" duplicates 0 rejected 0") {
		t.Fatalf("first run: %q, want %d accepted", out, len(want))
	}
	for typ, n := range byType {
		if got := s.count("SELECT count() FROM events WHERE shop = 'shop1' AND room = 'r1' AND type = ?", typ); got != n {
			t.Errorf("%s: stored %d, generated %d", typ, got, n)
		}
	}
	// Timestamps are wall-clock times of the run, not simulated ones.
	if n := s.count("SELECT count() FROM events WHERE shop = 'shop1' AND ts < now() - 60"); n != 0 {
		t.Errorf("%d events carry a time before the run", n)
	}
	out = runCmd(t, args...)
	if !strings.Contains(out, "accepted 0 duplicates "+strconv.Itoa(len(want))) {
		t.Fatalf("second run: %q", out)
	}
	if got := s.count("SELECT count() FROM events WHERE shop = 'shop1'"); got != uint64(len(want)) {
		t.Fatalf("after the second run %d rows, want %d", got, len(want))
	}
}

// TestReplayTaobaoReconciles replays the Taobao sample and reconciles ClickHouse with the CSV:
// as many clicks as pv rows, paid orders as buy rows, GMV as their prices; again adds nothing.
func TestReplayTaobaoReconciles(t *testing.T) {
	f, err := os.Open(taobaoCSV)
	if err != nil {
		t.Fatalf("the Taobao sample must be in shared/ beside the repository: %v", err)
	}
	var pv, buy, gmv int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rec := strings.Split(sc.Text(), ",")
		switch rec[3] {
		case "pv":
			pv++
		case "buy":
			buy++
			item, _ := strconv.ParseInt(rec[1], 10, 64)
			gmv += sim.TaobaoPrice(item)
		}
	}
	f.Close()
	if pv != 3926 || buy != 77 {
		t.Errorf("the sample has %d pv and %d buy rows; its README says 3,926 and 77", pv, buy)
	}
	s := startServer(t)
	key := s.apiKey("tb")
	args := []string{"replay", "--url", s.URL(), "--key", key, "--taobao", taobaoCSV, "--room", "tbroom", "--speed", "100000", "--no-wait"}
	out := runCmd(t, args...)
	if want := "accepted " + strconv.FormatInt(pv+buy, 10) + " duplicates 0 rejected 0"; !strings.Contains(out, want) {
		t.Fatalf("first replay: %q, want %q", out, want)
	}
	if got := s.count("SELECT count() FROM events WHERE shop = 'tb' AND type = 'click'"); got != uint64(pv) {
		t.Errorf("clicks: %d, CSV pv rows: %d", got, pv)
	}
	if got := s.count("SELECT count() FROM events WHERE shop = 'tb' AND type = 'order' AND status = 'paid'"); got != uint64(buy) {
		t.Errorf("paid orders: %d, CSV buy rows: %d", got, buy)
	}
	if got := s.count("SELECT toUInt64(sum(amount)) FROM events WHERE shop = 'tb' AND type = 'order'"); got != uint64(gmv) {
		t.Errorf("GMV: %d fen, CSV prices: %d", got, gmv)
	}
	if got := s.count("SELECT count() FROM events WHERE shop = 'tb' AND extra LIKE '{\"category\":%'"); got != uint64(pv+buy) {
		t.Errorf("%d events kept the category field", got)
	}
	// The stream was moved to end now: the last event is recent, the span compressed 100000x.
	if got := s.count("SELECT toUInt64(now() - max(ts)) FROM events WHERE shop = 'tb'"); got > 60 {
		t.Errorf("last event %d s ago", got)
	}
	out = runCmd(t, args...)
	if want := "accepted 0 duplicates " + strconv.FormatInt(pv+buy, 10); !strings.Contains(out, want) {
		t.Fatalf("second replay: %q, want %q", out, want)
	}
	rows := s.count("SELECT count() FROM events WHERE shop = 'tb'")
	ids := s.count("SELECT uniqExact(id) FROM events WHERE shop = 'tb'")
	if rows != uint64(pv+buy) || ids != rows {
		t.Fatalf("after two replays: %d rows, %d distinct ids, want %d", rows, ids, pv+buy)
	}
}

// TestReplayFileCompressesTime replays a recorded NDJSON file of two simulated minutes at 60x: it
// takes about two seconds, its ts end now, and a --keep-ts replay of it is all duplicates.
func TestReplayFileCompressesTime(t *testing.T) {
	s := startServer(t)
	key := s.apiKey("shop1")
	evs := sim.Generate(sim.Config{Shop: "shop1", Room: "rec", Seed: 11, Start: time.Now().Add(-30 * time.Minute)}, 2*time.Minute)
	var body []byte
	for i := range evs {
		body = sim.AppendJSON(body, &evs[i])
	}
	file := filepath.Join(t.TempDir(), "rec.ndjson")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	out := runCmd(t, "replay", "--url", s.URL(), "--key", key, "--file", file, "--speed", "60")
	took := time.Since(began)
	if !strings.Contains(out, "accepted "+strconv.Itoa(len(evs))+" duplicates 0 rejected 0") {
		t.Fatalf("replay: %q (%d events)", out, len(evs))
	}
	if took < 1500*time.Millisecond || took > 10*time.Second {
		t.Errorf("two minutes at 60x took %v", took)
	}
	var first, last time.Time
	if err := s.CH.QueryRow(context.Background(), "SELECT min(ts), max(ts) FROM events WHERE shop = 'shop1'").Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if d := last.Sub(first); d > 3*time.Second || time.Since(last) > 30*time.Second {
		t.Errorf("replayed span %v ending %v ago; want about 2 s ending now", d, time.Since(last))
	}
	out = runCmd(t, "replay", "--url", s.URL(), "--key", key, "--file", file, "--speed", "1000", "--no-wait", "--keep-ts")
	if !strings.Contains(out, "accepted 0 duplicates "+strconv.Itoa(len(evs))) {
		t.Fatalf("second replay: %q", out)
	}
}
