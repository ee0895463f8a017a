package ingest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fastjson"
)

// Spool keeps batches that could not reach ClickHouse, one fsynced file per batch, until they are
// replayed. A file is complete once renamed from its .tmp name, so a crash mid-write leaves only a
// .tmp file, whose events were never acknowledged.
type Spool struct {
	dir string
}

// OpenSpool opens (creating) the spool directory and removes incomplete files left by a crash.
func OpenSpool(dir string) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ingest: spool dir: %w", err)
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	for _, t := range tmps {
		os.Remove(t)
	}
	return &Spool{dir: dir}, nil
}

// Write stores one batch (its parts in order) durably: the file and its directory entry are
// fsynced before it returns.
func (s *Spool) Write(batchID string, parts ...[]Event) error {
	final := filepath.Join(s.dir, batchID+".ndjson")
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("ingest: spool create: %w", err)
	}
	bp := spoolBufs.Get().(*[]byte)
	defer spoolBufs.Put(bp)
	n := 0
	for _, events := range parts {
		n += len(events)
	}
	buf := slices.Grow((*bp)[:0], n*spoolLineGuess)
	for _, events := range parts {
		for i := range events {
			buf = appendSpoolLine(buf, &events[i])
		}
	}
	*bp = buf
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return fmt.Errorf("ingest: spool write: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("ingest: spool fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("ingest: spool close: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("ingest: spool rename: %w", err)
	}
	return syncDir(s.dir)
}

// spoolLineGuess is about the bytes of one spooled event, to size the buffer once.
const spoolLineGuess = 320

// spoolBufs recycles the buffers batches are encoded into (one write per file).
var spoolBufs = sync.Pool{New: func() any { return new([]byte) }}

// appendSpoolLine appends e as one JSON line: an object with every field of Event under its Go
// name (the times as unix milliseconds), as encoding/json wrote it for the files of earlier
// versions, without reflection: spilling is on the hot path under load. Read decodes it.
func appendSpoolLine(b []byte, e *Event) []byte {
	str := func(b []byte, k, v string) []byte {
		b = append(b, k...)
		return AppendJSONString(b, v)
	}
	b = str(b, `{"Shop":`, e.Shop)
	b = str(b, `,"ID":`, e.ID)
	b = str(b, `,"Type":`, e.Type)
	b = str(b, `,"Room":`, e.Room)
	b = str(b, `,"User":`, e.User)
	b = str(b, `,"Product":`, e.Product)
	b = str(b, `,"Order":`, e.Order)
	b = str(b, `,"Status":`, e.Status)
	b = str(b, `,"Text":`, e.Text)
	b = str(b, `,"Conversation":`, e.Conversation)
	b = str(b, `,"Direction":`, e.Direction)
	b = str(b, `,"Source":`, e.Source)
	b = str(b, `,"Extra":`, e.Extra)
	b = strconv.AppendInt(append(b, `,"TS":`...), e.TS.UnixMilli(), 10)
	b = strconv.AppendInt(append(b, `,"Received":`...), e.Received.UnixMilli(), 10)
	b = strconv.AppendInt(append(b, `,"Amount":`...), e.Amount, 10)
	b = strconv.AppendInt(append(b, `,"Value":`...), e.Value, 10)
	b = strconv.AppendInt(append(b, `,"Qty":`...), int64(e.Qty), 10)
	b = strconv.AppendUint(append(b, `,"Rating":`...), uint64(e.Rating), 10)
	return append(b, '}', '\n')
}

// AppendJSONString appends v as a JSON string. Unlike strconv.Quote it writes only escapes JSON
// has; bytes of invalid UTF-8 pass through (the parser has rejected them by then).
func AppendJSONString(b []byte, v string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("ingest: spool open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("ingest: spool fsync dir: %w", err)
	}
	return nil
}

// Pending lists spooled batch ids, oldest first.
func (s *Spool) Pending() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(s.dir, "*.ndjson"))
	if err != nil {
		return nil, fmt.Errorf("ingest: spool list: %w", err)
	}
	sort.Strings(files) // batch ids start with a zero-padded time, so names sort by age
	ids := make([]string, len(files))
	for i, f := range files {
		ids[i] = strings.TrimSuffix(filepath.Base(f), ".ndjson")
	}
	return ids, nil
}

// estimate is about how many events the batch's file holds (at least 1), from its size.
func (s *Spool) estimate(batchID string) int {
	fi, err := os.Stat(filepath.Join(s.dir, batchID+".ndjson"))
	if err != nil {
		return 1
	}
	return max(1, int(fi.Size()/spoolLineGuess))
}

// Read loads one spooled batch (the lines appendSpoolLine wrote). It decodes with fastjson, as
// the ingest parser does, and cuts the strings from one arena: a backlog beyond SpillMemory is
// replayed from these files, and encoding/json's reflective decoder took a third of the server's
// CPU then (the ingest bench with ClickHouse behind), CPU ClickHouse needed to catch up.
// Unknown keys are ignored; a key of the wrong type fails the read.
func (s *Spool) Read(batchID string) ([]Event, error) {
	raw, err := os.ReadFile(filepath.Join(s.dir, batchID+".ndjson"))
	if err != nil {
		return nil, fmt.Errorf("ingest: spool read: %w", err)
	}
	p := parserPool.Get()
	defer parserPool.Put(p)
	out := make([]Event, 0, bytes.Count(raw, []byte{'\n'}))
	var a strArena
	for line := 1; len(raw) > 0; line++ {
		ln := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			ln, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if len(bytes.TrimSpace(ln)) == 0 {
			continue
		}
		e, err := decodeSpoolLine(p, ln, &a)
		if err != nil {
			return nil, fmt.Errorf("ingest: spool decode %s line %d: %w", batchID, line, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// decodeSpoolLine decodes one line of a spool file.
func decodeSpoolLine(p *fastjson.Parser, ln []byte, a *strArena) (Event, error) {
	var e Event
	v, err := p.ParseBytes(ln)
	if err != nil {
		return e, err
	}
	o, err := v.Object()
	if err != nil {
		return e, err
	}
	var first error
	str := func(k []byte, f *fastjson.Value) string {
		b, err := f.StringBytes()
		if err != nil && first == nil {
			first = fmt.Errorf("%s: %w", k, err)
		}
		return a.str(b)
	}
	num := func(k []byte, f *fastjson.Value) int64 {
		n, err := f.Int64()
		if err != nil && first == nil {
			first = fmt.Errorf("%s: %w", k, err)
		}
		return n
	}
	o.Visit(func(k []byte, f *fastjson.Value) {
		switch string(k) {
		case "Shop":
			e.Shop = str(k, f)
		case "ID":
			e.ID = str(k, f)
		case "Type":
			e.Type = str(k, f)
		case "Room":
			e.Room = str(k, f)
		case "User":
			e.User = str(k, f)
		case "Product":
			e.Product = str(k, f)
		case "Order":
			e.Order = str(k, f)
		case "Status":
			e.Status = str(k, f)
		case "Text":
			e.Text = str(k, f)
		case "Conversation":
			e.Conversation = str(k, f)
		case "Direction":
			e.Direction = str(k, f)
		case "Source":
			e.Source = str(k, f)
		case "Extra":
			e.Extra = str(k, f)
		case "TS":
			e.TS = time.UnixMilli(num(k, f)).UTC()
		case "Received":
			e.Received = time.UnixMilli(num(k, f)).UTC()
		case "Amount":
			e.Amount = num(k, f)
		case "Value":
			e.Value = num(k, f)
		case "Qty":
			e.Qty = int32(num(k, f))
		case "Rating":
			e.Rating = uint8(num(k, f))
		}
	})
	return e, first
}

// Remove deletes a replayed batch. The removal is not fsynced: a file that reappears after a
// crash is replayed again, and the replay skips the rows already stored under its batch id.
func (s *Spool) Remove(batchID string) error {
	if err := os.Remove(filepath.Join(s.dir, batchID+".ndjson")); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("ingest: spool remove: %w", err)
	}
	return nil
}
