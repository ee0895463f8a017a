package live

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Session is one stream session of a room (开播 … 下播).
type Session struct {
	Shop    string    `json:"shop"`
	Room    string    `json:"room"`
	ID      string    `json:"id"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"` // zero while live
	Auto    bool      `json:"auto"`
	EndedBy string    `json:"ended_by"` // EndedByOperator, EndedByQuiet, "" while live
}

// How a session ended.
const (
	EndedByOperator = "operator"
	EndedByQuiet    = "quiet"
)

// Live reports whether the session has not ended.
func (s Session) Live() bool { return s.Ended.IsZero() || s.Ended.Unix() <= 0 }

// newSessionID is unique per shop: the room, the start time and random bits.
func newSessionID(room string, started time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return room + "-" + started.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// sessionStore keeps sessions in ClickHouse table stream_sessions (ReplacingMergeTree).
type sessionStore struct{ ch driver.Conn }

// put writes s as a new version.
func (st sessionStore) put(ctx context.Context, s Session) error {
	batch, err := st.ch.PrepareBatch(ctx, `INSERT INTO stream_sessions (shop, room, id, started, ended, auto, ended_by, version)`)
	if err != nil {
		return fmt.Errorf("live: put session %s: %w", s.ID, err)
	}
	defer batch.Close()
	ended := time.Unix(0, 0).UTC()
	if !s.Live() {
		ended = s.Ended.UTC()
	}
	auto := uint8(0)
	if s.Auto {
		auto = 1
	}
	if err := batch.Append(s.Shop, s.Room, s.ID, s.Started.UTC(), ended, auto, s.EndedBy, uint64(time.Now().UnixNano())); err != nil {
		return fmt.Errorf("live: put session %s: %w", s.ID, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("live: put session %s: %w", s.ID, err)
	}
	return nil
}

// room returns the room's sessions, newest first, at most limit.
func (st sessionStore) room(ctx context.Context, shop, room string, limit int) ([]Session, error) {
	return st.query(ctx, selectSessions+`
		WHERE shop = ? AND room = ? ORDER BY started DESC, id LIMIT ?`, shop, room, limit)
}

// EndedSince returns every shop's sessions that ended at or after since (the report service's
// sweep).
func (st sessionStore) EndedSince(ctx context.Context, since time.Time) ([]Session, error) {
	return st.query(ctx, selectSessions+`
		WHERE ended >= ? AND ended > started`, since.UTC())
}

// byID returns one session of the shop.
func (st sessionStore) byID(ctx context.Context, shop, id string) (Session, bool, error) {
	ss, err := st.query(ctx, selectSessions+`
		WHERE shop = ? AND id = ?`, shop, id)
	if err != nil || len(ss) == 0 {
		return Session{}, false, err
	}
	return ss[0], true, nil
}

// selectSessions reads stream_sessions in the column order query scans; callers add WHERE.
const selectSessions = `SELECT shop, room, id, started, ended, auto, ended_by FROM stream_sessions FINAL `

// query runs a selectSessions query.
func (st sessionStore) query(ctx context.Context, q string, args ...any) ([]Session, error) {
	rows, err := st.ch.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("live: sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		var auto uint8
		if err := rows.Scan(&s.Shop, &s.Room, &s.ID, &s.Started, &s.Ended, &auto, &s.EndedBy); err != nil {
			return nil, fmt.Errorf("live: sessions: %w", err)
		}
		s.Auto = auto == 1
		s.Started = s.Started.UTC()
		if s.Ended.Unix() <= 0 {
			s.Ended = time.Time{}
		} else {
			s.Ended = s.Ended.UTC()
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
