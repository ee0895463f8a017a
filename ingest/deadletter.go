package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// DeadLetters holds events ClickHouse refused for their content, one batch per file in the
// spool format, beside a .json file saying why and when. They are kept so a person can look at
// them (`livedesk dead-letter list|show`) and send them again once the cause is fixed
// (`livedesk dead-letter redrive`, which moves them back into the spool: the running server, or
// the next one, replays them like any spooled batch and skips rows already stored).
//
// Invariant: a dead-lettered event was acknowledged to its sender and is in no other place on
// disk; it is in ClickHouse only after a successful re-drive.
type DeadLetters struct {
	spool *Spool // the dead-letter directory, in the spool's file format
	into  string // the live spool directory (re-drive target)
}

// DeadBatch describes one dead-lettered batch.
type DeadBatch struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	Rows  int       `json:"rows"`
	Shops []string  `json:"shops"`
	// ShopRows is the rows of each shop.
	ShopRows map[string]int `json:"shop_rows"`
	Reason   string         `json:"reason"` // ClickHouse's answer
}

// DeadLetterDir is the dead-letter directory inside a spool directory.
func DeadLetterDir(spoolDir string) string { return filepath.Join(spoolDir, "dead") }

// OpenDeadLetters opens (creating) the dead-letter directory of the spool at spoolDir.
func OpenDeadLetters(spoolDir string) (*DeadLetters, error) {
	s, err := OpenSpool(DeadLetterDir(spoolDir))
	if err != nil {
		return nil, fmt.Errorf("ingest: dead letters: %w", err)
	}
	return &DeadLetters{spool: s, into: spoolDir}, nil
}

// put stores events under a new id with the reason, and returns what it stored.
func (d *DeadLetters) put(events []Event, reason string) (DeadBatch, error) {
	b := DeadBatch{ID: newBatchID(), At: time.Now().UTC(), Rows: len(events), Reason: reason, ShopRows: map[string]int{}}
	for i := range events {
		if !slices.Contains(b.Shops, events[i].Shop) {
			b.Shops = append(b.Shops, events[i].Shop)
		}
		b.ShopRows[events[i].Shop]++
	}
	meta, err := json.Marshal(b)
	if err != nil {
		return b, fmt.Errorf("ingest: dead letter: %w", err)
	}
	// The reason first: a batch file without one is still listed, one without events is not.
	if err := os.WriteFile(d.metaPath(b.ID), meta, 0o644); err != nil {
		return b, fmt.Errorf("ingest: dead letter: %w", err)
	}
	if err := d.spool.Write(b.ID, events); err != nil {
		return b, fmt.Errorf("ingest: dead letter: %w", err)
	}
	return b, nil
}

func (d *DeadLetters) metaPath(id string) string {
	return filepath.Join(d.spool.dir, id+".json")
}

// List returns the dead-lettered batches, oldest first.
func (d *DeadLetters) List() ([]DeadBatch, error) {
	ids, err := d.spool.Pending()
	if err != nil {
		return nil, err
	}
	out := make([]DeadBatch, 0, len(ids))
	for _, id := range ids {
		b := DeadBatch{ID: id, Reason: "(reason file missing)"}
		if raw, err := os.ReadFile(d.metaPath(id)); err == nil {
			_ = json.Unmarshal(raw, &b)
		}
		out = append(out, b)
	}
	return out, nil
}

// Read returns one dead-lettered batch's events.
func (d *DeadLetters) Read(id string) ([]Event, error) {
	if !validBatchID(id) {
		return nil, fmt.Errorf("ingest: dead letter %q: no such batch", id)
	}
	return d.spool.Read(id)
}

// Redrive moves one batch back into the spool, where the writer's replayer inserts it (checking
// first which rows are stored already). If ClickHouse still refuses a row, it comes back here.
func (d *DeadLetters) Redrive(id string) error {
	if !validBatchID(id) {
		return fmt.Errorf("ingest: dead letter %q: no such batch", id)
	}
	from := filepath.Join(d.spool.dir, id+".ndjson")
	if err := os.Rename(from, filepath.Join(d.into, id+".ndjson")); err != nil {
		return fmt.Errorf("ingest: redrive %s: %w", id, err)
	}
	if err := syncDir(d.into); err != nil {
		return err
	}
	_ = os.Remove(d.metaPath(id))
	return nil
}

// validBatchID accepts the ids newBatchID makes (no path characters).
func validBatchID(id string) bool {
	return id != "" && !strings.ContainsAny(id, `/\.`) && len(id) < 64
}

// contentCodes are ClickHouse error codes that mean "these rows cannot be stored as they are"
// rather than "the server cannot store anything now": only these make the writer look for the
// refused rows (a wrong "content" verdict on an outage would dead-letter good events, so the list
// is short and explicit).
var contentCodes = map[int32]bool{
	6:   true, // CANNOT_PARSE_TEXT
	27:  true, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
	38:  true, // CANNOT_PARSE_DATE
	41:  true, // CANNOT_PARSE_DATETIME
	53:  true, // TYPE_MISMATCH
	69:  true, // ARGUMENT_OUT_OF_BOUND
	70:  true, // CANNOT_CONVERT_TYPE
	72:  true, // CANNOT_PARSE_NUMBER
	117: true, // INCORRECT_DATA
	131: true, // TOO_LARGE_STRING_SIZE
	321: true, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
	395: true, // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO (a view's check on a row)
	469: true, // VIOLATED_CONSTRAINT
}

// refusedForContent reports whether err is ClickHouse refusing the rows themselves. "Too many
// partitions for single INSERT block" (252, also the code of the transient "too many parts")
// counts: smaller pieces of the same rows go in.
func refusedForContent(err error) bool {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return false
	}
	if ex.Code == 252 {
		return strings.Contains(ex.Message, "partitions for single INSERT")
	}
	return contentCodes[ex.Code]
}
