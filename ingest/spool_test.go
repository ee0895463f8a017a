package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSpoolRoundTrip: what Write stores (parts in order, every field, strings JSON needs to
// escape) is what Read returns.
func TestSpoolRoundTrip(t *testing.T) {
	sp, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(1_790_000_000_123).UTC()
	full := Event{Shop: "s1", ID: "e1", Type: TypeOrder, Room: "r", User: "u", Product: "p", Order: "o",
		Status: "paid", Text: "引号\"反斜杠\\\n\t\r\x01<>&\u2028", Conversation: "c", Direction: "out", Source: "qianchuan",
		Extra: `{"k":"v"}`, TS: at, Received: at.Add(time.Second), Amount: -12345, Value: 1 << 40, Qty: -3, Rating: 5}
	parts := [][]Event{{full, {Shop: "s1", ID: "e2", Type: TypeClick, TS: at, Received: at}}, {}, {{Shop: "s1", ID: "e3", Type: TypeEnter, TS: at, Received: at}}}
	if err := sp.Write("b1", parts...); err != nil {
		t.Fatal(err)
	}
	got, err := sp.Read("b1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Event{parts[0][0], parts[0][1], parts[2][0]}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, want)
	}
}

// TestSpoolReadsEncodingJSON: a file written by encoding/json from the struct earlier versions
// spooled (same keys) reads back the same, so a spool left by an older server replays; a key
// of the wrong type fails the read and names its line.
func TestSpoolReadsEncodingJSON(t *testing.T) {
	type former struct {
		Shop, ID, Type, Room, User, Product, Order, Status, Text, Conversation, Direction, Source, Extra string
		TS, Received                                                                                     int64
		Amount, Value                                                                                    int64
		Qty                                                                                              int32
		Rating                                                                                           uint8
	}
	dir := t.TempDir()
	at := time.UnixMilli(1_790_000_000_123).UTC()
	old := former{Shop: "s1", ID: "e1", Type: TypeOrder, Room: "r", Text: "引号\"\n\u2028", Extra: `{"k":[1,2]}`,
		Source: "search", TS: at.UnixMilli(), Received: at.UnixMilli() + 1000, Amount: -5, Value: 1 << 50, Qty: 2, Rating: 4}
	var body []byte
	for range 2 {
		b, err := json.Marshal(old)
		if err != nil {
			t.Fatal(err)
		}
		body = append(append(body, b...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "b1.ndjson"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	sp, err := OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sp.Read("b1")
	if err != nil {
		t.Fatal(err)
	}
	want := Event{Shop: "s1", ID: "e1", Type: TypeOrder, Room: "r", Text: "引号\"\n\u2028", Extra: `{"k":[1,2]}`,
		Source: "search", TS: at, Received: at.Add(time.Second), Amount: -5, Value: 1 << 50, Qty: 2, Rating: 4}
	if len(got) != 2 || !reflect.DeepEqual(got[0], want) || !reflect.DeepEqual(got[1], want) {
		t.Fatalf("read back\n%+v\nwant twice\n%+v", got, want)
	}

	bad := append(body, []byte(`{"Shop":"s1","ID":"e3","TS":"yesterday"}`+"\n")...)
	if err := os.WriteFile(filepath.Join(dir, "b2.ndjson"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := sp.Read("b2"); err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "TS") {
		t.Fatalf("a string TS read as %v, want an error naming line 3 and TS", err)
	}
}

// BenchmarkSpoolRead reads back a spooled batch of 1,000 simulated events.
func BenchmarkSpoolRead(b *testing.B) {
	sp, err := OpenSpool(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	at := time.Now().UTC().Truncate(time.Millisecond)
	evs := make([]Event, 1000)
	for i := range evs {
		evs[i] = Event{Shop: "bench", ID: "sim-1-room1-" + strconv.Itoa(i), Type: TypeClick, Room: "room1",
			User: "u" + strconv.Itoa(i%300), Product: "p" + strconv.Itoa(i%40), Source: "recommend", TS: at, Received: at}
	}
	if err := sp.Write("b1", evs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sp.Read("b1"); err != nil {
			b.Fatal(err)
		}
	}
}
