package ingest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// insertColumns is the events table's column list; PrepareBatch must name it on 18.16.
const insertColumns = "INSERT INTO events (shop, room, ts, ts_ms, id, type, user, product, order_id, status, amount, qty, value, text, rating, conversation, direction, source, extra, received, batch)"

// chunk is a run of events stored under one batch id.
type chunk struct {
	batch  string
	events []Event
}

// chunksOf is ps under one batch id.
func chunksOf(batch string, ps parts) []chunk {
	out := make([]chunk, len(ps))
	for i, p := range ps {
		out[i] = chunk{batch: batch, events: p}
	}
	return out
}

// maxInsertPartitions is the most months (the events table's partitions) one INSERT may touch.
// ClickHouse refuses an INSERT block spanning more than max_partitions_per_insert_block (100 by
// default on current releases) partitions, so a batch that spans more (events accepted from 2010
// onwards: ~200 months) is sent as several INSERTs. Not atomic across them: a failure part way
// spools the whole batch under its batch id, and the replay skips the rows already stored.
const maxInsertPartitions = 90

// insertChunks stores every chunk's events, each row under its chunk's batch id, in one columnar
// native INSERT, or one per group of maxInsertPartitions months when the rows span more.
func insertChunks(ctx context.Context, conn driver.Conn, chunks []chunk) error {
	for _, g := range byPartitions(chunks, maxInsertPartitions) {
		if err := insertOne(ctx, conn, g); err != nil {
			return err
		}
	}
	return nil
}

// month is the events table's partition key of t (toYYYYMM(ts)) as a comparable number.
func month(t time.Time) int { return t.Year()*12 + int(t.Month()) }

// byPartitions splits chunks into groups of rows touching at most max months, keeping each row's
// batch id. The common case (one month) returns chunks as they are.
func byPartitions(chunks []chunk, max int) [][]chunk {
	months := map[int]int{} // month → group
	for _, c := range chunks {
		for i := range c.events {
			months[month(c.events[i].TS)] = 0
		}
	}
	if len(months) <= max {
		return [][]chunk{chunks}
	}
	keys := make([]int, 0, len(months))
	for m := range months {
		keys = append(keys, m)
	}
	slices.Sort(keys)
	for i, m := range keys {
		months[m] = i / max
	}
	groups := make([][]chunk, (len(keys)+max-1)/max)
	for _, c := range chunks {
		split := make([][]Event, len(groups))
		for _, e := range c.events {
			g := months[month(e.TS)]
			split[g] = append(split[g], e)
		}
		for g, evs := range split {
			if len(evs) > 0 {
				groups[g] = append(groups[g], chunk{batch: c.batch, events: evs})
			}
		}
	}
	return groups
}

// flushRows is how many rows insertOne hands the driver before sending them as one block of the
// INSERT. The driver's columns grow by copying from empty for every INSERT; a 50,000-row INSERT
// copied ~30 MB that way, large allocations the GC then returns to the OS, most of the writer's
// CPU. Blocks of flushRows reuse one set of column buffers (~1 MB) for the whole INSERT. The
// server squashes an INSERT's blocks (min_insert_block_size_rows) before writing them, so one
// INSERT still makes one part per partition (TestInsertBlocksOnePart).
const flushRows = 8192

// insertOne sends one columnar native INSERT of every chunk's events, in blocks of flushRows.
// Until Send succeeds the deferred Abort closes the connection rather than end the INSERT (which
// would commit the blocks sent so far). 18.16 may still store blocks flushed before a lost
// connection, as it may an INSERT lost after its data was sent: a failed INSERT's batch is
// spooled and its replay inserts only the rows not stored (replayGroup).
func insertOne(ctx context.Context, conn driver.Conn, chunks []chunk) error {
	b, err := conn.PrepareBatch(ctx, insertColumns)
	if err != nil {
		return fmt.Errorf("ingest: prepare insert: %w", err)
	}
	defer func() {
		if !b.IsSent() {
			b.Abort()
		}
	}()
	n := 0
	for _, c := range chunks {
		n += len(c.events)
	}
	st := getStaging(min(n, flushRows))
	defer putStaging(st)
	i := 0 // rows staged
	for _, c := range chunks {
		for k := range c.events {
			if i == flushRows { // full, and another row follows: send the block
				if err := st.appendTo(b, i); err != nil {
					return err
				}
				if err := b.Flush(); err != nil {
					return fmt.Errorf("ingest: insert block: %w", err)
				}
				i = 0
			}
			st.set(i, &c.events[k], c.batch)
			i++
		}
	}
	if err := st.appendTo(b, i); err != nil {
		return err
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("ingest: insert batch: %w", err)
	}
	return nil
}

// InsertBatch inserts events with one native columnar INSERT under batchID, exactly as the
// writer does (no dedup, no spool). It exists for benchmarks and tools that load fixtures.
func InsertBatch(ctx context.Context, conn driver.Conn, batchID string, events []Event) error {
	return insertChunks(ctx, conn, []chunk{{batch: batchID, events: events}})
}

// staging holds one INSERT's rows column by column before the driver copies them into its
// blocks; reused across INSERTs (flushRows rows stage ~2 MB) through stagingPool.
type staging struct {
	shop, room, id, typ, user, product, order, status []string
	text, conv, dir, src, extra, batch                []string
	ts, received                                      []time.Time
	tsMS                                              []uint16
	amount, value                                     []int64
	qty                                               []int32
	rating                                            []uint8
}

var stagingPool sync.Pool

// set stages event e of batch id batch as row i.
func (st *staging) set(i int, e *Event, batch string) {
	st.shop[i], st.room[i], st.id[i], st.typ[i], st.user[i], st.product[i], st.order[i], st.status[i] = e.Shop, e.Room, e.ID, e.Type, e.User, e.Product, e.Order, e.Status
	st.text[i], st.conv[i], st.dir[i], st.src[i], st.extra[i], st.batch[i] = e.Text, e.Conversation, e.Direction, e.Source, e.Extra, batch
	st.ts[i], st.tsMS[i], st.received[i] = e.TS, uint16(e.TS.Nanosecond()/1e6), e.Received
	st.amount[i], st.value[i], st.qty[i], st.rating[i] = e.Amount, e.Value, e.Qty, e.Rating
}

// appendTo appends the first n staged rows to b's columns (insertColumns' order).
func (st *staging) appendTo(b driver.Batch, n int) error {
	if n == 0 {
		return nil
	}
	cols := []any{st.shop[:n], st.room[:n], st.ts[:n], st.tsMS[:n], st.id[:n], st.typ[:n], st.user[:n], st.product[:n], st.order[:n],
		st.status[:n], st.amount[:n], st.qty[:n], st.value[:n], st.text[:n], st.rating[:n], st.conv[:n], st.dir[:n], st.src[:n],
		st.extra[:n], st.received[:n], st.batch[:n]}
	for i, c := range cols {
		if err := b.Column(i).Append(c); err != nil {
			return fmt.Errorf("ingest: insert column %d: %w", i, err)
		}
	}
	return nil
}

// getStaging returns staging with every column n long.
func getStaging(n int) *staging {
	st, _ := stagingPool.Get().(*staging)
	if st == nil {
		st = &staging{}
	}
	for _, c := range []*[]string{&st.shop, &st.room, &st.id, &st.typ, &st.user, &st.product, &st.order, &st.status,
		&st.text, &st.conv, &st.dir, &st.src, &st.extra, &st.batch} {
		*c = slices.Grow((*c)[:0], n)[:n]
	}
	st.ts = slices.Grow(st.ts[:0], n)[:n]
	st.received = slices.Grow(st.received[:0], n)[:n]
	st.tsMS = slices.Grow(st.tsMS[:0], n)[:n]
	st.amount = slices.Grow(st.amount[:0], n)[:n]
	st.value = slices.Grow(st.value[:0], n)[:n]
	st.qty = slices.Grow(st.qty[:0], n)[:n]
	st.rating = slices.Grow(st.rating[:0], n)[:n]
	return st
}

// putStaging clears st's text (so a pooled staging keeps no request's memory alive) and pools it.
func putStaging(st *staging) {
	for _, c := range [][]string{st.shop, st.room, st.id, st.typ, st.user, st.product, st.order, st.status,
		st.text, st.conv, st.dir, st.src, st.extra, st.batch} {
		clear(c)
	}
	clear(st.ts)
	clear(st.received)
	stagingPool.Put(st)
}
