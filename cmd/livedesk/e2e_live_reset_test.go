package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/livedesk/livedesk/account"
	"github.com/redis/go-redis/v9"
)

// TestE2ESocketSeqReset: when the room's sequence restarts (Redis lost: the seq key is gone), the
// page takes the lower seq as a reset and keeps detecting gaps from it. Before the fix the page
// kept the old maximum, so later gaps went unnoticed until the new seq passed the old one.
func TestE2ESocketSeqReset(t *testing.T) {
	s := startServer(t)
	s.addUser("shop1", "op", account.RoleOperator, "op-password-1")
	s.addEmptyRoom("shop1", "r4")
	b := newBrowser(t)
	pg := b.page(t, s.URL())
	login(t, pg, "shop1", "op", "op-password-1")
	pg.open("/rooms/r4", "#tiles")
	pg.waitJS(`livedesk.online && livedesk.stats.connects === 1`, 5*time.Second)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: s.redis})
	defer rdb.Close()
	seqKey := "ld:live:seq:{shop1:r4}"
	publish := func() {
		snap, _ := json.Marshal(fixtureSnapshot("r4", time.Now()))
		if err := hubOf(t, s).Publish(ctx, "shop1", "r4", "tick", snap); err != nil {
			t.Fatal(err)
		}
	}
	// A long-running room: the seq is high.
	if err := rdb.Set(ctx, seqKey, 500, 0).Err(); err != nil {
		t.Fatal(err)
	}
	publish() // 501
	pg.waitText("#flags", "高点击无成交", 5*time.Second)
	time.Sleep(1500 * time.Millisecond) // past the connect burst (page and hub: 1 s)
	// Redis is lost: the seq starts again from 1.
	if err := rdb.Del(ctx, seqKey).Err(); err != nil {
		t.Fatal(err)
	}
	publish() // 1
	pg.waitJS(`livedesk.stats.resets === 1 && livedesk.stats.gaps === 0`, 5*time.Second)
	// Messages 2..4 are lost: a gap after the reset is seen and resynced.
	if err := rdb.IncrBy(ctx, seqKey, 3).Err(); err != nil {
		t.Fatal(err)
	}
	publish() // 5
	pg.waitJS(`livedesk.stats.gaps === 1 && livedesk.stats.connects === 2 && livedesk.online`, 10*time.Second)
	pg.noJSErrors()
}
