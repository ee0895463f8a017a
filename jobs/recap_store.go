package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// RecapRef names one stored recap for the history list.
type RecapRef struct {
	Kind string
	Day  string
	At   time.Time
}

// SaveRecap stores r (a re-run of the same kind and day replaces it).
func (s *Store) SaveRecap(ctx context.Context, r *Recap) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("jobs: encode recap: %w", err)
	}
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO recaps (shop, kind, day, at, body, version)`)
	if err != nil {
		return fmt.Errorf("jobs: save recap: %w", err)
	}
	defer b.Close()
	if err := b.Append(r.Shop, r.Kind, r.Day, r.At.UTC(), string(body), nextVersion(0)); err != nil {
		return fmt.Errorf("jobs: save recap: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("jobs: save recap: %w", err)
	}
	return nil
}

// Recaps lists shop's stored recaps, newest day first.
func (s *Store) Recaps(ctx context.Context, shop string, limit int) ([]RecapRef, error) {
	rows, err := s.conn.Query(ctx, fmt.Sprintf(`SELECT kind, day, at FROM recaps FINAL WHERE shop = ?
		ORDER BY day DESC, kind LIMIT %d`, limit), shop)
	if err != nil {
		return nil, fmt.Errorf("jobs: list recaps: %w", err)
	}
	defer rows.Close()
	var out []RecapRef
	for rows.Next() {
		var r RecapRef
		if err := rows.Scan(&r.Kind, &r.Day, &r.At); err != nil {
			return nil, fmt.Errorf("jobs: scan recap: %w", err)
		}
		r.At = r.At.UTC()
		out = append(out, r)
	}
	return out, rows.Err()
}

// Recap returns shop's stored recap of kind and day.
func (s *Store) Recap(ctx context.Context, shop, kind, day string) (*Recap, bool, error) {
	rows, err := s.conn.Query(ctx, `SELECT body FROM recaps FINAL WHERE shop = ? AND kind = ? AND day = ?`, shop, kind, day)
	if err != nil {
		return nil, false, fmt.Errorf("jobs: read recap: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, rows.Err()
	}
	var body string
	if err := rows.Scan(&body); err != nil {
		return nil, false, fmt.Errorf("jobs: scan recap: %w", err)
	}
	var r Recap
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return nil, false, fmt.Errorf("jobs: decode recap: %w", err)
	}
	return &r, true, nil
}
