package ingest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DedupTTL is how long, at least, an event id is remembered per shop (at most 1.5 × DedupTTL:
// ids expire a generation at a time, see dedup_layout.go).
const DedupTTL = 48 * time.Hour

// ErrPending means some events of a request are being stored right now by another request (the
// same ids sent twice at once); the caller answers 429 with Retry-After and nothing is stored.
var ErrPending = errors.New("ingest: the same event ids are being stored by another request")

// Dedup remembers event ids per shop in Redis so a re-sent event is stored once.
//
// An id is claimed in two steps so that a crash can never turn an unstored event into a
// "duplicate": Claim remembers each new id's fingerprint with an in-flight mark holding the
// claim's lease (one Lua call per claimChunk ids), and Commit — after the events are durable — deletes
// this claim's marks, which makes its ids "stored" (one Lua call). A stored id is a duplicate;
// one whose lease is running belongs to a request still in flight (ErrPending after a short
// wait); one whose lease ended uncommitted was left by a crash or a failed write and is taken
// over — after asking Stored whether ClickHouse already has it.
// The layout (fingerprints in small per-generation bucket hashes) is described in
// dedup_layout.go. Keys carry the shop as hash tag so a shop's keys share a cluster slot.
type Dedup struct {
	rdb redis.UniversalClient
	ttl time.Duration
	// Lease is how long a claim may stay uncommitted before another request may take it over;
	// it must exceed the longest durable write (writer timeout plus queueing), and Wait (a claim
	// keeps the lease it took at its start while it waits). Default 1 minute.
	Lease time.Duration
	// Wait is how long Claim waits for ids in flight in another request before ErrPending.
	Wait time.Duration
	// Stored, when set, reports which of events (by id) are already stored for shop. It is
	// asked about ids whose claim was abandoned (after a crash), and about every new id while
	// the shop's dedup memory is younger than the TTL (Redis lost it: see epochKey), so neither
	// is stored twice.
	Stored func(ctx context.Context, shop string, events []Event) (map[string]bool, error)
	// Quiet, when set, reports whether the shop stored no event received since the given time.
	// A claim that starts a new epoch asks it once: a shop quiet for a whole TTL had nothing to
	// forget, so its epoch is settled at once and its new ids skip the ClickHouse check.
	Quiet func(ctx context.Context, shop string, since time.Time) (bool, error)
	// now is the clock (tests); nil means time.Now.
	now func() time.Time
}

// NewDedup returns a Dedup over rdb.
func NewDedup(rdb redis.UniversalClient) *Dedup {
	return &Dedup{rdb: rdb, ttl: DedupTTL, Lease: time.Minute, Wait: 3 * time.Second}
}

// epochKey holds, without expiry, "2:" and the unix milliseconds at which the shop's dedup
// memory began (see epochLayout). Redis run without persistence (or a cluster node that lost
// its slots) forgets it together with the shop's ids, which share its hash tag and so its node:
// the next claim finds it missing, starts a new epoch, and for one TTL after that every new id
// is also checked against ClickHouse (Stored). So a batch re-sent after a Redis restart is a
// duplicate, not stored twice. A shop's very first epoch pays the same check; it is one indexed
// read per request (see StoredIDs).
func epochKey(shop string) string { return "ld:dedupe:{" + shop + "}" }

// Claim is the outcome of claiming one batch's ids.
type Claim struct {
	Fresh      []Event // not seen before, in input order; now claimed by this request
	Duplicates int     // already stored (or repeated within the batch)
	shop       string
	gen        int64    // the generation the claim was made in
	lease      string   // the value of this claim's in-flight marks
	fps        []string // the fingerprints this request holds, each after its generation's age digit (see finishScript)
}

// Claim states of one id (an id still in flight elsewhere stays in the todo list instead).
const (
	claimFresh = 0
	claimDup   = 1
)

// newLease is a lease value: its end in unix ms × 1024 plus 10 random bits, so it both says
// when the lease ends and names the claim (a takeover happens only after the lease ended, so
// the new holder's value differs; the random bits tell apart claims ending in the same ms).
func newLease(end time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(end.UnixMilli()<<10|int64(binary.BigEndian.Uint16(b[:])&1023), 10)
}

// claimChunk is the most ids one claim script call takes. A request's chunks go one after
// another, so Redis serves other clients between them: a script runs alone, and 1,000 ids took
// 5–6 ms under load, which every tick, ack and counter update behind it waited out (Redis
// answered a PING in up to 73 ms at 20,000 events/s). A call costs ~50 µs more than its ids.
const claimChunk = 250

// Claim claims the ids of events for this request. Events repeated within the batch and events
// stored before count as duplicates. It waits up to d.Wait for ids in flight in another request
// and then fails with ErrPending, releasing what it claimed.
//
// The common case is one script call per claimChunk ids (a few hash lookups per id); only ids
// whose lease ended uncommitted, and new ids in a young epoch, are also looked up in ClickHouse.
func (d *Dedup) Claim(ctx context.Context, shop string, events []Event) (*Claim, error) {
	start := d.clock()
	c := &Claim{shop: shop, gen: generationOf(start, d.ttl), lease: newLease(start.Add(d.Lease))}
	if len(events) == 0 {
		return c, nil
	}
	state := make([]int8, len(events))
	fps := make([]string, len(events))
	seen := make(map[string]struct{}, len(events))
	c.fps = make([]string, 0, len(events))
	todo := make([]int, 0, len(events))
	for i := range events {
		if _, ok := seen[events[i].ID]; ok {
			state[i] = claimDup
			continue
		}
		seen[events[i].ID] = struct{}{}
		fps[i] = fingerprint(events[i].ID)
		todo = append(todo, i)
	}
	metas, inflights, prefixes := generationKeys(shop, c.gen)
	keys := append(append([]string{epochKey(shop)}, metas...), inflights...)
	deadline := start.Add(d.Wait)
	for len(todo) > 0 {
		now := d.clock()
		epoch := epochLayout + strconv.FormatInt(now.UnixMilli(), 10)
		ttl := int64(generationTTL(c.gen, now, d.ttl)/time.Second) + 1
		var pending []int
		var unsure []int // taken over from an abandoned claim, or new to a young epoch: ask ClickHouse
		head := []any{epoch, now.UnixMilli() << 10, c.lease, prefixes[0], prefixes[1], prefixes[2], ttl, bucketLoad}
		recovering, decided := false, false
		for len(todo) > 0 {
			chunk := todo[:min(len(todo), claimChunk)]
			todo = todo[len(chunk):]
			got, states, err := d.claimCall(ctx, keys, head, c.gen, events, fps, chunk)
			if err != nil {
				_ = d.Release(c)
				return nil, fmt.Errorf("ingest: dedup: %w", err)
			}
			if !decided { // the first call's epoch decides for the request
				decided = true
				recovering = d.young(got, now)
				if recovering && got == epoch {
					recovering = d.settle(ctx, shop, now)
				}
			}
			for j, i := range chunk {
				switch states[j] {
				case '0':
					state[i] = claimFresh
					fps[i] = "0" + fps[i]
					c.fps = append(c.fps, fps[i])
					if recovering {
						unsure = append(unsure, i)
					}
				case '1':
					state[i] = claimDup
				case '2':
					pending = append(pending, i)
				case '3', '4', '5':
					state[i] = claimFresh
					fps[i] = string('0'+states[j]-'3') + fps[i]
					c.fps = append(c.fps, fps[i])
					unsure = append(unsure, i)
				}
			}
		}
		if err := d.checkStale(ctx, c, shop, events, fps, unsure, state); err != nil {
			_ = d.Release(c)
			return nil, err
		}
		todo = pending
		if len(todo) == 0 {
			break
		}
		if !d.clock().Before(deadline) {
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
	if !slices.ContainsFunc(state, func(s int8) bool { return s != claimFresh }) {
		c.Fresh = events // the common case: no duplicate, no copy (the caller's slice, read only)
		return c, nil
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

// claimCall runs the claim script once for the events at positions ids (at most claimChunk);
// head is the script's fixed arguments (ARGV 1–8, see claimScript). It returns the epoch the
// script answered and one state character per id.
func (d *Dedup) claimCall(ctx context.Context, keys []string, head []any, gen int64, events []Event, fps []string, ids []int) (any, string, error) {
	depths := make([]byte, len(ids))
	for j, i := range ids {
		depths[j] = '0' + byte(lookDepth(events[i].TS, gen, d.ttl))
	}
	args := append(make([]any, 0, len(head)+1+len(ids)), head...)
	args = append(args, string(depths))
	for _, i := range ids {
		args = append(args, fps[i])
	}
	answers, err := claimScript.Run(ctx, d.rdb, keys, args...).Slice()
	if err != nil {
		return nil, "", err
	}
	states, err := claimStates(answers, len(ids))
	if err != nil {
		return nil, "", err
	}
	return answers[0], states, nil
}

// depthMargin is how long before its event time, at most, an event's id can have been claimed
// first: every path that builds events refuses a time more than maxFutureT after the event was
// received (InWindow), and it is claimed after that, on the same instance's clock; an hour more
// for good measure.
const depthMargin = maxFutureT + time.Hour

// lookDepth is how many generations before generation g (0–2) may hold the id of an event at
// ts: generation k may only if the id's first claim can have been made in k, that is if ts is
// before k's end plus depthMargin. A live event's id (ts a moment ago) is looked up in the
// claim's generation alone but in the first depthMargin of a generation; an old one (a backfill,
// a re-send days later, a zero time) in all three. This spares a busy shop two hash lookups per
// new id (BenchmarkClaimThreeGenerations).
func lookDepth(ts time.Time, g int64, ttl time.Duration) int {
	for k := range int64(dedupGenerations - 1) {
		end := time.UnixMilli((g - k) * generationLen(ttl).Milliseconds())
		if !ts.Before(end.Add(depthMargin)) {
			return int(k)
		}
	}
	return dedupGenerations - 1
}

// claimStates checks the claim script's answer {epoch, states} for n fingerprints and returns
// the states.
func claimStates(answers []any, n int) (string, error) {
	if len(answers) != 2 {
		return "", fmt.Errorf("%d answers, want 2", len(answers))
	}
	states, ok := answers[1].(string)
	if !ok || len(states) != n {
		return "", fmt.Errorf("states %q for %d ids", answers[1], n)
	}
	for i := range len(states) {
		if states[i] < '0' || states[i] > '5' {
			return "", fmt.Errorf("unexpected state %q", states[i])
		}
	}
	return states, nil
}

// young reports whether the epoch answered by the claim script began less than one TTL before
// now: ids older than that may have been forgotten, so new ones are checked in ClickHouse.
func (d *Dedup) young(epoch any, now time.Time) bool {
	s, _ := epoch.(string)
	s, ok := strings.CutPrefix(s, epochLayout)
	ms, err := strconv.ParseInt(s, 10, 64)
	if !ok || err != nil {
		return true // unreadable: be safe
	}
	return now.Sub(time.UnixMilli(ms)) < d.ttl
}

// settle is called by the claim that began the shop's epoch: when the shop stored nothing in the
// last TTL, the epoch is moved one TTL back (nothing was forgotten) and settle reports false.
// On any doubt it reports true: the claim then checks its ids in ClickHouse.
func (d *Dedup) settle(ctx context.Context, shop string, now time.Time) bool {
	if d.Quiet == nil {
		return true
	}
	quiet, err := d.Quiet(ctx, shop, now.Add(-d.ttl))
	if err != nil || !quiet {
		return true
	}
	settled := epochLayout + strconv.FormatInt(now.Add(-d.ttl).UnixMilli(), 10)
	if err := d.rdb.Set(ctx, epochKey(shop), settled, 0).Err(); err != nil {
		return true
	}
	return false
}

func (d *Dedup) clock() time.Time {
	if d.now != nil {
		return d.now()
	}
	return time.Now()
}

// checkStale asks ClickHouse about claimed ids that may have been stored before (abandoned
// claims, and new ids in a young epoch); those already stored become duplicates, their fields
// are marked stored for good and leave the claim (so a failed write does not forget them).
func (d *Dedup) checkStale(ctx context.Context, c *Claim, shop string, events []Event, fps []string, stale []int, state []int8) error {
	if len(stale) == 0 || d.Stored == nil {
		return nil
	}
	ask := make([]Event, len(stale))
	for j, i := range stale {
		ask[j] = events[i]
	}
	found, err := d.Stored(ctx, shop, ask)
	if err != nil {
		return fmt.Errorf("ingest: dedup: check ids in clickhouse: %w", err)
	}
	if len(found) == 0 {
		return nil
	}
	stored := map[string]bool{}
	var mark []string
	for _, i := range stale {
		if found[events[i].ID] {
			state[i] = claimDup
			stored[fps[i]] = true
			mark = append(mark, fps[i])
		}
	}
	if _, err := d.finish(ctx, c, "m", mark); err != nil {
		return fmt.Errorf("ingest: dedup: mark stored ids: %w", err)
	}
	c.fps = slices.DeleteFunc(c.fps, func(fp string) bool { return stored[fp] })
	return nil
}

// Commit records that the claimed events are durable, turning their leases into permanent
// duplicates for later deliveries, and adds them to the hour's count of remembered ids (the
// shop's Redis quota reads it). One script call per request.
func (d *Dedup) Commit(ctx context.Context, c *Claim) error {
	if c == nil || len(c.fps) == 0 {
		return nil
	}
	if _, err := d.finish(ctx, c, "c", c.fps); err != nil {
		return fmt.Errorf("ingest: dedup commit: %w", err)
	}
	return nil
}

// Release forgets the ids claimed by c so that a retry of events that were not stored is not
// taken for a duplicate. Best effort: it uses its own short deadline.
func (d *Dedup) Release(c *Claim) error {
	if c == nil || len(c.fps) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := d.finish(ctx, c, "r", c.fps); err != nil {
		return fmt.Errorf("ingest: dedup release: %w", err)
	}
	return nil
}

// finish runs finishScript in mode ("c" commit, "m" mark stored, "r" release) over fps, which c
// leased; it returns how many fields still held c's lease.
func (d *Dedup) finish(ctx context.Context, c *Claim, mode string, fps []string) (int, error) {
	if len(fps) == 0 {
		return 0, nil
	}
	now := d.clock()
	metas, inflights, prefixes := generationKeys(c.shop, c.gen)
	keys := append(metas, idCountKey(c.shop, now.Unix()/3600), inflights[0])
	args := make([]any, 0, 6+len(fps))
	args = append(args, mode, c.lease, prefixes[0], prefixes[1], prefixes[2], int64(idCountTTL(d.ttl)/time.Second))
	for _, fp := range fps {
		args = append(args, fp)
	}
	return finishScript.Run(ctx, d.rdb, keys, args...).Int()
}
