package ingest

import (
	"context"
	"fmt"
	"slices"
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

// insertOne sends one columnar native INSERT of every chunk's events.
func insertOne(ctx context.Context, conn driver.Conn, chunks []chunk) error {
	b, err := conn.PrepareBatch(ctx, insertColumns)
	if err != nil {
		return fmt.Errorf("ingest: prepare insert: %w", err)
	}
	defer b.Close()
	n := 0
	for _, c := range chunks {
		n += len(c.events)
	}
	var (
		shop, room, id, typ, user, product, order, status = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		text, conv, dir, src, extra, batch                = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		ts, received                                      = make([]time.Time, n), make([]time.Time, n)
		tsMS                                              = make([]uint16, n)
		amount, value                                     = make([]int64, n), make([]int64, n)
		qty                                               = make([]int32, n)
		rating                                            = make([]uint8, n)
	)
	i := 0
	for _, c := range chunks {
		for k := range c.events {
			e := &c.events[k]
			shop[i], room[i], id[i], typ[i], user[i], product[i], order[i], status[i] = e.Shop, e.Room, e.ID, e.Type, e.User, e.Product, e.Order, e.Status
			text[i], conv[i], dir[i], src[i], extra[i], batch[i] = e.Text, e.Conversation, e.Direction, e.Source, e.Extra, c.batch
			ts[i], tsMS[i], received[i] = e.TS, uint16(e.TS.Nanosecond()/1e6), e.Received
			amount[i], value[i], qty[i], rating[i] = e.Amount, e.Value, e.Qty, e.Rating
			i++
		}
	}
	cols := []any{shop, room, ts, tsMS, id, typ, user, product, order, status, amount, qty, value, text, rating, conv, dir, src, extra, received, batch}
	for i, c := range cols {
		if err := b.Column(i).Append(c); err != nil {
			return fmt.Errorf("ingest: insert column %d: %w", i, err)
		}
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
