package report

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Store keeps built reports in session_reports (one current version per session).
type Store struct {
	CH driver.Conn
}

// Summary is one line of a room's session list.
type Summary struct {
	Session     string
	Room        string
	Start, End  time.Time
	Built       time.Time
	MaxReceived time.Time
	Events      int64
	GMV         int64
	Orders      int64
	Views       int64
	Viewers     int64
}

// Save stores r as the newest version of its session's report. The version is the build time in
// nanoseconds, so a slower, older build finishing later never replaces a newer one.
func (s *Store) Save(ctx context.Context, r *Report) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("report: save report %s: %w", r.Span.Session, err)
	}
	batch, err := s.CH.PrepareBatch(ctx, `INSERT INTO session_reports (shop, room, session, started, ended, built,
		max_received, events, gmv, orders, views, viewers, body, version)`)
	if err != nil {
		return fmt.Errorf("report: save report %s: %w", r.Span.Session, err)
	}
	defer batch.Close()
	h := r.Headline
	if err := batch.Append(r.Span.Shop, r.Span.Room, r.Span.Session, r.Span.Start, r.Span.End, r.Built,
		r.MaxReceived.UTC(), uint64(r.Quality.Events), h.GMV, h.Orders, h.Views, h.Viewers, string(body),
		uint64(r.Built.UnixNano())); err != nil {
		return fmt.Errorf("report: save report %s: %w", r.Span.Session, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("report: save report %s: %w", r.Span.Session, err)
	}
	return nil
}

// Load returns the newest stored report of a session of shop; ok is false when none is built.
func (s *Store) Load(ctx context.Context, shop, session string) (r *Report, ok bool, err error) {
	rows, err := s.CH.Query(ctx, `SELECT body FROM session_reports FINAL WHERE shop = ? AND session = ?`, shop, session)
	if err != nil {
		return nil, false, fmt.Errorf("report: load report %s: %w", session, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, rows.Err()
	}
	var body string
	if err := rows.Scan(&body); err != nil {
		return nil, false, fmt.Errorf("report: load report %s: %w", session, err)
	}
	r = &Report{}
	if err := json.Unmarshal([]byte(body), r); err != nil {
		return nil, false, fmt.Errorf("report: decode report %s: %w", session, err)
	}
	return r, true, nil
}

// List returns the room's reported sessions, newest first (at most limit).
func (s *Store) List(ctx context.Context, shop, room string, limit int) ([]Summary, error) {
	rows, err := s.CH.Query(ctx, `SELECT session, room, started, ended, built, max_received, events, gmv, orders, views, viewers
		FROM session_reports FINAL WHERE shop = ? AND room = ? ORDER BY started DESC, session LIMIT ?`, shop, room, limit)
	if err != nil {
		return nil, fmt.Errorf("report: list reports %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var r Summary
		var events uint64
		if err := rows.Scan(&r.Session, &r.Room, &r.Start, &r.End, &r.Built, &r.MaxReceived, &events, &r.GMV, &r.Orders, &r.Views, &r.Viewers); err != nil {
			return nil, fmt.Errorf("report: list reports %s/%s: %w", shop, room, err)
		}
		r.Events = int64(events)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Recent returns the reports of every shop whose session ended at or after since (for the
// late-event watcher).
func (s *Store) Recent(ctx context.Context, since time.Time) ([]Summary, []string, error) {
	rows, err := s.CH.Query(ctx, `SELECT shop, session, room, started, ended, built, max_received
		FROM session_reports FINAL WHERE ended >= ?`, since.UTC())
	if err != nil {
		return nil, nil, fmt.Errorf("report: recent reports: %w", err)
	}
	defer rows.Close()
	var out []Summary
	var shops []string
	for rows.Next() {
		var r Summary
		var shop string
		if err := rows.Scan(&shop, &r.Session, &r.Room, &r.Start, &r.End, &r.Built, &r.MaxReceived); err != nil {
			return nil, nil, fmt.Errorf("report: recent reports: %w", err)
		}
		out = append(out, r)
		shops = append(shops, shop)
	}
	return out, shops, rows.Err()
}

// Previous returns up to n stored reports of the same room that started before span, newest
// first.
func (s *Store) Previous(ctx context.Context, span SessionSpan, n int) ([]*Report, error) {
	rows, err := s.CH.Query(ctx, `SELECT body FROM session_reports FINAL
		WHERE shop = ? AND room = ? AND started < ? AND session != ? ORDER BY started DESC LIMIT ?`,
		span.Shop, span.Room, span.Start, span.Session, n)
	if err != nil {
		return nil, fmt.Errorf("report: previous reports %s: %w", span.Session, err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("report: previous reports %s: %w", span.Session, err)
		}
		r := &Report{}
		if err := json.Unmarshal([]byte(body), r); err != nil {
			return nil, fmt.Errorf("report: decode report: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
