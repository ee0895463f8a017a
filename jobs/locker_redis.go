package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bsm/redislock"
	"github.com/go-co-op/gocron/v2"
	"github.com/redis/go-redis/v9"
)

// RedisLocker is a gocron.Locker over bsm/redislock. The lock of a run is kept for at least
// MinHold even when the run ends sooner, so that another instance whose timer fires a little
// later (clock splay between instances) finds it taken and skips that run: each scheduled run
// happens once across instances as long as their clocks agree within MinHold.
type RedisLocker struct {
	client  *redislock.Client
	prefix  string
	TTL     time.Duration // longest a run may hold the lock (default 10 min)
	MinHold time.Duration // shortest a lock is held (default 30 s; keep below the shortest interval)
}

// NewRedisLocker returns a locker whose keys are prefix + the gocron job name.
func NewRedisLocker(rdb redis.UniversalClient, prefix string) *RedisLocker {
	return &RedisLocker{client: redislock.New(rdb), prefix: prefix, TTL: 10 * time.Minute, MinHold: 30 * time.Second}
}

var _ gocron.Locker = (*RedisLocker)(nil)

// Lock obtains the lock for key without waiting; a taken lock is an error, which tells gocron to
// skip this run on this instance.
func (l *RedisLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	lk, err := l.client.Obtain(ctx, l.prefix+key, l.TTL, nil)
	if err != nil {
		if errors.Is(err, redislock.ErrNotObtained) {
			return nil, fmt.Errorf("jobs: lock %s: held by another instance", key)
		}
		return nil, fmt.Errorf("jobs: lock %s: %w", key, err)
	}
	return &redisLock{lock: lk, obtained: time.Now(), minHold: l.MinHold}, nil
}

type redisLock struct {
	lock     *redislock.Lock
	obtained time.Time
	minHold  time.Duration
}

// Unlock releases the lock, or, when the run was shorter than MinHold, lets it expire at MinHold.
func (r *redisLock) Unlock(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	if left := r.minHold - time.Since(r.obtained); left > 0 {
		if err := r.lock.Refresh(ctx, left, nil); err != nil && !errors.Is(err, redislock.ErrNotObtained) {
			return fmt.Errorf("jobs: shorten lock: %w", err)
		}
		return nil
	}
	if err := r.lock.Release(ctx); err != nil && !errors.Is(err, redislock.ErrLockNotHeld) {
		return fmt.Errorf("jobs: release lock: %w", err)
	}
	return nil
}

// RedisSerializer returns a Runner.Serialize over Redis: it waits (up to wait) for the lock
// prefix+key, held while a run lasts (at most 10 min).
func RedisSerializer(rdb redis.UniversalClient, prefix string, wait time.Duration) func(ctx context.Context, key string) (func(), error) {
	client := redislock.New(rdb)
	return func(ctx context.Context, key string) (func(), error) {
		tries := int(wait/(100*time.Millisecond)) + 1
		lk, err := client.Obtain(ctx, prefix+key, 10*time.Minute, &redislock.Options{
			RetryStrategy: redislock.LimitRetry(redislock.LinearBackoff(100*time.Millisecond), tries)})
		if err != nil {
			return nil, err
		}
		return func() { _ = lk.Release(context.WithoutCancel(ctx)) }, nil
	}
}
