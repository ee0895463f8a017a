package compliance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/livedesk/livedesk"
)

// Qualification is one of a shop's documents (食品经营许可证, 品牌授权…) with its expiry date.
type Qualification struct {
	ID      string
	Name    string
	Number  string    // licence or document number, optional
	Expires time.Time // the last valid day, as a date (00:00 UTC of that date)
	Updated time.Time
	By      string
}

// Errors of SaveQualification, naming the field.
var (
	ErrQualName = &livedesk.Error{Code: livedesk.EINVALID, Key: "compliance.error.qual_name", Field: "name",
		Message: "the document needs a name of at most 64 characters", MessageZH: "请填写资质名称（最多 64 个字符）"}
	ErrQualExpires = &livedesk.Error{Code: livedesk.EINVALID, Key: "compliance.error.qual_expires", Field: "expires",
		Message: "the expiry date must be a date such as 2026-12-31", MessageZH: "到期日须为日期，例如 2026-12-31"}
)

// ParseDate reads an expiry date typed as 2026-12-31 (or 2026/12/31).
func ParseDate(s string) (time.Time, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), "/", "-")
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, ErrQualExpires
	}
	return t, nil
}

// Qualifications returns shop's documents, soonest expiry first.
func (s *Store) Qualifications(ctx context.Context, shop string) ([]Qualification, error) {
	rows, err := s.conn.Query(ctx, `SELECT id, name, number, expires, updated, by_user FROM qualifications FINAL
		WHERE shop = ? AND removed = 0 ORDER BY expires, name`, shop)
	if err != nil {
		return nil, fmt.Errorf("compliance: read qualifications of %s: %w", shop, err)
	}
	defer rows.Close()
	var out []Qualification
	for rows.Next() {
		var q Qualification
		if err := rows.Scan(&q.ID, &q.Name, &q.Number, &q.Expires, &q.Updated, &q.By); err != nil {
			return nil, fmt.Errorf("compliance: scan qualification: %w", err)
		}
		q.Expires = time.Date(q.Expires.Year(), q.Expires.Month(), q.Expires.Day(), 0, 0, 0, 0, time.UTC)
		out = append(out, q)
	}
	return out, rows.Err()
}

// SaveQualification adds (q.ID == "") or replaces a document and returns it as stored.
func (s *Store) SaveQualification(ctx context.Context, shop string, q Qualification, by string) (Qualification, error) {
	q.Name, q.Number = strings.TrimSpace(q.Name), strings.TrimSpace(q.Number)
	if q.Name == "" || utf8.RuneCountInString(q.Name) > 64 || strings.ContainsAny(q.Name, "\r\n") {
		return q, ErrQualName
	}
	if utf8.RuneCountInString(q.Number) > 64 {
		q.Number = string([]rune(q.Number)[:64])
	}
	if q.Expires.IsZero() {
		return q, ErrQualExpires
	}
	if q.ID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		q.ID = hex.EncodeToString(b[:])
	}
	q.Updated, q.By = s.now().Truncate(time.Second), by
	return q, s.writeQual(ctx, shop, q, 0)
}

// RemoveQualification deletes shop's document id.
func (s *Store) RemoveQualification(ctx context.Context, shop, id, by string) error {
	return s.writeQual(ctx, shop, Qualification{ID: id, Expires: time.Unix(0, 0).UTC(), Updated: s.now().Truncate(time.Second), By: by}, 1)
}

func (s *Store) writeQual(ctx context.Context, shop string, q Qualification, removed uint8) error {
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO qualifications (shop, id, name, number, expires, removed, updated, by_user, version)`)
	if err != nil {
		return fmt.Errorf("compliance: save qualification: %w", err)
	}
	defer b.Close()
	if err := b.Append(shop, q.ID, q.Name, q.Number, q.Expires, removed, q.Updated, q.By, uint64(time.Now().UnixNano())); err != nil {
		return fmt.Errorf("compliance: save qualification: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("compliance: save qualification: %w", err)
	}
	return nil
}
