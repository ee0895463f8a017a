package live

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// flagRow is one row of flag_events.
type flagRow struct {
	Shop, Room, Session string
	Change              flagChange
}

// flagLog appends flag lifecycle rows to ClickHouse table flag_events.
type flagLog struct{ ch driver.Conn }

// write stores rows in one batch.
func (l flagLog) write(ctx context.Context, rows []flagRow) error {
	if len(rows) == 0 {
		return nil
	}
	batch, err := l.ch.PrepareBatch(ctx, `INSERT INTO flag_events (shop, room, session, flag, rule, product, action, ts, ts_ms, detail, actor)`)
	if err != nil {
		return fmt.Errorf("live: flag events: %w", err)
	}
	defer batch.Close()
	for _, r := range rows {
		c := r.Change
		ts := c.TS.UTC()
		if err := batch.Append(r.Shop, r.Room, r.Session, c.Flag.ID, c.Flag.Rule, c.Flag.Product, c.Action,
			ts.Truncate(time.Second), uint16(ts.Nanosecond()/1e6), c.Detail, c.Actor); err != nil {
			return fmt.Errorf("live: flag events: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("live: flag events: %w", err)
	}
	return nil
}
