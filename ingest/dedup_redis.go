package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DedupTTL is how long an event id is remembered per shop.
const DedupTTL = 48 * time.Hour

// ErrPending means some events of a request are being stored right now by another request (the
// same ids sent twice at once); the caller answers 429 with Retry-After and nothing is stored.
var ErrPending = errors.New("ingest: the same event ids are being stored by another request")

// Dedup remembers event ids per shop in Redis so a re-sent event is stored once.
//
// An id is claimed in two steps so that a crash can never turn an unstored event into a
// "duplicate": Claim writes "<token>:<lease end>" under each new id (one Lua call per batch), and
// Commit — after the events are durable — sets one marker key for the token. An id whose token
// has a marker is a duplicate; one whose lease is running belongs to a request still in flight
// (ErrPending after a short wait); one whose lease ended without a marker was left by a crash or a
// failed write and is taken over — after asking Stored whether ClickHouse already has it.
// Keys carry the shop as hash tag so a shop's keys share a cluster slot.
type Dedup struct {
	rdb redis.UniversalClient
	ttl time.Duration
	// Lease is how long a claim may stay uncommitted before another request may take it over;
	// it must exceed the longest durable write (writer timeout plus queueing). Default 1 minute.
	Lease time.Duration
	// Wait is how long Claim waits for ids in flight in another request before ErrPending.
	Wait time.Duration
	// Stored, when set, reports which of ids are already stored for shop; it is asked only about
	// ids whose claim was abandoned (after a crash), so they are not stored twice.
	Stored func(ctx context.Context, shop string, ids []string) (map[string]bool, error)
}

// NewDedup returns a Dedup over rdb.
func NewDedup(rdb redis.UniversalClient) *Dedup {
	return &Dedup{rdb: rdb, ttl: DedupTTL, Lease: time.Minute, Wait: 3 * time.Second}
}

func dedupPrefix(shop string) string      { return "ld:dedup:{" + shop + "}:" }
func dedupKey(shop, id string) string     { return dedupPrefix(shop) + id }
func commitKey(shop, token string) string { return "ld:dedupc:{" + shop + "}:" + token }

// Claim is the outcome of claiming one batch's ids.
type Claim struct {
	Fresh      []Event // not seen before, in input order; now claimed by this request
	Duplicates int     // already stored (or repeated within the batch)
	shop       string
	token      string
	keys       []string // the keys this request claimed
}

// Claim states of one id (an id still in flight elsewhere stays in the todo list instead).
const (
	claimFresh = 0
	claimDup   = 1
)

// takeOverScript replaces an abandoned claim (KEYS[1] still holding ARGV[1]) with ARGV[2]; it
// returns 1 when it did, 0 when someone else changed the key first.
var takeOverScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
`)

// claimScript is SET key ARGV[1] NX GET EX ARGV[2] for every key, answering each key's previous
// value (nil: it was free and is now claimed). One script per batch rather than a pipeline of
// SETs: Redis runs each batch's claims in one go instead of interleaving every request's
// pipelines 16 KB at a time, so a claim waits for the claims ahead of it, not for all of them
// (bench: mean claim 338 → 263 ms), and Redis parses one argument per id instead of seven (8%
// less Redis CPU per id).
// The keys share the shop's hash tag, so the script is cluster-safe.
var claimScript = redis.NewScript(`
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('SET', KEYS[i], ARGV[1], 'NX', 'GET', 'EX', ARGV[2])
end
return out
`)

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Claim claims the ids of events for this request. Events repeated within the batch and events
// stored before count as duplicates. It waits up to d.Wait for ids in flight in another request
// and then fails with ErrPending, releasing what it claimed.
//
// The common case costs one SET NX GET per id, all in one script call (Redis 7.0 or later); only ids already
// present need a second look (their token's commit marker, and a compare-and-set to take over an
// abandoned claim).
func (d *Dedup) Claim(ctx context.Context, shop string, events []Event) (*Claim, error) {
	c := &Claim{shop: shop, token: newToken()}
	if len(events) == 0 {
		return c, nil
	}
	state := make([]int8, len(events))
	seen := make(map[string]struct{}, len(events))
	c.keys = make([]string, 0, len(events))
	todo := make([]int, 0, len(events))
	for i := range events {
		if _, ok := seen[events[i].ID]; ok {
			state[i] = claimDup
			continue
		}
		seen[events[i].ID] = struct{}{}
		todo = append(todo, i)
	}
	deadline := time.Now().Add(d.Wait)
	prefix := dedupPrefix(shop)
	for len(todo) > 0 {
		val := c.token + ":" + strconv.FormatInt(time.Now().Add(d.Lease).UnixMilli(), 10)
		keys := make([]string, len(todo))
		var arena strArena
		var kb []byte
		for j, i := range todo {
			kb = append(append(kb[:0], prefix...), events[i].ID...)
			keys[j] = arena.str(kb)
		}
		olds, err := claimScript.Run(ctx, d.rdb, keys, val, int64(d.ttl/time.Second)).Slice()
		if err == nil && len(olds) != len(keys) {
			err = fmt.Errorf("%d answers for %d ids", len(olds), len(keys))
		}
		if err != nil {
			_ = d.Release(c)
			return nil, fmt.Errorf("ingest: dedup: %w", err)
		}
		var taken []int       // present: look closer
		var takenOld []string // their values
		for j, i := range todo {
			switch old := olds[j].(type) {
			case nil:
				state[i] = claimFresh
				c.keys = append(c.keys, keys[j])
			case string:
				taken = append(taken, i)
				takenOld = append(takenOld, old)
			default:
				_ = d.Release(c)
				return nil, fmt.Errorf("ingest: dedup: unexpected answer %T", old)
			}
		}
		pending, stale, err := d.inspect(ctx, c, shop, events, taken, takenOld, val, state)
		if err != nil {
			_ = d.Release(c)
			return nil, err
		}
		if err := d.checkStale(ctx, shop, events, stale, state); err != nil {
			_ = d.Release(c)
			return nil, err
		}
		todo = pending
		if len(todo) == 0 {
			break
		}
		if time.Now().After(deadline) {
			_ = d.Release(c)
			return nil, ErrPending
		}
		select {
		case <-ctx.Done():
			_ = d.Release(c)
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.Fresh = make([]Event, 0, len(events))
	for i := range events {
		if state[i] == claimFresh {
			c.Fresh = append(c.Fresh, events[i])
		} else {
			c.Duplicates++
		}
	}
	return c, nil
}

// inspect sorts ids that were already present: committed (duplicate), in flight (pending) or
// abandoned (taken over by this request, returned as stale so ClickHouse can be asked).
func (d *Dedup) inspect(ctx context.Context, c *Claim, shop string, events []Event, taken []int, olds []string, val string, state []int8) (pending, stale []int, err error) {
	if len(taken) == 0 {
		return nil, nil, nil
	}
	tokens := map[string]*redis.IntCmd{}
	pipe := d.rdb.Pipeline()
	for _, old := range olds {
		tok, _, ok := strings.Cut(old, ":")
		if ok && tokens[tok] == nil {
			tokens[tok] = pipe.Exists(ctx, commitKey(shop, tok))
		}
	}
	if len(tokens) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, nil, fmt.Errorf("ingest: dedup: %w", err)
		}
	}
	now := time.Now().UnixMilli()
	for j, i := range taken {
		tok, exp, ok := strings.Cut(olds[j], ":")
		if !ok || tokens[tok].Val() == 1 {
			state[i] = claimDup // "1" (checked against ClickHouse) or a committed claim
			continue
		}
		if end, _ := strconv.ParseInt(exp, 10, 64); end > now {
			pending = append(pending, i)
			continue
		}
		key := dedupKey(shop, events[i].ID)
		won, err := takeOverScript.Run(ctx, d.rdb, []string{key}, olds[j], val, int64(d.ttl/time.Second)).Int()
		if err != nil {
			return nil, nil, fmt.Errorf("ingest: dedup: take over: %w", err)
		}
		if won == 0 {
			pending = append(pending, i) // changed meanwhile: look again
			continue
		}
		state[i] = claimFresh
		c.keys = append(c.keys, key)
		stale = append(stale, i)
	}
	return pending, stale, nil
}

// checkStale asks ClickHouse about taken-over ids; those already stored become duplicates, and
// their keys are marked stored for good.
func (d *Dedup) checkStale(ctx context.Context, shop string, events []Event, stale []int, state []int8) error {
	if len(stale) == 0 || d.Stored == nil {
		return nil
	}
	ids := make([]string, len(stale))
	for j, i := range stale {
		ids[j] = events[i].ID
	}
	found, err := d.Stored(ctx, shop, ids)
	if err != nil {
		return fmt.Errorf("ingest: dedup: check abandoned ids: %w", err)
	}
	if len(found) == 0 {
		return nil
	}
	pipe := d.rdb.Pipeline()
	for _, i := range stale {
		if found[events[i].ID] {
			state[i] = claimDup
			pipe.Set(ctx, dedupKey(shop, events[i].ID), "1", d.ttl)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ingest: dedup: mark stored ids: %w", err)
	}
	return nil
}

// Commit records that the claimed events are durable, turning their claims into permanent
// duplicates for later deliveries. One key per request, whatever its size.
func (d *Dedup) Commit(ctx context.Context, c *Claim) error {
	if c == nil || len(c.keys) == 0 {
		return nil
	}
	if err := d.rdb.Set(ctx, commitKey(c.shop, c.token), strconv.Itoa(len(c.keys)), d.ttl).Err(); err != nil {
		return fmt.Errorf("ingest: dedup commit: %w", err)
	}
	return nil
}

// Release forgets the ids claimed by c so that a retry of events that were not stored is not
// taken for a duplicate. Best effort: it uses its own short deadline.
func (d *Dedup) Release(c *Claim) error {
	if c == nil || len(c.keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pipe := d.rdb.Pipeline()
	for i := 0; i < len(c.keys); i += 1000 {
		j := min(i+1000, len(c.keys))
		pipe.Del(ctx, c.keys[i:j]...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("ingest: dedup release: %w", err)
	}
	return nil
}
