package localdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
)

// TestStartAndMigrate starts a private ClickHouse and Redis, applies the schema twice (the second
// run must apply nothing) and checks the events table exists.
func TestStartAndMigrate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ch, err := localdb.StartClickHouse(ctx, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Stop()
	rd, err := localdb.StartRedis(ctx, t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Stop()
	conn, err := schema.Open(ctx, schema.Options{Addr: ch.Addr, Database: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ran, err := schema.Migrate(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := schema.Migrations()
	if len(ran) != len(all) {
		t.Fatalf("first run applied %v, want all %d", ran, len(all))
	}
	again, err := schema.Migrate(ctx, conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 {
		t.Fatalf("second run applied %v, want none", again)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
}
