package ingest

import (
	"reflect"
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
		Status: "paid", Text: "引号\"反斜杠\\\n\t\r\x01<>&\u2028", Conversation: "c", Direction: "out",
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
