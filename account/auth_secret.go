package account

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Secret returns the shared secret called name (e.g. "session"), creating it on first use. Every
// instance gets the same bytes: creation happens under lock (a cross-instance lock such as a Redis
// lock; nil means no lock), and readers take the oldest row, so even two racing writers agree
// once both rows are visible. The secret is stored in ClickHouse so losing Redis loses nothing.
func Secret(ctx context.Context, conn driver.Conn, name string, lock func(context.Context) (func(), error)) ([]byte, error) {
	if b, ok, err := readSecret(ctx, conn, name); err != nil || ok {
		return b, err
	}
	if lock != nil {
		unlock, err := lock(ctx)
		if err != nil {
			return nil, fmt.Errorf("live: secret %s: lock: %w", name, err)
		}
		defer unlock()
		if b, ok, err := readSecret(ctx, conn, name); err != nil || ok {
			return b, err
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("live: secret %s: %w", name, err)
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO auth_secrets (name, secret, created, nonce)")
	if err != nil {
		return nil, fmt.Errorf("live: secret %s: %w", name, err)
	}
	defer batch.Close()
	if err := batch.Append(name, hex.EncodeToString(raw[:]), time.Now().UTC(), binary.BigEndian.Uint64(nonce[:])); err != nil {
		return nil, fmt.Errorf("live: secret %s: %w", name, err)
	}
	if err := batch.Send(); err != nil {
		return nil, fmt.Errorf("live: secret %s: %w", name, err)
	}
	b, ok, err := readSecret(ctx, conn, name)
	if err == nil && !ok {
		err = fmt.Errorf("live: secret %s: not visible after insert", name)
	}
	return b, err
}

// readSecret returns the oldest secret of name.
func readSecret(ctx context.Context, conn driver.Conn, name string) ([]byte, bool, error) {
	rows, err := conn.Query(ctx, "SELECT secret FROM auth_secrets WHERE name = ? ORDER BY created, nonce LIMIT 1", name)
	if err != nil {
		return nil, false, fmt.Errorf("live: read secret %s: %w", name, err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, false, rows.Err()
	}
	var s string
	if err := rows.Scan(&s); err != nil {
		return nil, false, fmt.Errorf("live: read secret %s: %w", name, err)
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < 32 {
		return nil, false, fmt.Errorf("live: secret %s is malformed", name)
	}
	return b, true, nil
}
