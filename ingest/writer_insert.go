package ingest

import (
	"context"
	"fmt"
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

// insertChunks sends one columnar native INSERT of every chunk's events, each row under its
// chunk's batch id.
func insertChunks(ctx context.Context, conn driver.Conn, chunks []chunk) error {
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
