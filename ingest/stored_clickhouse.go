package ingest

import (
	"context"
	"fmt"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// StoredIDs returns a Dedup.Stored function that asks the events table which ids of a shop are
// already there. It is only used for ids whose dedup claim was abandoned by a crash.
func StoredIDs(conn driver.Conn) func(ctx context.Context, shop string, ids []string) (map[string]bool, error) {
	return func(ctx context.Context, shop string, ids []string) (map[string]bool, error) {
		out := map[string]bool{}
		for len(ids) > 0 {
			n := min(len(ids), 1000)
			rows, err := conn.Query(ctx, "SELECT DISTINCT id FROM events WHERE shop = ? AND has(?, id)", shop, ids[:n])
			if err != nil {
				return nil, fmt.Errorf("ingest: stored ids: %w", err)
			}
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return nil, fmt.Errorf("ingest: stored ids: %w", err)
				}
				out[id] = true
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("ingest: stored ids: %w", err)
			}
			ids = ids[n:]
		}
		return out, nil
	}
}
