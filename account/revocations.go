package account

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/redis/go-redis/v9"
)

// Revocations remembers logged-out sessions until they would have expired, so a stolen cookie
// stops working at logout on every instance. Every request checks Redis; ClickHouse
// (session_revocations) keeps them durable: when Redis comes back empty (the epoch key is gone)
// the next check restores every revocation still in force before answering.
type Revocations struct {
	CH    driver.Conn
	Redis redis.UniversalClient
	Now   func() time.Time
}

const revocationEpochKey = "ld:auth:epoch"

func revokedKey(shop, id string) string { return "ld:auth:revoked:{" + shop + "}:" + id }

func (r *Revocations) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Revoke records that the session id of shop is logged out until until.
func (r *Revocations) Revoke(ctx context.Context, shop, id string, until time.Time) error {
	b, err := r.CH.PrepareBatch(ctx, "INSERT INTO session_revocations (shop, id, until)")
	if err != nil {
		return fmt.Errorf("account: revoke session: %w", err)
	}
	defer b.Close()
	if err := b.Append(shop, id, until.UTC()); err != nil {
		return fmt.Errorf("account: revoke session: %w", err)
	}
	if err := b.Send(); err != nil {
		return fmt.Errorf("account: revoke session: %w", err)
	}
	if ttl := until.Sub(r.now()); ttl > 0 {
		if err := r.Redis.Set(ctx, revokedKey(shop, id), 1, ttl).Err(); err != nil {
			return fmt.Errorf("account: revoke session: %w", err)
		}
	}
	return nil
}

// Revoked reports whether the session id of shop was logged out. An error means storage could not
// answer.
// Every request calls it, so the epoch and the session are checked in one round trip; only a
// Redis found empty costs the restore (and a second look).
func (r *Revocations) Revoked(ctx context.Context, shop, id string) (bool, error) {
	pipe := r.Redis.Pipeline()
	epoch := pipe.Exists(ctx, revocationEpochKey)
	revoked := pipe.Exists(ctx, revokedKey(shop, id))
	if _, err := pipe.Exec(ctx); err != nil {
		return false, fmt.Errorf("account: session revoked: %w", err)
	}
	if epoch.Val() > 0 {
		return revoked.Val() > 0, nil
	}
	if err := r.restore(ctx); err != nil {
		return false, err
	}
	n, err := r.Redis.Exists(ctx, revokedKey(shop, id)).Result()
	if err != nil {
		return false, fmt.Errorf("account: session revoked: %w", err)
	}
	return n > 0, nil
}

// restore puts the revocations in force back from ClickHouse into a Redis that lost them. The
// epoch key is set only after they are all back, so a check never answers from a half-restored
// set (two instances restoring at once write the same keys).
func (r *Revocations) restore(ctx context.Context) error {
	now := r.now().UTC()
	rows, err := r.CH.Query(ctx, "SELECT shop, id, max(until) FROM session_revocations WHERE until > ? GROUP BY shop, id", now)
	if err != nil {
		return fmt.Errorf("account: restore revocations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var shop, id string
		var until time.Time
		if err := rows.Scan(&shop, &id, &until); err != nil {
			return fmt.Errorf("account: restore revocations: %w", err)
		}
		if err := r.Redis.Set(ctx, revokedKey(shop, id), 1, until.Sub(now)).Err(); err != nil {
			return fmt.Errorf("account: restore revocations: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("account: restore revocations: %w", err)
	}
	return r.Redis.Set(ctx, revocationEpochKey, now.Unix(), 0).Err()
}
