package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// storedAskMax is the most ids asked in one query.
const storedAskMax = 1000

// StoredIDs returns a Dedup.Stored function that asks the events table which of a shop's events
// (by id) are already there.
//
// The query names the events' rooms and their time span besides the ids: the table is ordered
// by (shop, room, ts), so a batch of live events reads a few granules instead of the shop's
// whole history. It relies on a re-sent event keeping its ts, which an event id promises (the
// same id is the same event); a sender that re-stamps ts on retry is only deduplicated by Redis.
func StoredIDs(conn driver.Conn) func(ctx context.Context, shop string, events []Event) (map[string]bool, error) {
	return func(ctx context.Context, shop string, events []Event) (map[string]bool, error) {
		out := map[string]bool{}
		for len(events) > 0 {
			n := min(len(events), storedAskMax)
			if err := askStored(ctx, conn, shop, events[:n], out); err != nil {
				return nil, err
			}
			events = events[n:]
		}
		return out, nil
	}
}

// askStored adds to out the ids of events already stored.
func askStored(ctx context.Context, conn driver.Conn, shop string, events []Event, out map[string]bool) error {
	ids := make([]any, len(events))
	var rooms []any
	seen := map[string]bool{}
	from, to := events[0].TS, events[0].TS
	for i := range events {
		e := &events[i]
		ids[i] = e.ID
		if !seen[e.Room] {
			seen[e.Room] = true
			rooms = append(rooms, e.Room)
		}
		from, to = minTime(from, e.TS), maxTime(to, e.TS)
	}
	rows, err := conn.Query(ctx, `SELECT DISTINCT id FROM events
		WHERE shop = ? AND room IN ? AND ts >= ? AND ts <= ? AND id IN ?`,
		shop, clickhouse.GroupSet{Value: rooms}, from.Truncate(time.Second), to, clickhouse.GroupSet{Value: ids})
	if err != nil {
		return fmt.Errorf("ingest: stored ids: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("ingest: stored ids: %w", err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ingest: stored ids: %w", err)
	}
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// QuietSince returns a Dedup.Quiet function: whether the events table has no event of the shop
// received since a time.
func QuietSince(conn driver.Conn) func(ctx context.Context, shop string, since time.Time) (bool, error) {
	return func(ctx context.Context, shop string, since time.Time) (bool, error) {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM (SELECT 1 FROM events WHERE shop = ? AND received >= ? LIMIT 1)", shop, since).Scan(&n); err != nil {
			return false, fmt.Errorf("ingest: quiet since: %w", err)
		}
		return n == 0, nil
	}
}
