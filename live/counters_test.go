package live

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// connSetup are the commands go-redis sends when it opens a connection (not the batch's).
var connSetup = map[string]bool{"hello": true, "client": true, "ping": true}

// roundTrips counts the commands and pipelines a client sends.
type roundTrips struct{ single, pipelines atomic.Int64 }

func (r *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !connSetup[cmd.Name()] {
			r.single.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !connSetup[cmds[0].Name()] {
			r.pipelines.Add(1)
		}
		return next(ctx, cmds)
	}
}

func TestCountersOnePipelinePerBatchWithTTLs(t *testing.T) {
	_, rdb := localtest.Redis(t)
	var rt roundTrips
	rdb.AddHook(&rt)
	now := testBase.Add(time.Minute)
	c := NewCounters(rdb, quietLog)
	c.Now = func() time.Time { return now }
	var evs []ingest.Event
	for i := 0; i < 2000; i++ {
		typ := []string{ingest.TypeEnter, ingest.TypeImpression, ingest.TypeClick, ingest.TypeComment}[i%4]
		evs = append(evs, ingest.Event{Shop: "s1", Room: "r1", ID: fmt.Sprint(i), Type: typ, TS: testBase.Add(time.Duration(i) * 20 * time.Millisecond),
			User: fmt.Sprintf("u%d", i%300), Product: fmt.Sprintf("p%d", i%7), Text: "多少钱"})
	}
	c.Observe(context.Background(), "s1", evs)
	if rt.single.Load() != 0 || rt.pipelines.Load() != 1 {
		t.Fatalf("one batch made %d single commands and %d pipelines, want 0 and 1", rt.single.Load(), rt.pipelines.Load())
	}
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "ld:live:*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys %v %v", keys, err)
	}
	for _, k := range keys {
		if k == activeRoomsKey || k == stockKey("s1") {
			continue // bounded by rooms and products, trimmed by the leader
		}
		if ttl := rdb.TTL(ctx, k).Val(); ttl <= 0 {
			t.Errorf("key %s has no TTL (%v)", k, ttl)
		}
	}
	// 2000 events over 40 s: enters in minute 0 → 500 entries; clicks per product in 10 s buckets.
	h := rdb.HGetAll(ctx, bucketKey("s1", "r1", spanMinute, testBase.Unix())).Val()
	if h[fEntries] != "500" || h[fClicks] != "500" || h[fComments] != "500" || h[fQuestion+livedesk.TopicPrice] != "500" {
		t.Fatalf("minute bucket %v", h)
	}
}
