package ingest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// DedupIDBytes is what one remembered event id costs Redis in the dedup layout of
// dedup_layout.go: INFO memory's used_memory growth per id on Redis 7.0 with default settings
// (livedesk bench-dedup: 20.0 bytes over 10 million ids of one shop, 19.6 over 100 shops, 20.1
// over 5 million; the former key-per-id layout measured 193 bytes in the same runs), buckets,
// meta and counters included.
const DedupIDBytes = 20

// ErrQuota means a shop is over one of its ingest quotas: nothing of the request was stored.
var ErrQuota = errors.New("ingest: shop over its ingest quota")

// QuotaError says which quota a request exceeded and when to retry.
type QuotaError struct {
	Limit      string        // "rate" (events per second) or "memory" (Redis held for the shop's dedup)
	RetryAfter time.Duration // when the request would fit
	Message    string        // for the sender, in English (the ingest API's language)
}

func (e *QuotaError) Error() string { return e.Message }
func (e *QuotaError) Unwrap() error { return ErrQuota }

// Quota holds each shop to the same limits, so one tenant cannot take the ingest path or Redis
// from the others:
//   - events per second, as a GCRA bucket in Redis (redis_rate: one Lua call per request, shared
//     by every server instance); a request is taken whole or refused whole;
//   - Redis memory, counted as the event ids the shop's dedup remembers (DedupIDBytes each, for
//     48–72 h: the generations a claim looks in), from hourly counters Dedup.Commit keeps; read
//     at most every 5 s per shop.
//
// Zero limits are off. Both refusals are 429 with Retry-After and counted in
// livedesk_ingest_quota_rejections_total{limit}.
type Quota struct {
	EventsPerSec int   // sustained events per second per shop (0: no limit)
	Burst        int   // events a shop may send at once above the rate (default: 10 s of rate, at least MaxLines)
	RedisBytes   int64 // most Redis bytes a shop's remembered event ids may take (0: no limit)

	rdb     redis.UniversalClient
	limiter *redis_rate.Limiter

	mu          sync.Mutex
	memory      map[string]memoryReading
	memoryEvery time.Duration // how long a reading is used (5 s; tests: 0)
}

type memoryReading struct {
	bytes int64
	at    time.Time
}

// NewQuota returns a Quota over rdb with the given limits (0: off).
func NewQuota(rdb redis.UniversalClient, eventsPerSec int, redisBytes int64) *Quota {
	q := &Quota{EventsPerSec: eventsPerSec, RedisBytes: redisBytes, rdb: rdb,
		limiter: redis_rate.NewLimiter(rdb), memory: map[string]memoryReading{}, memoryEvery: 5 * time.Second}
	q.Burst = max(10*eventsPerSec, MaxLines)
	return q
}

// quotaKey is the shop's rate bucket (redis_rate prefixes "rate:"); the hash tag keeps it on the
// shop's cluster slot.
func quotaKey(shop string) string { return "ld:quota:{" + shop + "}" }

// Take charges n events to shop, or returns a *QuotaError (wrapping ErrQuota). A Redis failure
// lets the request through: the quota protects Redis, it must not stop ingest when Redis is
// briefly slow (the dedup claim that follows fails properly if Redis is down).
func (q *Quota) Take(ctx context.Context, shop string, n int) error {
	if q == nil || n <= 0 {
		return nil
	}
	if q.RedisBytes > 0 {
		if used := q.memoryOf(ctx, shop); used+int64(n)*DedupIDBytes > q.RedisBytes {
			quotaRejections.WithLabelValues("memory").Inc()
			return &QuotaError{Limit: "memory", RetryAfter: time.Hour, Message: fmt.Sprintf(
				"this shop's events of the last 48–72 h take %d MB of Redis, its limit is %d MB; nothing was stored (ask the server's operator to raise LIVEDESK_SHOP_REDIS_MB)",
				used>>20, q.RedisBytes>>20)}
		}
	}
	if q.EventsPerSec <= 0 {
		return nil
	}
	if n > q.Burst {
		quotaRejections.WithLabelValues("rate").Inc()
		return &QuotaError{Limit: "rate", RetryAfter: time.Second, Message: fmt.Sprintf(
			"%d events in one request is more than this shop may send at once (%d); send smaller batches", n, q.Burst)}
	}
	res, err := q.limiter.AllowN(ctx, quotaKey(shop), redis_rate.Limit{Rate: q.EventsPerSec, Burst: q.Burst, Period: time.Second}, n)
	if err != nil || res.Allowed > 0 {
		return nil
	}
	quotaRejections.WithLabelValues("rate").Inc()
	return &QuotaError{Limit: "rate", RetryAfter: max(res.RetryAfter, 100*time.Millisecond), Message: fmt.Sprintf(
		"this shop may send %d events per second (bursts up to %d); nothing was stored, retry after the Retry-After seconds",
		q.EventsPerSec, q.Burst)}
}

// memoryOf is the shop's remembered-id bytes, re-read from Redis at most every 5 s.
func (q *Quota) memoryOf(ctx context.Context, shop string) int64 {
	now := time.Now()
	q.mu.Lock()
	r, ok := q.memory[shop]
	q.mu.Unlock()
	if ok && now.Sub(r.at) < q.memoryEvery {
		return r.bytes
	}
	ids, err := RememberedIDs(ctx, q.rdb, shop, now)
	if err != nil {
		return r.bytes // keep the last reading
	}
	r = memoryReading{bytes: ids * DedupIDBytes, at: now}
	q.mu.Lock()
	q.memory[shop] = r
	q.mu.Unlock()
	return r.bytes
}

// idCountKey is the shop's count of ids newly remembered in one hour (unix hours).
func idCountKey(shop string, hour int64) string {
	return "ld:dedupn:{" + shop + "}:" + strconv.FormatInt(hour, 10)
}

// idCountTTL is how long an hourly counter lives: as long as the ids it counts (the dedup
// generations a claim looks in), plus an hour.
func idCountTTL(ttl time.Duration) time.Duration {
	return dedupGenerations*generationLen(ttl) + time.Hour
}

// RememberedIDs is about how many event ids Redis remembers for shop: the ids committed since
// the oldest dedup generation a claim still looks in began (48 to 72 hours), from the hourly
// counters.
func RememberedIDs(ctx context.Context, rdb redis.UniversalClient, shop string, now time.Time) (int64, error) {
	hour := now.Unix() / 3600
	oldest := time.UnixMilli((generationOf(now, DedupTTL) - dedupGenerations + 1) * generationLen(DedupTTL).Milliseconds())
	keys := make([]string, 0, hour-oldest.Unix()/3600+1)
	for h := oldest.Unix() / 3600; h <= hour; h++ {
		keys = append(keys, idCountKey(shop, h))
	}
	vals, err := rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return 0, fmt.Errorf("ingest: remembered ids: %w", err)
	}
	var n int64
	for _, v := range vals {
		if s, ok := v.(string); ok {
			k, _ := strconv.ParseInt(s, 10, 64)
			n += k
		}
	}
	return n, nil
}
