package ingest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bodies to Parse. Whatever the input, Parse must not panic, must
// account for every non-blank line (or array element) exactly once, and every event it accepts
// must satisfy the rules the rest of livedesk relies on. The seed corpus is committed in
// testdata/fuzz/FuzzParse; run `go test ./ingest -run X -fuzz FuzzParse -fuzztime 60s` to search.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"a","type":"click","ts":1763812740123,"room":"r","user":"u","product":"p"}`))
	f.Add([]byte(`[{"id":1,"type":"order","ts":"2026-11-22T19:59:00+08:00","order":"o","product":"p","status":"paid","amount":1990,"qty":2}]`))
	f.Add([]byte("{\"id\":\"c\",\"type\":\"comment\",\"ts\":1763812740123,\"room\":\"r\",\"text\":\"多少钱\",\"x\":{\"y\":[1]}}\n{bad\n\n"))
	received := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, rejects := Parse(body, "shop", received)
		items := countItems(body)
		if items >= 0 && len(evs)+len(rejects) != items {
			t.Fatalf("%d events + %d rejects for %d items", len(evs), len(rejects), items)
		}
		for _, r := range rejects {
			if r.Line < 1 || r.Reason == "" {
				t.Fatalf("bad reject %+v", r)
			}
		}
		for _, e := range evs {
			if e.Shop != "shop" || e.ID == "" || e.TS.IsZero() || e.TS.After(received.Add(maxFutureT)) || e.TS.Before(earliest) {
				t.Fatalf("accepted an invalid event %+v", e)
			}
			if _, ok := typeRules[e.Type]; !ok {
				t.Fatalf("accepted type %q", e.Type)
			}
			if e.Amount < 0 || (e.Type == TypeOrder && (!validStatus[e.Status] || e.Qty < 1)) {
				t.Fatalf("accepted %+v", e)
			}
			if e.Extra != "" && !json.Valid([]byte(e.Extra)) {
				t.Fatalf("Extra is not JSON: %q", e.Extra)
			}
		}
	})
}

// countItems is how many lines (NDJSON) or elements (a valid JSON array) a body holds, or -1
// when that is not simply known (an invalid array yields one reject).
func countItems(body []byte) int {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	t := bytes.TrimLeft(body, " \t\r\n")
	if len(t) > 0 && t[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(t, &arr) != nil {
			return -1 // fastjson and encoding/json may disagree on edge cases; only no-panic then
		}
		return len(arr)
	}
	n := 0
	for _, l := range bytes.Split(body, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			n++
		}
	}
	return n
}
