package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Spool keeps batches that could not reach ClickHouse, one fsynced file per batch, until they are
// replayed. A file is complete once renamed from its .tmp name, so a crash mid-write leaves only a
// .tmp file, whose events were never acknowledged.
type Spool struct {
	dir string
}

// spoolEvent is Event as stored on disk.
type spoolEvent struct {
	Shop, ID, Type, Room, User, Product, Order, Status, Text, Conversation, Direction, Source, Extra string
	TS, Received                                                                                     int64
	Amount, Value                                                                                    int64
	Qty                                                                                              int32
	Rating                                                                                           uint8
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

// appendSpoolLine appends e as one JSON line of spoolEvent, as encoding/json would write it
// (Read decodes it with encoding/json), without reflection: spilling is on the hot path under
// load.
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

// Read loads one spooled batch.
func (s *Spool) Read(batchID string) ([]Event, error) {
	f, err := os.Open(filepath.Join(s.dir, batchID+".ndjson"))
	if err != nil {
		return nil, fmt.Errorf("ingest: spool read: %w", err)
	}
	defer f.Close()
	var out []Event
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	for dec.More() {
		var se spoolEvent
		if err := dec.Decode(&se); err != nil {
			return nil, fmt.Errorf("ingest: spool decode %s: %w", batchID, err)
		}
		out = append(out, Event{Shop: se.Shop, ID: se.ID, Type: se.Type, Room: se.Room, User: se.User,
			Product: se.Product, Order: se.Order, Status: se.Status, Text: se.Text, Conversation: se.Conversation,
			Direction: se.Direction, Source: se.Source, Extra: se.Extra, TS: time.UnixMilli(se.TS).UTC(),
			Received: time.UnixMilli(se.Received).UTC(), Amount: se.Amount, Value: se.Value, Qty: se.Qty, Rating: se.Rating})
	}
	return out, nil
}

// Remove deletes a replayed batch. The removal is not fsynced: a file that reappears after a
// crash is replayed again, and the replay skips the rows already stored under its batch id.
func (s *Spool) Remove(batchID string) error {
	if err := os.Remove(filepath.Join(s.dir, batchID+".ndjson")); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("ingest: spool remove: %w", err)
	}
	return nil
}
