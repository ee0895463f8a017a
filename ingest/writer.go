package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ErrBusy means the writer's queue is full: the caller should retry later (503 + Retry-After).
var ErrBusy = errors.New("ingest: writer queue full")

// ErrClosed means the writer is shutting down.
var ErrClosed = errors.New("ingest: writer closed")

var errNoDeadLetters = errors.New("ingest: clickhouse refused rows and no dead-letter directory is set")

// WriterConfig tunes the group-commit writer.
type WriterConfig struct {
	MaxBatch  int // most events in one INSERT (default 50,000: as efficient per row as 100,000 on 18.16, half the buffers)
	MaxQueued int // most events waiting or spilled-not-inserted before ErrBusy (default 1,000,000: ~10 s at 100,000/s; spilled ones mostly on disk only)
	// MaxQueuedBytes bounds the events handed to Write and not yet durable, in bytes of memory
	// (Event structs and their text): beyond it Write answers ErrBusy. Default 64 MiB.
	MaxQueuedBytes int64
	// SpillMemory bounds the spilled batches kept in memory for the replayer, in bytes; a batch
	// spilled beyond it is kept on disk only and read back from its spool file when replayed
	// (without the stored-rows check: it was never attempted). Default 64 MiB.
	SpillMemory int64
	Flushers    int           // concurrent INSERTs (default 2)
	Timeout     time.Duration // one INSERT's deadline (default 30 s)
	RetryEvery  time.Duration // how often the spool is replayed while ClickHouse is down (default 1 s)
	// ReplayLinger is how long the replayer lets spilled batches gather (up to MaxBatch rows)
	// before inserting them (default 1 s): small INSERTs cost ClickHouse more per row, and
	// their small parts more merging later. Acknowledgements do not wait for it, nor do the live
	// numbers (Redis); only reads of ClickHouse see the rows up to that much later. Gathering
	// MaxBatch in up to 1 s instead of MaxBatch/2 in 500 ms: ClickHouse 78% → 58% of the two
	// cores and 84,773 → 95,604 events/s in the ingest bench, back to back.
	ReplayLinger time.Duration
	// Replayers is how many replay INSERTs may run at once (default 2).
	Replayers int
	// SpillAt is the backlog (events handed to the writer and not yet stored) from which a
	// flusher, finding another INSERT running (a flusher's or the replayer's), fsyncs its batch
	// to the spool and acknowledges at once instead of waiting its turn; the replayer then
	// inserts the spilled batches in large groups. Default 1: under any concurrency, spill.
	// Negative turns spilling off.
	//
	// Why so eager: ClickHouse's cost per row falls steeply with the INSERT's size (18.16 with
	// the report views, CPU including the merges: 60–81 µs/row at 1,000 rows, 14 µs at 5,000,
	// 3 µs at 50,000; BenchmarkInsertSize), and the clients' acknowledgements then wait for an
	// fsync instead of an INSERT. With the old default (20,000) most INSERTs held ~5,000 rows
	// and the bench stalled at ~64,000 events/s with ClickHouse on a full core. Spilled batches
	// waiting for the replayer count as an INSERT running: a flusher joins them.
	SpillAt int
}

// Writer commits events to ClickHouse with group commit: concurrent requests are gathered into one
// INSERT. Write returns only when the events are durable: committed to ClickHouse, or, when
// ClickHouse fails, fsynced to the spool. The spool is replayed in the background; a replayed
// batch is checked against the rows already stored under its batch id, so each event lands once
// even if a crash interrupted an earlier replay.
//
// Under concurrent load the writer spills: with an INSERT already running, a flusher fsyncs its
// batch to the spool and acknowledges it (durable) without waiting, and the replayer inserts
// spilled batches in groups of up to MaxBatch rows from memory. Acknowledged latency then tracks
// fsync rather than ClickHouse, and ClickHouse gets fewer, larger INSERTs. Spilled-but-not-
// inserted events count against MaxQueued, so memory stays bounded. A spilled event is in
// ClickHouse a moment after its acknowledgement; OnReplay tells who needs to know.
type Writer struct {
	conn   driver.Conn
	spool  *Spool
	log    *slog.Logger
	cfg    WriterConfig
	queue  chan *writeReq
	queued atomic.Int64
	down   atomic.Bool // ClickHouse failed: new batches go to the spool until a replay succeeds

	inserting atomic.Int32 // INSERTs running, the flushers' and the replayers'
	spilled   atomic.Int64 // events spilled and not yet inserted
	queuedB   atomic.Int64 // bytes of the events handed to Write and not yet durable
	memMu     sync.Mutex
	mem       map[string]spilt // spilled batches by id: never attempted, so no check needed
	memBytes  int64            // bytes of the spilled batches held in memory (memMu)

	dead *DeadLetters // nil: content refusals wait in the spool like outages

	hooksMu  sync.Mutex
	onReplay []func(context.Context, [][]Event)
	onDead   []func(context.Context, DeadBatch)

	mu      sync.RWMutex
	closed  bool
	wg      sync.WaitGroup
	stop    chan struct{}
	kick    chan struct{}
	stats   WriterStats
	statsMu sync.Mutex
}

// WriterStats counts what the writer has done since start.
type WriterStats struct {
	Inserts, InsertedRows, SpooledBatches, SpooledRows, ReplayedRows, Failures int64
	SpilledBatches, SpilledRows, ReplayInserts                                 int64
	DeadRows                                                                   int64         // moved to the dead letters
	InsertTime                                                                 time.Duration // spent in successful INSERTs
}

type writeReq struct {
	events []Event
	bytes  int64 // parts{events}.bytes()
	done   chan error
}

// NewWriter starts the flushers and the spool replayer. Rows ClickHouse refuses for their content
// go to the dead letters beside the spool (DeadLetterDir), so the rest keeps flowing.
func NewWriter(conn driver.Conn, spool *Spool, log *slog.Logger, cfg WriterConfig) *Writer {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 50_000
	}
	if cfg.MaxQueuedBytes <= 0 {
		cfg.MaxQueuedBytes = 64 << 20
	}
	if cfg.SpillMemory <= 0 {
		cfg.SpillMemory = 64 << 20
	}
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = 1_000_000
	}
	if cfg.Flushers <= 0 {
		cfg.Flushers = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = time.Second
	}
	if cfg.Replayers <= 0 {
		cfg.Replayers = 2
	}
	if cfg.ReplayLinger <= 0 {
		cfg.ReplayLinger = time.Second
	}
	if cfg.SpillAt == 0 {
		cfg.SpillAt = 1
	}
	w := &Writer{conn: conn, spool: spool, log: log, cfg: cfg, queue: make(chan *writeReq, 8192),
		stop: make(chan struct{}), kick: make(chan struct{}, 1), mem: map[string]spilt{}}
	if dead, err := OpenDeadLetters(spool.dir); err != nil {
		log.Error("ingest: no dead letters; refused rows will wait in the spool", "err", err)
	} else {
		w.dead = dead
	}
	for i := 0; i < cfg.Flushers; i++ {
		w.wg.Add(1)
		go w.flusher()
	}
	w.wg.Add(1)
	go w.replayer()
	openWriters.add(w)
	return w
}

// Write blocks until events are durable, or fails with ErrBusy, ErrClosed or a storage error.
// It does not return early when ctx ends: an event handed over is finished either way.
func (w *Writer) Write(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	n := int64(len(events))
	b := parts{events}.bytes()
	// A request larger than MaxQueuedBytes alone still passes when nothing else is queued.
	qb := w.queuedB.Add(b)
	if w.queued.Add(n)+w.spilled.Load() > int64(w.cfg.MaxQueued) || qb > w.cfg.MaxQueuedBytes && qb != b {
		w.queued.Add(-n)
		w.queuedB.Add(-b)
		return ErrBusy
	}
	r := &writeReq{events: events, bytes: b, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		w.queued.Add(-n)
		w.queuedB.Add(-b)
		return ErrClosed
	}
	w.queue <- r
	w.mu.RUnlock()
	return <-r.done
}

// Full reports whether n more events would exceed MaxQueued right now, so that a caller can
// refuse a request before doing work for it (Write checks again and is the guard).
func (w *Writer) Full(n int) bool {
	return w.queued.Load()+w.spilled.Load()+int64(n) > int64(w.cfg.MaxQueued)
}

// Sync waits until every spilled batch (acknowledged from the spool under load) is in
// ClickHouse, or ctx ends. Tests that count rows right after heavy concurrent posting use it.
func (w *Writer) Sync(ctx context.Context) error {
	for w.spilled.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// OnReplay registers f to be called with the events of every batch inserted from the spool,
// after the INSERT: events acknowledged earlier (spilled under load, or spooled while ClickHouse
// was down) that are only now visible in ClickHouse. Whoever computed something from ClickHouse
// in between (the live engine's settled minutes) can compute it again. f runs on the replayer.
func (w *Writer) OnReplay(f func(ctx context.Context, batches [][]Event)) {
	w.hooksMu.Lock()
	w.onReplay = append(w.onReplay, f)
	w.hooksMu.Unlock()
}

// Down reports whether ClickHouse is being bypassed for the spool.
func (w *Writer) Down() bool { return w.down.Load() }

// Stats returns a copy of the counters.
func (w *Writer) Stats() WriterStats {
	w.statsMu.Lock()
	defer w.statsMu.Unlock()
	return w.stats
}

// Close stops taking writes, commits everything queued (to ClickHouse or the spool), makes one
// last replay attempt and returns once all of it is done.
func (w *Writer) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	close(w.stop)
	w.wg.Wait()
	openWriters.remove(w)
}

func (w *Writer) flusher() {
	defer w.wg.Done()
	for r := range w.queue {
		reqs := []*writeReq{r}
		ps := parts{r.events}
		n := len(r.events)
	gather:
		for n < w.cfg.MaxBatch {
			select {
			case more, ok := <-w.queue:
				if !ok {
					break gather
				}
				reqs = append(reqs, more)
				ps = append(ps, more.events)
				n += len(more.events)
			default:
				break gather
			}
		}
		var err error
		if w.shouldSpill() {
			err = w.spill(ps)
		} else {
			err = w.commit(ps)
		}
		for _, q := range reqs {
			w.queued.Add(-int64(len(q.events)))
			w.queuedB.Add(-q.bytes)
			q.done <- err
		}
	}
}

// parts are the events of one batch as the requests brought them: gathered, never copied into
// one slice (a 50,000-event batch is ~15 MB of Event structs).
type parts [][]Event

func (ps parts) len() int {
	n := 0
	for _, p := range ps {
		n += len(p)
	}
	return n
}

// eventSize is the memory of one Event struct without its text.
const eventSize = int64(unsafe.Sizeof(Event{}))

// bytes is about the memory the events hold: their structs and their text.
func (ps parts) bytes() int64 {
	var b int64
	for _, p := range ps {
		b += eventSize * int64(len(p))
		for i := range p {
			e := &p[i]
			b += int64(len(e.Shop) + len(e.Room) + len(e.ID) + len(e.Type) + len(e.User) + len(e.Product) + len(e.Order) +
				len(e.Status) + len(e.Text) + len(e.Conversation) + len(e.Direction) + len(e.Source) + len(e.Extra))
		}
	}
	return b
}

// spilt is a spilled batch waiting for the replayer: its events in memory, or nil when it is
// kept on disk only (over SpillMemory), and its size.
type spilt struct {
	ps    parts
	n     int
	bytes int64
}

// shouldSpill says whether a flusher should spill its batch rather than insert it now: another
// INSERT is running, or spilled batches are waiting for the replayer (join them rather than send
// a small INSERT of its own).
func (w *Writer) shouldSpill() bool {
	return w.cfg.SpillAt > 0 && !w.down.Load() && (w.inserting.Load() > 0 || w.spilled.Load() > 0) &&
		w.queued.Load() >= int64(w.cfg.SpillAt)
}

// spill fsyncs a batch to the spool, keeps it in memory for the replayer and wakes it. If the
// spool cannot be written the batch is inserted directly instead.
func (w *Writer) spill(ps parts) error {
	id := newBatchID()
	n := int64(ps.len())
	// Registered before the file appears, so the replayer never takes it for a stranger's. Kept
	// in memory while the spilled batches there stay under SpillMemory; beyond, on disk only.
	sp := spilt{ps: ps, n: int(n), bytes: ps.bytes()}
	w.memMu.Lock()
	if w.memBytes+sp.bytes > w.cfg.SpillMemory {
		sp.ps, sp.bytes = nil, 0
	}
	w.mem[id] = sp
	w.memBytes += sp.bytes
	w.memMu.Unlock()
	w.spilled.Add(n)
	if err := w.spool.Write(id, ps...); err != nil {
		w.dropSpilt(id)
		w.log.Warn("ingest: spill to spool failed; inserting directly", "err", err)
		return w.commit(ps)
	}
	w.count(func(s *WriterStats) { s.SpilledBatches++; s.SpilledRows += n })
	select {
	case w.kick <- struct{}{}:
	default:
	}
	return nil
}

// commit makes one batch durable.
func (w *Writer) commit(ps parts) error {
	id := newBatchID()
	n := ps.len()
	if !w.down.Load() {
		w.inserting.Add(1)
		defer w.inserting.Add(-1)
		ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Timeout)
		began := time.Now()
		err := insertChunks(ctx, w.conn, chunksOf(id, ps))
		cancel()
		if err == nil {
			took := time.Since(began)
			w.count(func(s *WriterStats) { s.Inserts++; s.InsertedRows += int64(n); s.InsertTime += took })
			insertRows.Add(float64(n))
			return nil
		}
		w.count(func(s *WriterStats) { s.Failures++ })
		if refusedForContent(err) {
			// ClickHouse is up and refused some of these rows: the replayer finds them.
			w.log.Warn("ingest: clickhouse refused a batch; spooling it to isolate the refused rows", "err", err, "rows", n)
		} else {
			w.log.Warn("ingest: clickhouse insert failed; spooling", "err", err, "rows", n)
			w.down.Store(true)
		}
	}
	if err := w.spool.Write(id, ps...); err != nil {
		return fmt.Errorf("ingest: clickhouse down and spool failed: %w", err)
	}
	w.count(func(s *WriterStats) { s.SpooledBatches++; s.SpooledRows += int64(n) })
	select {
	case w.kick <- struct{}{}:
	default:
	}
	return nil
}

func (w *Writer) count(f func(*WriterStats)) {
	w.statsMu.Lock()
	f(&w.stats)
	w.statsMu.Unlock()
}

// newBatchID is time-ordered so spool files replay oldest first.
func newBatchID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%016x-%s", time.Now().UnixNano(), hex.EncodeToString(b[:]))
}
