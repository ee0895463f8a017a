package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/outbound"
)

// Enricher attaches what pushes lack (products, quantities, per-item amounts, the live room) to
// paid orders, through the platforms' order-detail APIs, off the push's path. Each paid order is
// queued once (a Redis sorted set scored by the next attempt); a worker on every instance claims
// due entries with a lease (a script decides who won; a dead worker's claim comes due again), calls the API at most once per MinGap, and on failure
// re-queues the order with exponential backoff and records the error; after MaxAttempts the
// order is marked unenriched (its push events stay stored and counted). Results are cached, so
// an order is fetched once even when pushed again.
//
// Which event carries the amount: the push's own paid event (Doudian pay_amount; TikTok's
// enrichment writes an order-level paid event with the total) has no room and no product, so
// the control room ignores it, while the shop-wide job totals (max amount per order and
// status) count it once. The enrichment's per-item paid events carry product, quantity, room
// and the item's amount: the control room's GMV and the no-sale rule see them, and the job
// totals still count the order once because they take the largest amount per order.
type Enricher struct {
	Integrations *Integrations
	Events       Submitter
	Redis        redis.UniversalClient
	Stats        *Stats
	Client       *http.Client // nil: an outbound.Client (public addresses only, unless AllowPrivate), 10 s timeout
	AllowPrivate bool         // let the admin-set API URL reach private and loopback addresses
	Log          *slog.Logger

	Every       time.Duration // how often the queue is polled (default 1 s)
	MinGap      time.Duration // least time between two API calls of this instance (default 200 ms)
	Backoff     time.Duration // first retry delay, doubled per attempt up to 1 h (default 10 s)
	MaxAttempts int           // default 8
	Now         func() time.Time

	tok tokens // access tokens per integration (token.go)

	clientOnce sync.Once // makes the outbound client when Client is nil
}

// claimScript moves a due entry's score to the end of its lease: 1 when this caller claimed it.
var claimScript = redis.NewScript(`
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not s or tonumber(s) > tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
return 1`)

// claimLease is how long a claimed order stays invisible to other workers: longer than one
// API call with its timeout.
const claimLease = 2 * time.Minute

const (
	enrichQueue    = "ld:platform:enrich"          // zset: job → next attempt (unix ms)
	enrichAttempts = "ld:platform:enrich:attempts" // hash: job → attempts so far
	enrichCacheTTL = 30 * 24 * time.Hour
)

func enrichedKey(shop, platform, order string) string {
	return "ld:platform:" + "{" + shop + "}" + ":enriched:" + platform + ":" + order
}
func unenrichedKey(shop, platform string) string {
	return "ld:platform:" + "{" + shop + "}" + ":unenriched:" + platform
}

// enrichJob is one queued order.
type enrichJob struct {
	Shop, Platform, Order string
	PaidAt                time.Time
}

func (j enrichJob) member() string {
	return strings.Join([]string{j.Shop, j.Platform, j.Order, strconv.FormatInt(j.PaidAt.UnixMilli(), 10)}, "\x1f")
}

func parseJob(s string) (enrichJob, bool) {
	p := strings.Split(s, "\x1f")
	if len(p) != 4 {
		return enrichJob{}, false
	}
	ms, err := strconv.ParseInt(p[3], 10, 64)
	if err != nil {
		return enrichJob{}, false
	}
	return enrichJob{Shop: p[0], Platform: p[1], Order: p[2], PaidAt: time.UnixMilli(ms).UTC()}, true
}

func (e *Enricher) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Enqueue queues order for enrichment unless it was enriched already.
func (e *Enricher) Enqueue(ctx context.Context, shop, platform, order string, paidAt time.Time) error {
	n, err := e.Redis.Exists(ctx, enrichedKey(shop, platform, order)).Result()
	if err != nil || n > 0 {
		return err
	}
	j := enrichJob{Shop: shop, Platform: platform, Order: order, PaidAt: paidAt}
	return e.Redis.ZAddNX(ctx, enrichQueue, redis.Z{Score: float64(e.now().UnixMilli()), Member: j.member()}).Err()
}

// Run works the queue until ctx ends. Main owns it (goRun), so Close waits for it.
func (e *Enricher) Run(ctx context.Context) {
	every := e.Every
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		e.round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round enriches every due order, one API call per MinGap.
func (e *Enricher) round(ctx context.Context) {
	gap := e.MinGap
	if gap <= 0 {
		gap = 200 * time.Millisecond
	}
	for ctx.Err() == nil {
		due, err := e.Redis.ZRangeByScore(ctx, enrichQueue, &redis.ZRangeBy{
			Min: "-inf", Max: strconv.FormatInt(e.now().UnixMilli(), 10), Count: 20}).Result()
		if err != nil {
			if ctx.Err() == nil {
				e.Log.Warn("platform: read enrichment queue", "err", err)
			}
			return
		}
		if len(due) == 0 {
			return
		}
		for _, member := range due {
			// Claim with a lease: the entry stays queued, due again after claimLease, so an
			// instance dying mid-call loses nothing; only one instance wins the claim.
			won, err := claimScript.Run(ctx, e.Redis, []string{enrichQueue}, member,
				e.now().UnixMilli(), e.now().Add(claimLease).UnixMilli()).Int()
			if err != nil || won == 0 {
				continue // another instance took it
			}
			j, ok := parseJob(member)
			if !ok {
				continue
			}
			e.work(ctx, j, member)
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
		}
	}
}

// work enriches one order, re-queueing it on failure.
func (e *Enricher) work(ctx context.Context, j enrichJob, member string) {
	err := e.Enrich(ctx, j)
	if err == nil {
		bctx := context.WithoutCancel(ctx)
		e.Redis.ZRem(bctx, enrichQueue, member)
		e.Redis.HDel(bctx, enrichAttempts, member)
		return
	}
	if ctx.Err() != nil { // shutting down: put it back as it was
		e.Redis.ZAdd(context.WithoutCancel(ctx), enrichQueue, redis.Z{Score: float64(e.now().UnixMilli()), Member: member})
		return
	}
	bctx := context.WithoutCancel(ctx)
	n, _ := e.Redis.HIncrBy(bctx, enrichAttempts, member, 1).Result()
	max := e.MaxAttempts
	if max <= 0 {
		max = 8
	}
	now := e.now()
	if int(n) >= max {
		e.Redis.ZRem(bctx, enrichQueue, member)
		e.Redis.HDel(bctx, enrichAttempts, member)
		e.Redis.SAdd(bctx, unenrichedKey(j.Shop, j.Platform), j.Order)
		e.Stats.failed(bctx, j.Shop, j.Platform, errKind(err), fmt.Sprintf("order %s: enrichment gave up after %d attempts: %s", j.Order, n, shown(err)), now)
		e.Log.Warn("platform: enrichment gave up", "shop", j.Shop, "platform", j.Platform, "order", j.Order, "err", err)
		return
	}
	base := e.Backoff
	if base <= 0 {
		base = 10 * time.Second
	}
	delay := base << (n - 1)
	if delay > time.Hour || delay <= 0 {
		delay = time.Hour
	}
	delay += time.Duration(rand.Int64N(int64(delay)/5 + 1)) // jitter: instances do not retry in step
	var rl *rateLimited
	if errors.As(err, &rl) && rl.after > delay {
		delay = rl.after
	}
	e.Redis.ZAdd(bctx, enrichQueue, redis.Z{Score: float64(now.Add(delay).UnixMilli()), Member: member})
	e.Stats.failed(bctx, j.Shop, j.Platform, errKind(err), fmt.Sprintf("order %s: enrichment attempt %d failed, retry in %s: %s", j.Order, n, delay.Round(time.Second), shown(err)), now)
	e.Log.Info("platform: enrichment failed, retrying", "shop", j.Shop, "platform", j.Platform, "order", j.Order, "attempt", n, "err", err)
}

// shown is what the Integrations page may say about an enrichment error: the platform's side
// (its answer, a timeout, a 429) or the setup; an internal failure (storage, Redis) is only
// named, its details stay in the log.
func shown(err error) string {
	var rl *rateLimited
	msg := err.Error()
	switch {
	case errors.As(err, &rl), isTokenError(err), strings.HasPrefix(msg, "order detail:"), msg == errIntegrationRemoved.Error(), msg == errNoAPIURL.Error():
		return msg
	}
	return "internal error (details in the server log)"
}

// errKind is the ErrorEntry kind of an enrichment error.
func errKind(err error) string {
	if isTokenError(err) {
		return ErrorToken
	}
	return ""
}

var (
	errIntegrationRemoved = errors.New("integration removed")
	errNoAPIURL           = errors.New("no API URL configured (integration set --api-url)")
)

// rateLimited is a 429 answer.
type rateLimited struct{ after time.Duration }

func (r *rateLimited) Error() string { return "rate limited by the platform (429)" }

// Enrich fetches the order's detail and stores its item events (and, for TikTok, the order's
// paid total). Deterministic ids make a repeated enrichment a duplicate.
func (e *Enricher) Enrich(ctx context.Context, j enrichJob) error {
	in, ok, err := e.Integrations.Get(ctx, j.Shop, j.Platform)
	if err != nil {
		return err
	}
	if !ok {
		return errIntegrationRemoved
	}
	if in.APIURL == "" {
		return errNoAPIURL
	}
	e.clientOnce.Do(func() {
		if e.Client == nil { // one client kept: a Transport per call would leak idle connections
			e.Client = outbound.Client(10*time.Second, e.AllowPrivate)
		}
	})
	client := e.Client
	detail := func(token string) ([]ingest.Event, error) {
		switch j.Platform {
		case Doudian:
			return doudianDetail(ctx, client, in, token, j, e.now())
		case TikTok:
			return tiktokDetail(ctx, client, in, token, j, e.now())
		}
		return nil, fmt.Errorf("unknown platform %q", j.Platform)
	}
	token, err := e.token(ctx, client, in, "")
	if err != nil {
		return err
	}
	events, err := detail(token)
	if isTokenError(err) {
		// Refused (expired, revoked, renewed elsewhere): renew once and retry.
		e.forget(in)
		if token, err = e.token(ctx, client, in, token); err != nil {
			return err
		}
		events, err = detail(token)
	}
	if err != nil {
		return err
	}
	if len(events) > 0 {
		if _, err := e.Events.Submit(ctx, events); err != nil {
			return fmt.Errorf("store enriched events: %w", err)
		}
	}
	// The cache remembers the order's live room, so its later refunds land in the same room.
	room := ""
	for _, ev := range events {
		if ev.Room != "" {
			room = ev.Room
			break
		}
	}
	return e.Redis.Set(ctx, enrichedKey(j.Shop, j.Platform, j.Order), "room:"+room, enrichCacheTTL).Err()
}

// Rooms fills the live room of refund events whose order was enriched (pushes carry no room),
// so the room's refund figures include them. Orders not enriched keep no room.
func (e *Enricher) Rooms(ctx context.Context, platform string, events []ingest.Event) {
	var idx []int
	var keys []string
	for i, ev := range events {
		if ev.Type == ingest.TypeOrder && ev.Room == "" && (ev.Status == ingest.StatusRefundRequested ||
			ev.Status == ingest.StatusRefunded || ev.Status == ingest.StatusRefundRejected) {
			idx = append(idx, i)
			keys = append(keys, enrichedKey(ev.Shop, platform, ev.Order))
		}
	}
	if len(keys) == 0 {
		return
	}
	// One GET per key in a pipeline, not MGET: a push may name orders of several shops, whose
	// keys sit in different Redis Cluster slots (a cluster pipeline sends each to its node).
	pipe := e.Redis.Pipeline()
	gets := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		gets[i] = pipe.Get(ctx, k)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		e.Log.Warn("platform: read enriched rooms", "err", err)
		return
	}
	for k, g := range gets {
		if s, err := g.Result(); err == nil {
			events[idx[k]].Room = strings.TrimPrefix(s, "room:")
		}
	}
}

// Unenriched returns the orders of shop on platform whose enrichment gave up.
func (e *Enricher) Unenriched(ctx context.Context, shop, platform string) ([]string, error) {
	return e.Redis.SMembers(ctx, unenrichedKey(shop, platform)).Result()
}
