package ingest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

const okTS = `"ts":"2026-11-22T19:59:00+08:00"`

// TestParseFieldRules gives one line per rule and checks it is accepted, or rejected naming the
// field and a reason containing the given words.
func TestParseFieldRules(t *testing.T) {
	long := strings.Repeat("长", maxTextLen+1)
	cases := []struct {
		name, line string
		field      string // "" = accepted
		reason     string
		check      func(t *testing.T, e Event)
	}{
		{name: "click ok", line: `{"id":"a","type":"click",` + okTS + `,"room":"r","user":"u","product":"p"}`,
			check: func(t *testing.T, e Event) {
				if e.TS != time.Date(2026, 11, 22, 11, 59, 0, 0, time.UTC) || e.Shop != "shop" || e.Received != now {
					t.Errorf("got %+v", e)
				}
			}},
		{name: "id missing", line: `{"type":"like",` + okTS + `,"room":"r"}`, field: "id", reason: "required"},
		{name: "id blank", line: `{"id":"  ","type":"like",` + okTS + `,"room":"r"}`, field: "id", reason: "required"},
		{name: "id numeric", line: `{"id":12345678901,"type":"like",` + okTS + `,"room":"r"}`,
			check: func(t *testing.T, e Event) {
				if e.ID != "12345678901" {
					t.Errorf("id %q", e.ID)
				}
			}},
		{name: "id fraction", line: `{"id":1.5,"type":"like",` + okTS + `,"room":"r"}`, field: "id", reason: "integer"},
		{name: "id bool", line: `{"id":true,"type":"like",` + okTS + `,"room":"r"}`, field: "id", reason: "string or an integer"},
		{name: "id too long", line: `{"id":"` + strings.Repeat("x", maxIDLen+1) + `","type":"like",` + okTS + `,"room":"r"}`, field: "id", reason: "longer than 128"},
		{name: "type missing", line: `{"id":"a",` + okTS + `,"room":"r"}`, field: "type", reason: "required"},
		{name: "type unknown", line: `{"id":"a","type":"wave",` + okTS + `,"room":"r"}`, field: "type", reason: `unknown type "wave"`},
		{name: "type number", line: `{"id":"a","type":3,` + okTS + `,"room":"r"}`, field: "type", reason: "string"},
		{name: "ts missing", line: `{"id":"a","type":"like","room":"r"}`, field: "ts", reason: "required"},
		{name: "ts unix ms", line: `{"id":"a","type":"like","ts":1763812740123,"room":"r"}`,
			check: func(t *testing.T, e Event) {
				if e.TS.UnixMilli() != 1763812740123 {
					t.Errorf("ts %v", e.TS)
				}
			}},
		{name: "ts nanoseconds truncated", line: `{"id":"a","type":"like","ts":"2026-11-22T11:59:00.123456789Z","room":"r"}`,
			check: func(t *testing.T, e Event) {
				if e.TS.Nanosecond() != 123_000_000 {
					t.Errorf("ts %v", e.TS)
				}
			}},
		{name: "ts seconds", line: `{"id":"a","type":"like","ts":1763812740,"room":"r"}`, field: "ts", reason: "looks like seconds"},
		{name: "ts bad string", line: `{"id":"a","type":"like","ts":"yesterday","room":"r"}`, field: "ts", reason: "RFC 3339"},
		{name: "ts bool", line: `{"id":"a","type":"like","ts":false,"room":"r"}`, field: "ts", reason: "RFC 3339 string or unix milliseconds"},
		{name: "ts before 2010", line: `{"id":"a","type":"like","ts":"2009-12-31T23:00:00Z","room":"r"}`, field: "ts", reason: "before 2010"},
		{name: "ts far future", line: `{"id":"a","type":"like","ts":"2026-11-22T13:01:00Z","room":"r"}`, field: "ts", reason: "future"},
		{name: "ts near future ok", line: `{"id":"a","type":"like","ts":"2026-11-22T12:59:00Z","room":"r"}`},
		{name: "room required", line: `{"id":"a","type":"click",` + okTS + `,"user":"u","product":"p"}`, field: "room", reason: "required for click"},
		{name: "user required for enter", line: `{"id":"a","type":"enter",` + okTS + `,"room":"r"}`, field: "user", reason: "required for enter"},
		{name: "product required", line: `{"id":"a","type":"impression",` + okTS + `,"room":"r"}`, field: "product", reason: "required for impression"},
		{name: "order required", line: `{"id":"a","type":"order",` + okTS + `,"product":"p","status":"paid"}`, field: "order", reason: "required for order"},
		{name: "comment text required", line: `{"id":"a","type":"comment",` + okTS + `,"room":"r","text":"  "}`, field: "text", reason: "required for comment"},
		{name: "text too long", line: `{"id":"a","type":"comment",` + okTS + `,"room":"r","text":"` + long + `"}`, field: "text", reason: "longer than 4000"},
		{name: "text not UTF-8", line: "{\"id\":\"a\",\"type\":\"comment\"," + okTS + ",\"room\":\"r\",\"text\":\"\xff\xfe\"}", field: "text", reason: "UTF-8"},
		{name: "order ok, qty defaults to 1", line: `{"id":"a","type":"order",` + okTS + `,"order":"o1","product":"p","status":"paid","amount":1990}`,
			check: func(t *testing.T, e Event) {
				if e.Qty != 1 || e.Amount != 1990 || e.Status != StatusPaid || e.Order != "o1" {
					t.Errorf("got %+v", e)
				}
			}},
		{name: "order status missing", line: `{"id":"a","type":"order",` + okTS + `,"order":"o1","product":"p"}`, field: "status", reason: "must be one of"},
		{name: "order status unknown", line: `{"id":"a","type":"order",` + okTS + `,"order":"o1","product":"p","status":"lost"}`, field: "status", reason: "must be one of"},
		{name: "amount in yuan", line: `{"id":"a","type":"order",` + okTS + `,"order":"o1","product":"p","status":"paid","amount":19.9}`, field: "amount", reason: "fen"},
		{name: "amount negative", line: `{"id":"a","type":"ad_spend",` + okTS + `,"room":"r","amount":-5}`, field: "amount", reason: "between 0"},
		{name: "amount string", line: `{"id":"a","type":"ad_spend",` + okTS + `,"room":"r","amount":"5"}`, field: "amount", reason: "integer"},
		{name: "qty zero", line: `{"id":"a","type":"order",` + okTS + `,"order":"o1","product":"p","status":"paid","qty":0}`, field: "qty", reason: "between 1"},
		{name: "review rating missing", line: `{"id":"a","type":"review",` + okTS + `,"order":"o1","product":"p","text":"好"}`, field: "rating", reason: "1 to 5"},
		{name: "review rating 6", line: `{"id":"a","type":"review",` + okTS + `,"order":"o1","product":"p","rating":6}`, field: "rating", reason: "between 1 and 5"},
		{name: "review ok", line: `{"id":"a","type":"review",` + okTS + `,"order":"o1","product":"p","rating":1,"text":"差评"}`},
		{name: "cs_message conversation", line: `{"id":"a","type":"cs_message",` + okTS + `,"text":"在吗","direction":"in"}`, field: "conversation", reason: "required"},
		{name: "cs_message direction", line: `{"id":"a","type":"cs_message",` + okTS + `,"text":"在吗","conversation":"c1","direction":"up"}`, field: "direction", reason: `"in" or "out"`},
		{name: "online negative", line: `{"id":"a","type":"online",` + okTS + `,"room":"r","value":-1}`, field: "value", reason: "negative"},
		{name: "stock ok without room", line: `{"id":"a","type":"stock",` + okTS + `,"product":"p","value":0}`},
		{name: "unknown field not JSON", line: `{"id":"a","type":"like",` + okTS + `,"room":"r","meta":[.]}`, field: "meta", reason: "not valid JSON"},
		{name: "not an object", line: `[1,2]`, field: "", reason: "JSON object"},
		{name: "invalid JSON", line: `{"id":"a",`, field: "", reason: "invalid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each case sits on line 2 of an NDJSON body, after a valid line.
			body := `{"id":"first","type":"like",` + okTS + `,"room":"r"}` + "\n" + c.line + "\n"
			evs, rejects := Parse([]byte(body), "shop", now)
			accepted := c.field == "" && c.reason == ""
			if accepted {
				if len(rejects) != 0 || len(evs) != 2 {
					t.Fatalf("want accepted, got %d events, rejects %v", len(evs), rejects)
				}
				if c.check != nil {
					c.check(t, evs[1])
				}
				return
			}
			if len(evs) != 1 || evs[0].ID != "first" {
				t.Fatalf("the valid neighbour was not kept: %+v", evs)
			}
			if len(rejects) != 1 {
				t.Fatalf("want one reject, got %v", rejects)
			}
			r := rejects[0]
			if r.Line != 2 || r.Field != c.field || !strings.Contains(r.Reason, c.reason) {
				t.Fatalf("got %+v, want line 2 field %q reason containing %q", r, c.field, c.reason)
			}
		})
	}
}

func TestParseBodies(t *testing.T) {
	line := func(id string) string { return `{"id":"` + id + `","type":"like",` + okTS + `,"room":"r"}` }
	t.Run("NDJSON line numbers count blank lines and CRLF", func(t *testing.T) {
		body := "\ufeff" + line("a") + "\r\n\r\n" + `{"id":"b"}` + "\r\n" + line("c") + "\n   \n{oops\n" + line("d")
		evs, rejects := Parse([]byte(body), "s", now)
		if len(evs) != 3 || evs[0].ID != "a" || evs[1].ID != "c" || evs[2].ID != "d" {
			t.Fatalf("events %+v", evs)
		}
		if len(rejects) != 2 || rejects[0].Line != 3 || rejects[0].Field != "type" || rejects[1].Line != 6 {
			t.Fatalf("rejects %+v", rejects)
		}
	})
	t.Run("array elements are numbered from 1", func(t *testing.T) {
		body := " \n[" + line("a") + `,{"id":"b","type":"like"},7,` + line("c") + "]"
		evs, rejects := Parse([]byte(body), "s", now)
		if len(evs) != 2 || len(rejects) != 2 || rejects[0].Line != 2 || rejects[0].Field != "ts" || rejects[1].Line != 3 {
			t.Fatalf("events %d, rejects %+v", len(evs), rejects)
		}
	})
	t.Run("a truncated array keeps its complete elements", func(t *testing.T) {
		evs, rejects := Parse([]byte("["+line("a")+","), "s", now)
		if len(evs) != 1 || len(rejects) != 1 || rejects[0].Line != 2 || !strings.Contains(rejects[0].Reason, "not closed") {
			t.Fatalf("events %d, rejects %+v", len(evs), rejects)
		}
	})
	t.Run("a broken element rejects only itself", func(t *testing.T) {
		evs, rejects := Parse([]byte("[\n"+line("a")+",\n{bad},\n"+line("b")+", [1,{\"x\":\"],\"}]\n]\n"), "s", now)
		if len(evs) != 2 || len(rejects) != 2 || rejects[0].Line != 2 || rejects[1].Line != 4 {
			t.Fatalf("events %d, rejects %+v", len(evs), rejects)
		}
	})
	t.Run("text after the array", func(t *testing.T) {
		evs, rejects := Parse([]byte("["+line("a")+"] x"), "s", now)
		if len(evs) != 1 || len(rejects) != 1 || !strings.Contains(rejects[0].Reason, "after the closing") {
			t.Fatalf("events %d, rejects %+v", len(evs), rejects)
		}
	})
	t.Run("empty bodies", func(t *testing.T) {
		for _, b := range []string{"", "\n\n", "[]", " [ ] "} {
			if evs, rejects := Parse([]byte(b), "s", now); len(evs) != 0 || len(rejects) != 0 {
				t.Errorf("%q: %v %v", b, evs, rejects)
			}
		}
	})
	t.Run("unknown fields kept in Extra, shop in body ignored", func(t *testing.T) {
		body := `{"id":"a","type":"like",` + okTS + `,"room":"r","shop":"someone-else","origin":"douyin","meta":{"k":[1,"二"]},"bad\u0001key":null}`
		evs, rejects := Parse([]byte(body), "mine", now)
		if len(rejects) != 0 || len(evs) != 1 {
			t.Fatalf("%v %v", evs, rejects)
		}
		e := evs[0]
		if e.Shop != "mine" {
			t.Fatalf("shop %q", e.Shop)
		}
		var extra map[string]any
		if err := json.Unmarshal([]byte(e.Extra), &extra); err != nil {
			t.Fatalf("Extra %q is not JSON: %v", e.Extra, err)
		}
		if extra["origin"] != "douyin" || extra["meta"] == nil || len(extra) != 3 {
			t.Fatalf("Extra %s", e.Extra)
		}
		if _, ok := extra["shop"]; ok {
			t.Fatal("shop leaked into Extra")
		}
	})
}
