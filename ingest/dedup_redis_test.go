package ingest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestDedupLifecycle on a real Redis, with the dedup clock moved by hand: claim, commit,
// re-claim (duplicates), an in-flight claim (pending), a lease that ends uncommitted (taken
// over), a release, and generations: an id is still a duplicate 47 h later and claimable again
// once no claim looks at its generation.
func TestDedupLifecycle(t *testing.T) {
	_, rdb := localtest.Redis(t)
	ctx := context.Background()
	now := time.Now()
	d := NewDedup(rdb)
	d.now = func() time.Time { return now }
	d.Wait = 0
	claim := func(prefix string, n int) (*Claim, error) {
		evs := make([]Event, n)
		for i := range evs {
			evs[i].ID = prefix + "-" + strconv.Itoa(i)
		}
		return d.Claim(ctx, "shop", evs)
	}
	want := func(what string, c *Claim, err error, fresh, dups int) {
		t.Helper()
		if err != nil || len(c.Fresh) != fresh || c.Duplicates != dups {
			if c == nil {
				c = &Claim{}
			}
			t.Fatalf("%s: %d fresh, %d duplicates, %v; want %d, %d", what, len(c.Fresh), c.Duplicates, err, fresh, dups)
		}
	}

	c, err := claim("a", 1000)
	want("first claim", c, err, 1000, 0)
	if err := d.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	c, err = claim("a", 1000)
	want("the same ids again", c, err, 0, 1000)
	// One request is several script calls (claimChunk ids each): stored ids, new ids and
	// repeats within the request, mixed over the calls, are told apart.
	var mixed []Event
	for i := 0; len(mixed) < 3*claimChunk; i++ {
		m := Event{ID: "m-" + strconv.Itoa(i)}
		mixed = append(mixed, Event{ID: "a-" + strconv.Itoa(i)}, m, m)
	}
	c, err = d.Claim(ctx, "shop", mixed)
	want("stored, new and repeated ids over several calls", c, err, claimChunk, 2*claimChunk)
	if err := d.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}

	// In flight: a second claim waits (here: not at all) and fails, claiming nothing.
	inflight, err := claim("b", 300)
	want("claim b", inflight, err, 300, 0)
	if _, err := claim("b", 300); !errors.Is(err, ErrPending) {
		t.Fatalf("claim during the lease: %v, want ErrPending", err)
	}
	// An id in flight in a request's last call fails the request, and what its earlier calls
	// claimed is given up: those ids are new to the next request, not in flight.
	var late []Event
	for i := range 2 * claimChunk {
		late = append(late, Event{ID: "x-" + strconv.Itoa(i)})
	}
	if _, err := d.Claim(ctx, "shop", append(late, Event{ID: "b-7"})); !errors.Is(err, ErrPending) {
		t.Fatalf("claim with an id in flight in its last call: %v, want ErrPending", err)
	}
	c, err = d.Claim(ctx, "shop", late)
	want("the ids of the failed request's earlier calls", c, err, len(late), 0)
	if err := d.Release(c); err != nil {
		t.Fatal(err)
	}
	// The lease ends uncommitted (the request crashed): the ids are taken over.
	now = now.Add(d.Lease + time.Second)
	c, err = claim("b", 300)
	want("after the lease", c, err, 300, 0)
	// A release gives them up, so a retry of unstored events is not a duplicate.
	if err := d.Release(c); err != nil {
		t.Fatal(err)
	}
	c, err = claim("b", 300)
	want("after a release", c, err, 300, 0)
	// The first holder was only slow: its events became durable and it commits late. They are
	// stored, so the ids are duplicates from now on, and the second holder's release (its
	// write failed) does not forget them.
	if err := d.Commit(ctx, inflight); err != nil {
		t.Fatal(err)
	}
	if err := d.Release(c); err != nil {
		t.Fatal(err)
	}
	c, err = claim("b", 300)
	want("after the late commit", c, err, 0, 300)

	// 47 hours later — one or two generations on — the ids are still duplicates.
	now = now.Add(47 * time.Hour)
	c, err = claim("a", 1000)
	want("47 h later", c, err, 0, 1000)
	// 73 hours after the claim no claim looks at its generation any more.
	now = now.Add(26 * time.Hour)
	c, err = claim("a", 1000)
	want("73 h later", c, err, 1000, 0)
}

// TestDedupAcrossGenerations: events with their real times, claimed late in one generation, are
// duplicates when re-sent early in the next (looked up one generation back) and a day later
// (their old time still sends the lookup back), while new live events look in their own
// generation only.
func TestDedupAcrossGenerations(t *testing.T) {
	_, rdb := localtest.Redis(t)
	ctx := context.Background()
	d := NewDedup(rdb)
	gl := generationLen(d.ttl)
	now := time.UnixMilli((time.Now().UnixMilli()/gl.Milliseconds()+1)*gl.Milliseconds() - 30*time.Minute.Milliseconds())
	d.now = func() time.Time { return now }
	evs := make([]Event, 500)
	for i := range evs {
		evs[i] = Event{ID: "live-" + strconv.Itoa(i), TS: now.Add(-time.Minute)}
	}
	c, err := d.Claim(ctx, "shop", evs)
	if err != nil || len(c.Fresh) != len(evs) {
		t.Fatalf("first claim: %v", err)
	}
	if err := d.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, later := range []time.Duration{time.Hour, 20 * time.Hour} {
		now = now.Add(later)
		if c, err := d.Claim(ctx, "shop", evs); err != nil || c.Duplicates != len(evs) {
			t.Fatalf("re-sent %v into the next generation: %v, %d duplicates", later, err, c.Duplicates)
		}
		now = now.Add(-later)
	}
	now = now.Add(20 * time.Hour)
	fresh := []Event{{ID: "new-1", TS: now}}
	if lookDepth(fresh[0].TS, generationOf(now, d.ttl), d.ttl) != 0 {
		t.Fatal("a live event late in its generation looks back")
	}
	if c, err := d.Claim(ctx, "shop", fresh); err != nil || len(c.Fresh) != 1 {
		t.Fatalf("new live event: %v", err)
	}
}

// TestDedupBuckets: a generation grows by splits; every field sits in the bucket bucketOf names
// for the generation's level and split pointer, buckets stay listpack-encoded, and the count of
// ids is right.
func TestDedupBuckets(t *testing.T) {
	_, rdb := localtest.Redis(t)
	ctx := context.Background()
	d := NewDedup(rdb)
	now := time.Now()
	d.now = func() time.Time { return now }
	const n = 30_000
	evs := make([]Event, 1000)
	for k := 0; k < n; k += len(evs) {
		for i := range evs {
			evs[i].ID = "sim-1-room1-" + strconv.Itoa(k+i)
		}
		c, err := d.Claim(ctx, "shop", evs)
		if err != nil || len(c.Fresh) != len(evs) {
			t.Fatal(err)
		}
		if err := d.Commit(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	g := generationOf(now, d.ttl)
	meta, err := rdb.HGetAll(ctx, metaKey("shop", g)).Result()
	if err != nil {
		t.Fatal(err)
	}
	l, _ := strconv.Atoi(meta["l"])
	s, _ := strconv.ParseUint(meta["s"], 10, 64)
	if meta["n"] != strconv.Itoa(n) {
		t.Fatalf("meta %v, want n = %d", meta, n)
	}
	buckets := uint64(1)<<l + s
	if float64(n)/float64(buckets) > bucketLoad {
		t.Fatalf("%d buckets for %d ids", buckets, n)
	}
	var ids, fullest int
	for b := range buckets {
		key := bucketPrefix("shop", g) + strconv.FormatUint(b, 10)
		fields, err := rdb.HGetAll(ctx, key).Result()
		if err != nil || len(fields) == 0 {
			t.Fatalf("bucket %d: %v (%d fields)", b, err, len(fields))
		}
		if enc, _ := rdb.ObjectEncoding(ctx, key).Result(); enc != "listpack" {
			t.Errorf("bucket %d has %d fields, encoded %s", b, len(fields), enc)
		}
		if ttl, _ := rdb.TTL(ctx, key).Result(); ttl < d.ttl {
			t.Errorf("bucket %d expires in %v", b, ttl)
		}
		fullest = max(fullest, len(fields))
		for f, v := range fields {
			if f == "" {
				continue // the sentinel
			}
			ids++
			if at := bucketOf(fpWord(f), uint(l), s); at != b || v != "1" {
				t.Fatalf("a field of bucket %d belongs in %d (value %q)", b, at, v)
			}
		}
	}
	if ids != n {
		t.Fatalf("%d ids in the buckets, want %d", ids, n)
	}
	t.Logf("%d ids in %d buckets (level %d, split %d), fullest %d fields", n, buckets, l, s, fullest)
	// Every claim committed: no in-flight mark is left to take memory, only the sentinel that
	// keeps the hash a hashtable.
	if marks, err := rdb.HKeys(ctx, inflightKey("shop", g)).Result(); err != nil || len(marks) != 1 || marks[0] != "" {
		t.Fatalf("in-flight fields %q left after every commit, %v", marks, err)
	}
	if enc, _ := rdb.ObjectEncoding(ctx, inflightKey("shop", g)).Result(); enc != "hashtable" {
		t.Errorf("in-flight hash encoded %s, want hashtable", enc)
	}
	// The quota's counters saw every committed id.
	if got, err := RememberedIDs(ctx, rdb, "shop", now); err != nil || got != n {
		t.Fatalf("remembered ids %d, %v; want %d", got, err, n)
	}
}

// TestDedupFormerInflight: a field whose value is a lease (a claim in flight written before
// in-flight marks, during a rolling upgrade) is pending while the lease runs and is taken over
// once it ended, and the taking claim's commit makes it stored.
func TestDedupFormerInflight(t *testing.T) {
	_, rdb := localtest.Redis(t)
	ctx := context.Background()
	now := time.Now()
	d := NewDedup(rdb)
	d.now = func() time.Time { return now }
	d.Wait = 0
	evs := []Event{{ID: "old-1"}, {ID: "old-2"}}
	c, err := d.Claim(ctx, "shop", evs)
	if err != nil || len(c.Fresh) != 2 {
		t.Fatalf("claim: %v %+v", err, c)
	}
	if err := d.Release(c); err != nil {
		t.Fatal(err)
	}
	// Write old-1 as the former format did: the field holds a running lease, no mark.
	g := generationOf(now, d.ttl)
	key := bucketPrefix("shop", g) + "0"
	if err := rdb.HSet(ctx, key, fingerprint("old-1"), newLease(now.Add(time.Minute))).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Claim(ctx, "shop", evs[:1]); !errors.Is(err, ErrPending) {
		t.Fatalf("claim during the former lease: %v, want ErrPending", err)
	}
	now = now.Add(2 * time.Minute)
	c, err = d.Claim(ctx, "shop", evs)
	if err != nil || len(c.Fresh) != 2 {
		t.Fatalf("claim after the former lease: %v %+v", err, c)
	}
	if v, _ := rdb.HGet(ctx, key, fingerprint("old-1")).Result(); v != "1" {
		t.Fatalf("taken-over field holds %q, want 1 (and a mark)", v)
	}
	if err := d.Commit(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c, err := d.Claim(ctx, "shop", evs); err != nil || c.Duplicates != 2 {
		t.Fatalf("after commit: %v %+v, want 2 duplicates", err, c)
	}
}

// TestDedupFormerLayout: a shop whose epoch was written by the former layout (a key per id)
// starts a new epoch, so its new ids are checked in ClickHouse for one TTL.
func TestDedupFormerLayout(t *testing.T) {
	_, rdb := localtest.Redis(t)
	ctx := context.Background()
	old := strconv.FormatInt(time.Now().Add(-7*24*time.Hour).UnixMilli(), 10)
	if err := rdb.Set(ctx, epochKey("shop"), old, 0).Err(); err != nil {
		t.Fatal(err)
	}
	d := NewDedup(rdb)
	var asked int
	d.Stored = func(_ context.Context, _ string, evs []Event) (map[string]bool, error) {
		asked += len(evs)
		return map[string]bool{"x-1": true}, nil
	}
	c, err := d.Claim(ctx, "shop", []Event{{ID: "x-1"}, {ID: "x-2"}})
	if err != nil || len(c.Fresh) != 1 || c.Fresh[0].ID != "x-2" || asked != 2 {
		t.Fatalf("claim: %v %+v, asked %d", err, c, asked)
	}
	e, err := rdb.Get(ctx, epochKey("shop")).Result()
	if err != nil || !strings.HasPrefix(e, epochLayout) {
		t.Fatalf("epoch %q, %v", e, err)
	}
	// x-1 was marked stored: the next claim answers it from Redis.
	if c, err := d.Claim(ctx, "shop", []Event{{ID: "x-1"}}); err != nil || c.Duplicates != 1 || asked != 2 {
		t.Fatalf("again: %v %+v, asked %d", err, c, asked)
	}
}
