package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestParseCostBounded: a body of many bad lines (16 KB gzipped can inflate to millions) builds
// at most maxErrors rejects and reserves no event per newline; the counts stay exact.
func TestParseCostBounded(t *testing.T) {
	const n = 150_000
	body := bytes.Repeat([]byte("x\n"), n)
	events, rejects, rejected := parse(body, "s", time.Now(), maxErrors, -1)
	if rejected != n || len(rejects) != maxErrors || len(events) != 0 || cap(events) > reserveEvents {
		t.Fatalf("rejected %d, kept %d rejects, events cap %d", rejected, len(rejects), cap(events))
	}
	if rejects[0].Line != 1 || rejects[maxErrors-1].Line != maxErrors {
		t.Fatalf("kept rejects are not the first ones: %+v … %+v", rejects[0], rejects[maxErrors-1])
	}
	// Valid lines among bad ones are all kept, whatever the number of bad ones.
	body = append(bytes.Repeat([]byte("{}\n"), 1000), fmt.Sprintf(`{"id":"a","type":"like","ts":%d,"room":"r"}`, time.Now().UnixMilli())...)
	events, rejects, rejected = parse(body, "s", time.Now(), maxErrors, -1)
	if len(events) != 1 || rejected != 1000 || len(rejects) != maxErrors {
		t.Fatalf("events %d rejected %d kept %d", len(events), rejected, len(rejects))
	}
}

// TestTooManyLines: a body over MaxLines is refused whole before parsing.
func TestTooManyLines(t *testing.T) {
	s := &Service{}
	_, err := s.Ingest(context.Background(), "s", bytes.Repeat([]byte("\n"), MaxLines))
	if !errors.Is(err, ErrTooManyLines) {
		t.Fatalf("err = %v", err)
	}
}

// TestArrayBounded: a JSON array of more than MaxLines elements (one line, so no newline count
// catches it) is refused whole, and parsing an array holds one element at a time: the
// amplification body of 16 MB of "{}," costs rejects counted, not kept.
func TestArrayBounded(t *testing.T) {
	s := &Service{}
	body := append([]byte("["), bytes.Repeat([]byte("{},"), MaxLines)...)
	body = append(body, "{}]"...)
	if _, err := s.Ingest(context.Background(), "s", body); !errors.Is(err, ErrTooManyLines) {
		t.Fatalf("err = %v", err)
	}
	body = append([]byte("["), bytes.Repeat([]byte("{},"), MaxLines-1)...)
	body = append(body, "{}]"...)
	events, rejects, rejected := parse(body, "s", time.Now(), maxErrors, -1)
	if len(events) != 0 || rejected != MaxLines || len(rejects) != maxErrors || cap(events) > reserveEvents {
		t.Fatalf("events %d (cap %d), rejected %d, kept %d", len(events), cap(events), rejected, len(rejects))
	}
}

// TestExtraBounded: unknown fields are kept up to MaxExtraBytes per event; more is a reject
// naming the field, and the neighbours are kept.
func TestExtraBounded(t *testing.T) {
	ts := time.Now().UnixMilli()
	big := strings.Repeat("x", MaxExtraBytes)
	body := fmt.Sprintf(`{"id":"a","type":"like","ts":%d,"room":"r","note":"small"}`+"\n"+`{"id":"b","type":"like","ts":%d,"room":"r","blob":"%s"}`, ts, ts, big)
	events, rejects, rejected := parse([]byte(body), "s", time.Now(), maxErrors, -1)
	if len(events) != 1 || events[0].Extra != `{"note":"small"}` || rejected != 1 || rejects[0].Field != "blob" || rejects[0].Line != 2 {
		t.Fatalf("events %+v rejects %+v", events, rejects)
	}
}

// TestIDsRefuseControlCharacters: ids (event, user, product, order, room) never carry C0 or DEL.
func TestIDsRefuseControlCharacters(t *testing.T) {
	ts := time.Now().UnixMilli()
	for _, f := range []string{"id", "user", "product", "room"} {
		body := fmt.Sprintf(`{"id":"a","type":"click","ts":%d,"room":"r","user":"u","product":"p","%s":"x\u0001y"}`, ts, f)
		_, rejects, _ := parse([]byte(body), "s", time.Now(), maxErrors, -1)
		if len(rejects) != 1 || rejects[0].Field != f {
			t.Errorf("%s with a control character: %+v", f, rejects)
		}
	}
}
