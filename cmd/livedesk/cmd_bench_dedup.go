package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb"
)

// runBenchDedup measures the dedup memory's Redis layout against the former one (a key per id)
// in one run: two private, empty Redis servers, one per layout, are given the same ids in
// batches of --batch, alternately (so both see the same machine load). Each batch is claimed and
// committed as ingest does. Reported per layout: used_memory growth (INFO memory) per id and per
// 10 M ids, and the time per batch to claim and to commit. Twice: all ids for one shop, then
// spread over --shops shops (round robin by batch).
func runBenchDedup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-dedup", "bench-dedup [--ids N] [--anchor-ids N] [--shops S] [--batch B]", stderr)
	ids := fs.Int("ids", 10_000_000, "ids claimed with the current layout, per phase")
	anchorIDs := fs.Int("anchor-ids", 10_000_000, "ids claimed with the former layout (a key per id, ~200 bytes each), per phase")
	shops := fs.Int("shops", 100, "shops the second phase spreads the ids over")
	batch := fs.Int("batch", 1000, "ids per claim")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *ids <= 0 || *anchorIDs < 0 || *shops <= 0 || *batch <= 0 {
		return errors.New("bench-dedup: --ids, --shops and --batch must be positive, --anchor-ids ≥ 0")
	}
	dir, err := os.MkdirTemp("", "livedesk-bench-dedup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var rdbs [2]*redis.Client
	for i := range rdbs {
		srv, err := localdb.StartRedis(ctx, filepath.Join(dir, strconv.Itoa(i)), 0)
		if err != nil {
			return err
		}
		defer srv.Stop()
		rdbs[i] = redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: time.Minute}) // FLUSHALL of 10 M keys takes seconds
		defer rdbs[i].Close()
	}
	version, _ := redisVersion(ctx, rdbs[0])
	fmt.Fprintf(stdout, "Redis %s, default config; %d ids per phase (former layout: %d), batches of %d\n", version, *ids, *anchorIDs, *batch)
	var headline [2]dedupRun
	for phase, n := range []int{1, *shops} {
		for _, r := range rdbs {
			if err := r.FlushAll(ctx).Err(); err != nil {
				return err
			}
		}
		cur, old, err := benchDedupPhase(ctx, rdbs, n, *ids, *anchorIDs, *batch)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n%d shop(s):\n", n)
		cur.print(stdout, "current layout (fingerprints in bucket hashes)")
		old.print(stdout, "former layout (a key per id)")
		if enc, err := bucketEncodings(ctx, rdbs[0]); err == nil {
			fmt.Fprintf(stdout, "  current layout's buckets by encoding: %s\n", enc)
		}
		if phase == 0 {
			headline = [2]dedupRun{cur, old}
		}
	}
	cur, old := headline[0], headline[1]
	rows := []benchFigure{{
		Figure: "Redis memory per 10 M dedup ids (one shop)",
		Value:  fmt.Sprintf("%.0f MB (%.1f B/id)", cur.mbPer10M(), cur.bytesPerID()),
		Target: "≤ 200 MB, exact",
		Anchor: fmt.Sprintf("%.0f MB (%.1f B/id, a key per id)", old.mbPer10M(), old.bytesPerID()),
		Ratio:  ratio(cur.bytesPerID(), old.bytesPerID()),
	}, {
		Figure: "dedup claim per 1,000 ids",
		Value:  fmt.Sprintf("%.2f ms (+ commit %.2f ms)", cur.claimMS(), cur.commitMS()),
		Target: "not much above the former layout",
		Anchor: fmt.Sprintf("%.2f ms (+ commit %.2f ms)", old.claimMS(), old.commitMS()),
		Ratio:  ratio(cur.claimMS(), old.claimMS()),
	}}
	return recordBench(stdout, rows...)
}

// dedupRun is one layout's figures in one phase.
type dedupRun struct {
	ids, batches  int
	bytes         int64 // used_memory growth
	claim, commit time.Duration
	cpu           time.Duration // the Redis server's CPU time (user + system) over the phase
}

func (r dedupRun) bytesPerID() float64 { return float64(r.bytes) / float64(max(r.ids, 1)) }
func (r dedupRun) mbPer10M() float64   { return r.bytesPerID() * 10_000_000 / 1e6 }
func (r dedupRun) claimMS() float64    { return r.msPer1000(r.claim) }
func (r dedupRun) commitMS() float64   { return r.msPer1000(r.commit) }
func (r dedupRun) msPer1000(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond) / float64(max(r.ids, 1)) * 1000
}

// cpuMS is the Redis server's CPU time per 1,000 ids, claim and commit together: unlike the
// wall times it does not count the round trips or the bench's own scheduling, so it is the
// steadier figure for comparing scripts.
func (r dedupRun) cpuMS() float64 { return r.msPer1000(r.cpu) }

func (r dedupRun) print(w io.Writer, name string) {
	if r.ids == 0 {
		fmt.Fprintf(w, "  %s: not run\n", name)
		return
	}
	fmt.Fprintf(w, "  %s: %d ids, used_memory +%.1f MB = %.1f bytes/id = %.0f MB per 10 M ids; claim %.2f ms, commit %.2f ms per 1,000 ids; Redis CPU %.2f ms per 1,000 ids\n",
		name, r.ids, float64(r.bytes)/1e6, r.bytesPerID(), r.mbPer10M(), r.claimMS(), r.commitMS(), r.cpuMS())
}

// benchDedupPhase claims ids (anchorIDs for the former layout) over shops, alternating one
// batch of each layout.
func benchDedupPhase(ctx context.Context, rdbs [2]*redis.Client, shops, ids, anchorIDs, batch int) (cur, old dedupRun, err error) {
	d := ingest.NewDedup(rdbs[0])
	d.Quiet = func(context.Context, string, time.Time) (bool, error) { return true, nil } // settled epochs: Redis alone answers
	anchor := &formerDedup{rdb: rdbs[1]}
	var before [2]int64
	var cpuBefore [2]time.Duration
	for i, r := range rdbs {
		if before[i], err = usedMemory(ctx, r); err != nil {
			return cur, old, err
		}
		if cpuBefore[i], err = redisCPU(ctx, r); err != nil {
			return cur, old, err
		}
	}
	evs := make([]ingest.Event, batch)
	idList := make([]string, batch)
	for b := 0; b*batch < max(ids, anchorIDs); b++ {
		shop := "shop-" + strconv.Itoa(b%shops)
		n := min(batch, max(ids, anchorIDs)-b*batch)
		for i := range n {
			idList[i] = "sim-1-room1-" + strconv.Itoa(b*batch+i)
			evs[i].ID = idList[i]
		}
		if b*batch < ids {
			k := min(n, ids-b*batch)
			began := time.Now()
			c, err := d.Claim(ctx, shop, evs[:k])
			if err != nil {
				return cur, old, err
			}
			if len(c.Fresh) != k {
				return cur, old, fmt.Errorf("bench-dedup: claim: %d fresh of %d new ids", len(c.Fresh), k)
			}
			claimed := time.Now()
			if err := d.Commit(ctx, c); err != nil {
				return cur, old, err
			}
			cur.claim += claimed.Sub(began)
			cur.commit += time.Since(claimed)
			cur.ids += k
		}
		if b*batch < anchorIDs {
			k := min(n, anchorIDs-b*batch)
			began := time.Now()
			token, err := anchor.claim(ctx, shop, idList[:k])
			if err != nil {
				return cur, old, err
			}
			claimed := time.Now()
			if err := anchor.commit(ctx, shop, token, k); err != nil {
				return cur, old, err
			}
			old.claim += claimed.Sub(began)
			old.commit += time.Since(claimed)
			old.ids += k
		}
	}
	for i, r := range []*dedupRun{&cur, &old} {
		after, err := usedMemory(ctx, rdbs[i])
		if err != nil {
			return cur, old, err
		}
		r.bytes = after - before[i]
		cpu, err := redisCPU(ctx, rdbs[i])
		if err != nil {
			return cur, old, err
		}
		r.cpu = cpu - cpuBefore[i]
	}
	return cur, old, nil
}

// redisCPU is the server's CPU time so far: INFO cpu's used_cpu_user plus used_cpu_sys.
func redisCPU(ctx context.Context, rdb *redis.Client) (time.Duration, error) {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, fmt.Errorf("bench-dedup: info cpu: %w", err)
	}
	var sum float64
	for _, field := range []string{"used_cpu_user", "used_cpu_sys"} {
		v, ok := infoLine(info, field)
		if !ok {
			return 0, fmt.Errorf("bench-dedup: no %s in INFO cpu", field)
		}
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("bench-dedup: INFO cpu %s %q: %w", field, v, err)
		}
		sum += secs
	}
	return time.Duration(sum * float64(time.Second)), nil
}

// usedMemory is INFO memory's used_memory.
func usedMemory(ctx context.Context, rdb *redis.Client) (int64, error) {
	return infoField(ctx, rdb, "memory", "used_memory")
}

func redisVersion(ctx context.Context, rdb *redis.Client) (string, error) {
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			return v, nil
		}
	}
	return "?", nil
}

func infoField(ctx context.Context, rdb *redis.Client, section, field string) (int64, error) {
	info, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return 0, fmt.Errorf("bench-dedup: info: %w", err)
	}
	if v, ok := infoLine(info, field); ok {
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("bench-dedup: no %s in INFO %s", field, section)
}

// infoLine is field's value in the text of an INFO answer.
func infoLine(info, field string) (string, bool) {
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v, true
		}
	}
	return "", false
}

// bucketEncodings counts the current layout's bucket hashes by encoding (listpack is the compact
// one; a bucket past 128 fields becomes a hashtable).
func bucketEncodings(ctx context.Context, rdb *redis.Client) (string, error) {
	counts := map[string]int{}
	iter := rdb.Scan(ctx, 0, "ld:dedup:*", 10_000).Iterator()
	var keys []string
	flush := func() error {
		pipe := rdb.Pipeline()
		cmds := make([]*redis.StringCmd, len(keys))
		for i, k := range keys {
			cmds[i] = pipe.ObjectEncoding(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		for _, c := range cmds {
			counts[c.Val()]++
		}
		keys = keys[:0]
		return nil
	}
	for iter.Next(ctx) {
		if keys = append(keys, iter.Val()); len(keys) == 1000 {
			if err := flush(); err != nil {
				return "", err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return "", err
	}
	if err := flush(); err != nil {
		return "", err
	}
	var parts []string
	for enc, n := range counts {
		parts = append(parts, fmt.Sprintf("%s %d", enc, n))
	}
	return strings.Join(parts, ", "), nil
}

// formerDedup is the dedup layout livedesk used before (the anchor): a key per id,
// ld:dedup:{shop}:<id> = "<token>:<lease end ms>" with a 48 h expiry, claimed by SET NX GET EX in
// one script per batch, committed by one marker key per request plus the hour's counter.
type formerDedup struct{ rdb *redis.Client }

var formerClaimScript = redis.NewScript(`
local e = redis.call('GET', KEYS[1])
if not e then
  redis.call('SET', KEYS[1], ARGV[3])
  e = ARGV[3]
end
local out = {e}
for i = 2, #KEYS do
  out[i] = redis.call('SET', KEYS[i], ARGV[1], 'NX', 'GET', 'EX', ARGV[2])
end
return out
`)

func (f *formerDedup) claim(ctx context.Context, shop string, ids []string) (string, error) {
	now := time.Now()
	token := strconv.FormatInt(now.UnixNano(), 16) + "00000000"
	keys := make([]string, len(ids)+1)
	keys[0] = "ld:dedupe:{" + shop + "}"
	for i, id := range ids {
		keys[i+1] = "ld:dedup:{" + shop + "}:" + id
	}
	val := token + ":" + strconv.FormatInt(now.Add(time.Minute).UnixMilli(), 10)
	answers, err := formerClaimScript.Run(ctx, f.rdb, keys, val, int64(ingest.DedupTTL/time.Second), now.Add(-2*ingest.DedupTTL).UnixMilli()).Slice()
	if err != nil {
		return "", fmt.Errorf("bench-dedup: former claim: %w", err)
	}
	for _, a := range answers[1:] {
		if a != nil {
			return "", errors.New("bench-dedup: former claim: an id was not new")
		}
	}
	return token, nil
}

func (f *formerDedup) commit(ctx context.Context, shop, token string, n int) error {
	count := "ld:dedupn:{" + shop + "}:" + strconv.FormatInt(time.Now().Unix()/3600, 10)
	pipe := f.rdb.Pipeline()
	pipe.Set(ctx, "ld:dedupc:{"+shop+"}:"+token, strconv.Itoa(n), ingest.DedupTTL)
	pipe.IncrBy(ctx, count, int64(n))
	pipe.Expire(ctx, count, ingest.DedupTTL+time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("bench-dedup: former commit: %w", err)
	}
	return nil
}
