package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
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
	// it must exceed the longest durable write (writer timeout plus queueing). Default 2 minutes.
	Lease time.Duration
	// Wait is how long Claim waits for ids in flight in another request before ErrPending.
	Wait time.Duration
	// Stored, when set, reports which of ids are already stored for shop; it is asked only about
	// ids whose claim was abandoned (after a crash), so they are not stored twice.
	Stored func(ctx context.Context, shop string, ids []string) (map[string]bool, error)
}

// NewDedup returns a Dedup over rdb.
func NewDedup(rdb redis.UniversalClient) *Dedup {
	return &Dedup{rdb: rdb, ttl: DedupTTL, Lease: 2 * time.Minute, Wait: 3 * time.Second}
}

func dedupKey(shop, id string) string     { return "ld:dedup:{" + shop + "}:" + id }
func commitKey(shop, token string) string { return "ld:dedupc:{" + shop + "}:" + token }

// Claim is the outcome of claiming one batch's ids.
type Claim struct {
	Fresh      []Event // not seen before, in input order; now claimed by this request
	Duplicates int     // already stored (or repeated within the batch)
	shop       string
	token      string
	keys       []string // the keys this request claimed
}

// Claim results of the Lua script, one per key.
const (
	claimFresh   = 0
	claimDup     = 1
	claimPending = 2
	claimStale   = 3
)

// claimScript claims KEYS (dedup keys of one shop). ARGV: token, now (ms), lease (ms), ttl (s),
// commit key prefix. It returns one claim result per key.
var claimScript = redis.NewScript(`
local out = {}
local val = ARGV[1] .. ':' .. (tonumber(ARGV[2]) + tonumber(ARGV[3]))
local now = tonumber(ARGV[2])
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if not v then
    redis.call('SET', k, val, 'EX', ARGV[4])
    out[i] = 0
  else
    local sep = string.find(v, ':', 1, true)
    if not sep then
      out[i] = 1
    else
      local tok = string.sub(v, 1, sep - 1)
      if tok == ARGV[1] or redis.call('EXISTS', ARGV[5] .. tok) == 1 then
        out[i] = 1
      elseif (tonumber(string.sub(v, sep + 1)) or 0) < now then
        redis.call('SET', k, val, 'EX', ARGV[4])
        out[i] = 3
      else
        out[i] = 2
      end
    end
  end
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
func (d *Dedup) Claim(ctx context.Context, shop string, events []Event) (*Claim, error) {
	c := &Claim{shop: shop, token: newToken()}
	if len(events) == 0 {
		return c, nil
	}
	state := make([]int8, len(events))
	seen := make(map[string]struct{}, len(events))
	var todo []int
	for i := range events {
		if _, ok := seen[events[i].ID]; ok {
			state[i] = claimDup
			continue
		}
		seen[events[i].ID] = struct{}{}
		todo = append(todo, i)
	}
	deadline := time.Now().Add(d.Wait)
	prefix := "ld:dedupc:{" + shop + "}:"
	for len(todo) > 0 {
		keys := make([]string, len(todo))
		for j, i := range todo {
			keys[j] = dedupKey(shop, events[i].ID)
		}
		res, err := claimScript.Run(ctx, d.rdb, keys, c.token, time.Now().UnixMilli(), d.Lease.Milliseconds(), int64(d.ttl/time.Second), prefix).Int64Slice()
		if err != nil {
			_ = d.Release(c)
			return nil, fmt.Errorf("ingest: dedup: %w", err)
		}
		var pending, stale []int
		for j, i := range todo {
			switch res[j] {
			case claimFresh:
				state[i] = claimFresh
				c.keys = append(c.keys, keys[j])
			case claimStale:
				state[i] = claimFresh
				c.keys = append(c.keys, keys[j])
				stale = append(stale, i)
			case claimPending:
				pending = append(pending, i)
			default:
				state[i] = claimDup
			}
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
