// Package localtest gives tests real ClickHouse and Redis servers: one private ClickHouse per test
// binary (a fresh database per test) and one private Redis per test, all on loopback ports with
// data in temp dirs. A package opts in with
//
//	func TestMain(m *testing.M) { os.Exit(localtest.Run(m)) }
//
// which stops and removes everything when the tests end, pass or fail.
package localtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
)

var (
	mu     sync.Mutex
	ch     *localdb.Server
	chErr  error
	root   string
	dbSeq  atomic.Int64
	toStop []*localdb.Server
)

// Run runs the tests and then stops every server this package started.
func Run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "livedesk-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "localtest:", err)
		return 1
	}
	root = dir
	code := m.Run()
	mu.Lock()
	for _, s := range toStop {
		s.Stop()
	}
	if ch != nil {
		ch.Stop()
	}
	mu.Unlock()
	os.RemoveAll(dir)
	return code
}

func tempRoot(t testing.TB) string {
	if root == "" {
		return t.TempDir()
	}
	d, err := os.MkdirTemp(root, "s-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// ClickHouseAddr returns the address of this test binary's private ClickHouse, starting it on
// first use.
func ClickHouseAddr(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if ch == nil && chErr == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		dir := root
		if dir == "" {
			dir, chErr = os.MkdirTemp("", "livedesk-ch-")
		}
		if chErr == nil {
			ch, chErr = localdb.StartClickHouse(ctx, dir+"/clickhouse", 0)
		}
	}
	if chErr != nil {
		t.Fatalf("localtest: clickhouse: %v", chErr)
	}
	return ch.Addr
}

// Database creates a fresh, migrated database for this test and returns its options and an open
// connection (closed when the test ends).
func Database(t testing.TB) (schema.Options, driver.Conn) {
	t.Helper()
	addr := ClickHouseAddr(t)
	name := fmt.Sprintf("t_%d_%s", dbSeq.Add(1), sanitize(t.Name()))
	opts := schema.Options{Addr: addr, Database: name}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := schema.Open(ctx, opts)
	if err != nil {
		t.Fatalf("localtest: %v", err)
	}
	if _, err := schema.Migrate(ctx, conn, nil); err != nil {
		t.Fatalf("localtest: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return opts, conn
}

// Redis starts a private Redis for this test and returns its address and a client; both are
// closed when the test ends.
func Redis(t testing.TB) (string, *redis.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := localdb.StartRedis(ctx, tempRoot(t), 0)
	if err != nil {
		t.Fatalf("localtest: redis: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	t.Cleanup(func() { c.Close(); s.Stop() })
	return s.Addr, c
}

// ClickHouseServer starts a ClickHouse just for this test (for tests that stop it).
func ClickHouseServer(t testing.TB) *localdb.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := localdb.StartClickHouse(ctx, tempRoot(t), 0)
	if err != nil {
		t.Fatalf("localtest: clickhouse: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}
