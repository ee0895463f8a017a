package ingest

// parse.go is the request hot path: every posted event passes through Parse, the decoder and the
// field readers below, and BenchmarkParse measures them together. They share the pooled fastjson
// parser, the per-body string arena and the Reject shape, so they stay in one file, read top to
// bottom in call order, rather than split at ~400 lines.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/livedesk/livedesk"
	"github.com/valyala/fastjson"
)

// Limits on one event's fields.
const (
	maxIDLen   = 128
	maxTextLen = 4000
	maxFutureT = time.Hour
)

// Reject explains why one line (NDJSON) or element (JSON array, 1-based) was not accepted.
type Reject struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func (r Reject) Error() string {
	if r.Field == "" {
		return fmt.Sprintf("line %d: %s", r.Line, r.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", r.Line, r.Field, r.Reason)
}

var parserPool fastjson.ParserPool

// Parse reads a body of NDJSON (one event per line) or one JSON array of events. Every valid
// event is returned, stamped with shop and received; every invalid one yields a Reject naming its
// line and field. Parse never fails as a whole: a broken line only rejects that line.
func Parse(body []byte, shop string, received time.Time) ([]Event, []Reject) {
	events, rejects, _ := parse(body, shop, received, -1, -1)
	return events, rejects
}

// MaxExtraBytes bounds what one event keeps of the fields livedesk does not know (stored as
// JSON in extra, for audit): a 15 MB unknown field must not reach ClickHouse.
const MaxExtraBytes = 16 << 10

// MaxLines is the most lines (or array items) one request may hold; a larger body is refused
// whole (413), before any line is parsed.
const MaxLines = 200_000

// reserveEvents bounds the events reserved up front: a body of many short lines (bad ones cost
// nothing to send gzipped) must not reserve room for an event per newline.
const reserveEvents = 16_384

// parse is Parse keeping at most keep rejects (all when keep < 0) and counting the rest, so a
// body of millions of bad lines costs a counter, not a Reject each. newlines is the body's count
// of '\n' when the caller has it (-1: parse counts them), for the events' reservation. A JSON
// array of more than MaxLines elements returns a count of -1 (the caller answers
// ErrTooManyLines; NDJSON bodies are counted by the caller before parsing).
func parse(body []byte, shop string, received time.Time, keep, newlines int) ([]Event, []Reject, int) {
	p := parserPool.Get()
	defer parserPool.Put(p)
	received = received.UTC().Truncate(time.Millisecond)
	body = bytes.TrimPrefix(body, []byte("\ufeff")) // a UTF-8 byte order mark from Windows editors
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		events, rejects, n, tooMany := parseArray(p, bytes.TrimRight(trimmed, " \t\r\n"), shop, received, keep)
		if tooMany {
			return nil, nil, -1
		}
		return events, rejects, n
	}
	d := newDecoder(shop, received)
	if newlines < 0 {
		newlines = bytes.Count(body, []byte{'\n'})
	}
	events := make([]Event, 0, min(newlines+1, reserveEvents))
	var rj rejectList
	rj.keep = keep
	line := 0
	for len(body) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			raw, body = body[:i], body[i+1:]
		} else {
			raw, body = body, nil
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		v, err := p.ParseBytes(raw)
		if err != nil {
			rj.n++
			if rj.wants() {
				rj.list = append(rj.list, Reject{Line: line, Reason: "invalid JSON: " + shortErr(err)})
			}
			continue
		}
		ev, rej := d.decode(v)
		if rej != nil {
			rj.add(line, rej)
			continue
		}
		events = append(events, ev)
	}
	return events, rj.list, rj.n
}

// parseArray parses a JSON array body one element at a time, like lines: each element is cut
// out by splitArray and parsed on its own, so memory follows the largest element rather than
// the body (a whole-body parse of 16 MB of "{}," held ~5 million values at once), a broken
// element rejects only itself, and more than MaxLines elements stop the parse (tooMany).
func parseArray(p *fastjson.Parser, body []byte, shop string, received time.Time, keep int) (events []Event, rejects []Reject, n int, tooMany bool) {
	events = make([]Event, 0, reserveEvents/4)
	rj := rejectList{keep: keep}
	d := newDecoder(shop, received)
	count := 0
	err := splitArray(body, func(i int, raw []byte) bool {
		count = i
		if i > MaxLines {
			tooMany = true
			return false
		}
		v, err := p.ParseBytes(raw)
		if err != nil {
			rj.n++
			if rj.wants() {
				rj.list = append(rj.list, Reject{Line: i, Reason: "invalid JSON: " + shortErr(err)})
			}
			return true
		}
		ev, rej := d.decode(v)
		if rej != nil {
			rj.add(i, rej)
			return true
		}
		events = append(events, ev)
		return true
	})
	if err != nil && !tooMany {
		rj.n++
		if rj.wants() {
			rj.list = append(rj.list, Reject{Line: count + 1, Reason: "invalid JSON array: " + err.Error()})
		}
	}
	return events, rj.list, rj.n, tooMany
}

// splitArray calls f with the 1-based index and the raw bytes of each top-level element of the
// JSON array body (which starts with '['), until f returns false. It tracks only strings and
// nesting; each element is validated by its own parse. It fails on a body that is not one
// array (an unterminated one, or something after its ']').
func splitArray(body []byte, f func(i int, raw []byte) bool) error {
	i, n := 1, 0
	skip := func() {
		for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n') {
			i++
		}
	}
	skip()
	if i < len(body) && body[i] == ']' {
		i++
		skip()
		if i != len(body) {
			return errors.New("text after the closing ]")
		}
		return nil
	}
	for {
		start, depth, inStr := i, 0, false
	scan:
		for ; i < len(body); i++ {
			c := body[i]
			if inStr {
				switch c {
				case '\\':
					i++
				case '"':
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				if depth == 0 {
					break scan
				}
				depth--
			case ',':
				if depth == 0 {
					break scan
				}
			}
		}
		if i >= len(body) {
			return errors.New("the array is not closed with ]")
		}
		n++
		if !f(n, bytes.TrimSpace(body[start:i])) {
			return nil
		}
		if body[i] == ']' {
			i++
			skip()
			if i != len(body) {
				return errors.New("text after the closing ]")
			}
			return nil
		}
		i++ // the comma
	}
}

// rejectList counts rejected lines and keeps the first keep of them (all when keep < 0).
type rejectList struct {
	keep int
	n    int
	list []Reject
}

// wants reports whether another Reject is kept (so it is worth building its text).
func (r *rejectList) wants() bool { return r.keep < 0 || len(r.list) < r.keep }

// add counts a rejected line and keeps it while the list has room.
func (r *rejectList) add(line int, rej *Reject) {
	r.n++
	if r.wants() {
		rej.Line = line
		r.list = append(r.list, *rej)
	}
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// rules says which fields each type requires.
type rules struct {
	room, user, product, order, text bool
}

var typeRules = map[string]rules{
	TypeEnter: {room: true, user: true}, TypeLeave: {room: true, user: true},
	TypeOnline:     {room: true},
	TypeImpression: {room: true, product: true}, TypeClick: {room: true, product: true},
	TypeOrder:   {order: true, product: true},
	TypeComment: {room: true, text: true},
	TypeFollow:  {room: true}, TypeLike: {room: true}, TypeShare: {room: true},
	TypeAdSpend: {room: true},
	TypePin:     {room: true, product: true}, TypeUnpin: {room: true},
	TypeCue:       {room: true, text: true},
	TypeFlashSale: {room: true, product: true}, TypeCoupon: {room: true},
	TypeStock:     {product: true},
	TypeReview:    {order: true, product: true},
	TypeCSMessage: {text: true},
}

var validStatus = map[string]bool{
	StatusCreated: true, StatusPaid: true, StatusShipped: true, StatusDelivered: true,
	StatusCancelled: true, StatusRefundRequested: true, StatusRefunded: true, StatusRefundRejected: true,
}

// decoder turns parsed JSON values into events. One decoder serves one body: its visit
// callback is made once, and the strings of all its events are cut from a shared arena, so a
// 1,000-event body costs a few allocations instead of several per field.
type decoder struct {
	shop     string
	received time.Time
	arena    strArena
	visit    func(k []byte, v *fastjson.Value)

	// state of the event being decoded
	ev     Event
	extra  []byte
	rej    *Reject
	haveTS bool
}

func newDecoder(shop string, received time.Time) *decoder {
	d := &decoder{shop: shop, received: received}
	d.visit = d.field
	return d
}

// decode validates one JSON value as an event. The returned Reject has no line number yet.
func (d *decoder) decode(v *fastjson.Value) (Event, *Reject) {
	o, err := v.Object()
	if err != nil {
		return Event{}, &Reject{Reason: "event must be a JSON object"}
	}
	d.ev = Event{Shop: d.shop, Received: d.received}
	d.extra, d.rej, d.haveTS = d.extra[:0], nil, false
	o.Visit(d.visit)
	if d.rej != nil {
		return Event{}, d.rej
	}
	ev := d.ev
	if len(d.extra) > 0 {
		ev.Extra = string(append(d.extra, '}'))
	}
	if r := check(&ev, d.haveTS); r != nil {
		return Event{}, r
	}
	return ev, nil
}

// field reads one key of the object being decoded.
func (d *decoder) field(k []byte, fv *fastjson.Value) {
	if d.rej != nil {
		return
	}
	ev, a := &d.ev, &d.arena
	var rej *Reject
	switch string(k) {
	case "shop":
		// The API key decides the shop; a shop in the body is ignored.
	case "id":
		ev.ID, rej = idField("id", fv, a)
	case "type":
		ev.Type, rej = stringField("type", fv, 32, a)
	case "ts":
		ev.TS, rej = tsField(fv, d.received)
		d.haveTS = rej == nil
	case "room":
		if ev.Room, rej = idField("room", fv, a); rej == nil && ev.Room != "" {
			if err := livedesk.ValidRoom(ev.Room); err != nil {
				rej = &Reject{Field: "room", Reason: "must be 1 to 64 letters or digits (any script), '-', '_' or '.': no '/', spaces or control characters"}
			}
		}
	case "user":
		ev.User, rej = idField("user", fv, a)
	case "product":
		ev.Product, rej = idField("product", fv, a)
	case "order":
		ev.Order, rej = idField("order", fv, a)
	case "status":
		ev.Status, rej = stringField("status", fv, 32, a)
	case "amount":
		ev.Amount, rej = intField("amount", fv, 0, 1<<50)
	case "qty":
		var q int64
		q, rej = intField("qty", fv, 1, 1<<30)
		ev.Qty = int32(q)
	case "value":
		ev.Value, rej = intField("value", fv, math.MinInt32, 1<<50)
	case "text":
		ev.Text, rej = stringField("text", fv, maxTextLen, a)
	case "rating":
		var r int64
		r, rej = intField("rating", fv, 1, 5)
		ev.Rating = uint8(r)
	case "conversation":
		ev.Conversation, rej = idField("conversation", fv, a)
	case "direction":
		ev.Direction, rej = stringField("direction", fv, 8, a)
	case "source":
		ev.Source, rej = sourceField(fv, a)
	default:
		// Unknown fields are kept, as a JSON object, in Extra.
		if len(d.extra) == 0 {
			d.extra = append(d.extra, '{')
		} else {
			d.extra = append(d.extra, ',')
		}
		key := string(k)
		kb, _ := json.Marshal(key) // valid JSON, unlike strconv.Quote for control characters
		d.extra = append(d.extra, kb...)
		d.extra = append(d.extra, ':')
		mark := len(d.extra)
		d.extra = fv.MarshalTo(d.extra)
		// fastjson tolerates malformed numbers (".") and raw control characters in strings
		// and copies them through; Extra must stay valid JSON.
		if !json.Valid(d.extra[mark:]) {
			rej = &Reject{Field: key, Reason: "not valid JSON"}
		}
		if len(d.extra) > MaxExtraBytes {
			rej = &Reject{Field: key, Reason: "the fields livedesk does not know take more than " + strconv.Itoa(MaxExtraBytes) + " bytes in all"}
		}
	}
	d.rej = rej
}

// strArena hands out strings cut from large shared blocks. A block is never written again
// once a string points into it, so the strings stay immutable.
type strArena struct{ buf []byte }

func (a *strArena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, max(32<<10, len(b)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}

// check applies the per-type rules once every field is read.
func check(ev *Event, haveTS bool) *Reject {
	if ev.ID == "" {
		return &Reject{Field: "id", Reason: "required: the sender's unique event id"}
	}
	if ev.Type == "" {
		return &Reject{Field: "type", Reason: "required"}
	}
	r, ok := typeRules[ev.Type]
	if !ok {
		return &Reject{Field: "type", Reason: fmt.Sprintf("unknown type %q", ev.Type)}
	}
	if !haveTS {
		return &Reject{Field: "ts", Reason: "required: RFC 3339 time or unix milliseconds"}
	}
	switch {
	case r.room && ev.Room == "":
		return &Reject{Field: "room", Reason: "required for " + ev.Type}
	case r.user && ev.User == "":
		return &Reject{Field: "user", Reason: "required for " + ev.Type}
	case r.product && ev.Product == "":
		return &Reject{Field: "product", Reason: "required for " + ev.Type}
	case r.order && ev.Order == "":
		return &Reject{Field: "order", Reason: "required for " + ev.Type}
	case r.text && strings.TrimSpace(ev.Text) == "":
		return &Reject{Field: "text", Reason: "required for " + ev.Type}
	}
	if ev.Source != "" && ev.Type != TypeEnter && ev.Type != TypeOrder {
		return &Reject{Field: "source", Reason: "only enter and order events carry a traffic source"}
	}
	switch ev.Type {
	case TypeOrder:
		if !validStatus[ev.Status] {
			return &Reject{Field: "status", Reason: "must be one of created, paid, shipped, delivered, cancelled, refund_requested, refunded, refund_rejected"}
		}
		if ev.Qty == 0 {
			ev.Qty = 1
		}
	case TypeReview:
		if ev.Rating == 0 {
			return &Reject{Field: "rating", Reason: "required for review: 1 to 5"}
		}
	case TypeCSMessage:
		if ev.Conversation == "" {
			return &Reject{Field: "conversation", Reason: "required for cs_message"}
		}
		if ev.Direction != "in" && ev.Direction != "out" {
			return &Reject{Field: "direction", Reason: `must be "in" or "out"`}
		}
	case TypeOnline, TypeStock:
		if ev.Value < 0 {
			return &Reject{Field: "value", Reason: "must not be negative"}
		}
	}
	return nil
}

// sourceField reads the traffic source: a livedesk.Sources code or its Chinese label.
func sourceField(v *fastjson.Value, a *strArena) (string, *Reject) {
	s, rej := stringField("source", v, 32, a)
	if rej != nil || s == "" {
		return "", rej
	}
	src, ok := livedesk.ParseSource(s)
	if !ok {
		return "", &Reject{Field: "source", Reason: "must be one of " + strings.Join(livedesk.Sources, ", ") + " (or 推荐, 短视频, 关注, 搜索, 千川, 广告, 店铺, 其他); relays map platform values with livedesk.MapSource"}
	}
	return src, nil
}

func stringField(key string, v *fastjson.Value, max int, a *strArena) (string, *Reject) {
	b, err := v.StringBytes()
	if err != nil {
		return "", &Reject{Field: key, Reason: "must be a string"}
	}
	if !utf8.Valid(b) {
		return "", &Reject{Field: key, Reason: "must be valid UTF-8"}
	}
	if len(b) > max && utf8.RuneCount(b) > max {
		return "", &Reject{Field: key, Reason: fmt.Sprintf("longer than %d characters", max)}
	}
	return a.str(b), nil
}

// idField accepts a string or an integer (platform ids are often numeric).
func idField(key string, v *fastjson.Value, a *strArena) (string, *Reject) {
	if v.Type() == fastjson.TypeNumber {
		n, err := v.Int64()
		if err != nil {
			return "", &Reject{Field: key, Reason: "must be a string or an integer"}
		}
		return strconv.FormatInt(n, 10), nil
	}
	s, rej := stringField(key, v, maxIDLen, a)
	if rej != nil {
		if rej.Reason == "must be a string" {
			rej.Reason = "must be a string or an integer"
		}
		return "", rej
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return "", &Reject{Field: key, Reason: "must not hold control characters"}
		}
	}
	return strings.TrimSpace(s), nil
}

func intField(key string, v *fastjson.Value, min, max int64) (int64, *Reject) {
	if v.Type() != fastjson.TypeNumber {
		return 0, &Reject{Field: key, Reason: "must be an integer"}
	}
	n, err := v.Int64()
	if err != nil {
		if key == "amount" {
			return 0, &Reject{Field: key, Reason: "must be an integer number of fen (分), e.g. 1990 for ¥19.90"}
		}
		return 0, &Reject{Field: key, Reason: "must be an integer"}
	}
	if n < min || n > max {
		return 0, &Reject{Field: key, Reason: fmt.Sprintf("must be between %d and %d", min, max)}
	}
	return n, nil
}

// earliest is the oldest timestamp accepted (the Taobao sample starts in 2017).
var earliest = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)

// InWindow reports whether t is inside the event time window every event must fall in, for an
// event received at received: from 2010 (earliest) to an hour after received (clock skew).
// The parser applies it to posted events; adapters that build events from other formats (the
// platforms' pushes, relays) apply it too, so no path stores a time ClickHouse or the reports
// would misread (1970 from a zero, 2106 from a wrap).
func InWindow(t, received time.Time) bool {
	return !t.Before(earliest) && !t.After(received.Add(maxFutureT))
}

func tsField(v *fastjson.Value, received time.Time) (time.Time, *Reject) {
	var t time.Time
	switch v.Type() {
	case fastjson.TypeNumber:
		ms, err := v.Int64()
		if err != nil {
			return t, &Reject{Field: "ts", Reason: "a number must be integer unix milliseconds"}
		}
		if ms < 1e11 {
			return t, &Reject{Field: "ts", Reason: "a number must be unix milliseconds (this looks like seconds)"}
		}
		t = time.UnixMilli(ms).UTC()
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		var err error
		t, err = time.Parse(time.RFC3339Nano, string(s))
		if err != nil {
			return t, &Reject{Field: "ts", Reason: "not an RFC 3339 time such as 2026-11-22T20:15:00+08:00"}
		}
		t = t.UTC().Truncate(time.Millisecond)
	default:
		return t, &Reject{Field: "ts", Reason: "must be an RFC 3339 string or unix milliseconds"}
	}
	if t.Before(earliest) {
		return t, &Reject{Field: "ts", Reason: "before 2010"}
	}
	if t.After(received.Add(maxFutureT)) {
		return t, &Reject{Field: "ts", Reason: "more than an hour in the future"}
	}
	return t, nil
}
