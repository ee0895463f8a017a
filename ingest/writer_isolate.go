package ingest

import (
	"context"
	"time"
)

// isolateWholesaleAfter is how many refused rows isolation finds one by one before it
// dead-letters each further failing piece whole: a batch that is refused entirely (a view that
// throws on every row) would otherwise cost two INSERTs per row.
const isolateWholesaleAfter = 1000

// OnDeadLetter registers f to be called after a batch of refused events was moved to the dead
// letters (Main raises a task for each shop in it). f runs on the replayer.
func (w *Writer) OnDeadLetter(f func(ctx context.Context, b DeadBatch)) {
	w.hooksMu.Lock()
	w.onDead = append(w.onDead, f)
	w.hooksMu.Unlock()
}

// isolate is called when ClickHouse refused chunks for their content. It inserts them again in
// halves, recursively, so every row that can be stored is, and the rows refused alone go to the
// dead letters, with a metric, a log line and the OnDeadLetter hooks. It returns the chunks that
// were stored. An error other than a content refusal stops it: what was stored stays stored
// (under its batch id, so a replay skips it) and the caller keeps the batch in the spool.
func (w *Writer) isolate(chunks []chunk) ([]chunk, error) {
	var (
		stored  []chunk
		refused []Event
		reason  string
	)
	var try func(cs []chunk, known error) error
	try = func(cs []chunk, known error) error {
		n := rowsOf(cs)
		if n == 0 {
			return nil
		}
		err := known
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Timeout)
			w.inserting.Add(1)
			err = insertChunks(ctx, w.conn, cs)
			w.inserting.Add(-1)
			cancel()
			if err == nil {
				stored = append(stored, cs...)
				return nil
			}
		}
		if !refusedForContent(err) {
			return err
		}
		if reason == "" {
			reason = err.Error()
		}
		if n == 1 || len(refused) >= isolateWholesaleAfter {
			for _, c := range cs {
				refused = append(refused, c.events...)
			}
			return nil
		}
		a, b := halve(cs)
		if err := try(a, nil); err != nil {
			return err
		}
		return try(b, nil)
	}
	a, b := halve(chunks)
	err := try(a, nil)
	if err == nil {
		err = try(b, nil)
	}
	if len(refused) > 0 {
		// Even when stopped by an outage, the rows found so far are set aside: the batch's
		// replay would otherwise look for them again.
		if derr := w.deadLetter(refused, reason); derr != nil && err == nil {
			err = derr
		}
	}
	return stored, err
}

// deadLetter stores refused events in the dead letters and tells who needs to know.
func (w *Writer) deadLetter(events []Event, reason string) error {
	if w.dead == nil {
		return errNoDeadLetters
	}
	b, err := w.dead.put(events, reason)
	if err != nil {
		return err
	}
	deadRows.Add(float64(len(events)))
	w.count(func(s *WriterStats) { s.DeadRows += int64(len(events)) })
	w.log.Error("ingest: clickhouse refused events for their content; moved to the dead letters",
		"batch", b.ID, "rows", b.Rows, "shops", b.Shops, "reason", reason)
	w.hooksMu.Lock()
	hooks := w.onDead
	w.hooksMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, f := range hooks {
		f(ctx, b)
	}
	return nil
}

// rowsOf counts the events of chunks.
func rowsOf(cs []chunk) int {
	n := 0
	for _, c := range cs {
		n += len(c.events)
	}
	return n
}

// halve splits chunks into two runs of (nearly) equal row counts, keeping batch ids.
func halve(cs []chunk) (a, b []chunk) {
	half := rowsOf(cs) / 2
	for _, c := range cs {
		switch {
		case half <= 0:
			b = append(b, c)
		case len(c.events) <= half:
			a = append(a, c)
			half -= len(c.events)
		default:
			a = append(a, chunk{batch: c.batch, events: c.events[:half]})
			b = append(b, chunk{batch: c.batch, events: c.events[half:]})
			half = 0
		}
	}
	return a, b
}
