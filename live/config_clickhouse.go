package live

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// rulesStore keeps rule sets in ClickHouse table room_rules (room "" = the shop's defaults).
type rulesStore struct{ ch driver.Conn }

// load returns the stored rule set JSON; found is false when none was stored.
func (st rulesStore) load(ctx context.Context, shop, room string) (string, bool, error) {
	rows, err := st.ch.Query(ctx, `SELECT rules FROM room_rules FINAL WHERE shop = ? AND room = ?`, shop, room)
	if err != nil {
		return "", false, fmt.Errorf("live: load rules %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	var out string
	found := false
	for rows.Next() {
		if err := rows.Scan(&out); err != nil {
			return "", false, fmt.Errorf("live: load rules %s/%s: %w", shop, room, err)
		}
		found = true
	}
	return out, found && out != "", rows.Err()
}

// save stores the rule set JSON as a new version ("" = none: inherit again).
func (st rulesStore) save(ctx context.Context, shop, room, rules string, now time.Time) error {
	return insertOne(ctx, st.ch, `INSERT INTO room_rules (shop, room, rules, version)`, "live: save rules "+shop+"/"+room,
		shop, room, rules, uint64(now.UnixNano()))
}

// insertOne inserts one row through a batch (an INSERT … VALUES hangs on ClickHouse 18.16).
func insertOne(ctx context.Context, ch driver.Conn, query, what string, row ...any) error {
	batch, err := ch.PrepareBatch(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer batch.Close()
	if err := batch.Append(row...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// ConfigChange is one change of a room's (Room "" = the shop's default) settings or rules.
type ConfigChange struct {
	Room   string    `json:"room"`
	Kind   string    `json:"kind"` // "settings" or "rules"
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Before string    `json:"before"` // JSON ("" when there was nothing of the room's own)
	After  string    `json:"after"`
}

// changeLog appends to and reads ClickHouse table live_config_changes.
type changeLog struct{ ch driver.Conn }

// write stores one change.
func (l changeLog) write(ctx context.Context, shop string, c ConfigChange) error {
	at := c.At.UTC()
	return insertOne(ctx, l.ch, `INSERT INTO live_config_changes (shop, room, kind, at, at_ms, actor, before, after)`,
		"live: config change "+shop+"/"+c.Room, shop, c.Room, c.Kind, at.Truncate(time.Second), uint16(at.Nanosecond()/1e6),
		c.Actor, c.Before, c.After)
}

// read returns the room's changes (room "" = the shop's defaults), newest first.
func (l changeLog) read(ctx context.Context, shop, room string, limit int) ([]ConfigChange, error) {
	rows, err := l.ch.Query(ctx, `SELECT room, kind, at, at_ms, actor, before, after FROM live_config_changes
		WHERE shop = ? AND room = ? ORDER BY at DESC, at_ms DESC LIMIT ?`, shop, room, limit)
	if err != nil {
		return nil, fmt.Errorf("live: config changes %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	out := []ConfigChange{}
	for rows.Next() {
		var c ConfigChange
		var ms uint16
		if err := rows.Scan(&c.Room, &c.Kind, &c.At, &ms, &c.Actor, &c.Before, &c.After); err != nil {
			return nil, fmt.Errorf("live: config changes %s/%s: %w", shop, room, err)
		}
		c.At = c.At.UTC().Add(time.Duration(ms) * time.Millisecond)
		out = append(out, c)
	}
	return out, rows.Err()
}
