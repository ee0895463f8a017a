package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
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
	Shop, ID, Type, Room, User, Product, Order, Status, Text, Conversation, Direction, Extra string
	TS, Received                                                                             int64
	Amount, Value                                                                            int64
	Qty                                                                                      int32
	Rating                                                                                   uint8
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

// Write stores one batch durably: the file and its directory entry are fsynced before it returns.
func (s *Spool) Write(batchID string, events []Event) error {
	final := filepath.Join(s.dir, batchID+".ndjson")
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("ingest: spool create: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	for i := range events {
		e := &events[i]
		if err := enc.Encode(spoolEvent{Shop: e.Shop, ID: e.ID, Type: e.Type, Room: e.Room, User: e.User,
			Product: e.Product, Order: e.Order, Status: e.Status, Text: e.Text, Conversation: e.Conversation,
			Direction: e.Direction, Extra: e.Extra, TS: e.TS.UnixMilli(), Received: e.Received.UnixMilli(),
			Amount: e.Amount, Value: e.Value, Qty: e.Qty, Rating: e.Rating}); err != nil {
			f.Close()
			return fmt.Errorf("ingest: spool encode: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
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
			Direction: se.Direction, Extra: se.Extra, TS: time.UnixMilli(se.TS).UTC(),
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
