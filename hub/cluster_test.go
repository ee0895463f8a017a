//go:build cluster

package hub

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/schema/localdb"
)

// On a Redis Cluster a PUBLISH reaches subscribers on every node (classic pub/sub is broadcast
// over the cluster bus), so the hub's one PSUBSCRIBE per instance sees the rooms of every slot;
// when the node it is subscribed on dies, go-redis resubscribes on the slot's new master.
func TestHubRedisClusterEveryRoomAndFailover(t *testing.T) {
	ctx := context.Background()
	rc, err := localdb.StartRedisCluster(ctx, t.TempDir(), 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rc.Stop)
	client := func() *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs(), ClusterStateReloadInterval: 2 * time.Second})
		t.Cleanup(func() { c.Close() })
		return c
	}
	ca, cb := client(), client()
	a, _ := hubServer(t, ca)
	_, urlB := hubServer(t, cb)
	const rooms = 12
	conns := make([]interface {
		ReadMessage() (int, []byte, error)
		SetReadDeadline(time.Time) error
	}, rooms)
	for i := range conns {
		conns[i] = dial(t, fmt.Sprintf("%s/ws/r%d", urlB, i))
	}
	time.Sleep(200 * time.Millisecond) // the sockets register after the upgrade
	for i := range conns {
		if err := a.Publish(ctx, "s1", fmt.Sprintf("r%d", i), "tick", []byte(`{"n":1}`)); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := c.ReadMessage()
		if err != nil || !strings.Contains(string(msg), fmt.Sprintf(`"room":"r%d"`, i)) {
			t.Fatalf("room r%d: %s, %v", i, msg, err)
		}
	}
	// Kill the master the subscription sits on (the slot of the pattern) and keep publishing
	// until the socket hears again.
	m, err := cb.MasterForKey(ctx, channelPattern)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range rc.Nodes {
		if n.Addr == m.Options().Addr {
			rc.Kill(i)
		}
	}
	got := make(chan string, 100)
	go func() {
		_ = conns[0].SetReadDeadline(time.Now().Add(60 * time.Second))
		for {
			_, msg, err := conns[0].ReadMessage()
			if err != nil {
				close(got)
				return
			}
			got <- string(msg)
		}
	}()
	deadline := time.After(40 * time.Second)
	for {
		_ = a.Publish(ctx, "s1", "r0", "tick", []byte(`{"n":2}`))
		select {
		case <-deadline:
			t.Fatal("no message reached instance b after the failover")
		case msg, ok := <-got:
			if !ok {
				t.Fatal("socket closed after the failover")
			}
			if strings.Contains(msg, `"n":2`) {
				return
			}
		case <-time.After(500 * time.Millisecond):
		}
	}
}
