package localdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
)

// TestShardedMigrate starts two ClickHouse shards, migrates them through either one, and checks
// that every shop's rows land on one shard, that FINAL through the Distributed table collapses
// copies, that a second run changes nothing and that the parts of every shard are listed.
func TestShardedMigrate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	shards, err := localdb.StartClickHouseShards(ctx, t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, s := range shards {
			s.Stop()
		}
	}()
	o := schema.Options{Addr: shards[1].Addr, Database: "ld", Cluster: localdb.ShardCluster}
	conn, err := schema.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ran, err := schema.Prepare(ctx, conn, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := schema.Migrations()
	if len(ran) != 2*len(all) {
		t.Fatalf("applied %d migrations, want %d on each of 2 shards", len(ran), len(all))
	}
	if again, err := schema.Prepare(ctx, conn, o, nil); err != nil || len(again) != 0 {
		t.Fatalf("second run applied %v, %v", again, err)
	}
	// 20 shops × 2 copies of 5 events, inserted through the Distributed table.
	b, err := conn.PrepareBatch(ctx, "INSERT INTO events (shop, room, ts, id, type)")
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	for copyN := 0; copyN < 2; copyN++ {
		for s := 0; s < 20; s++ {
			for e := 0; e < 5; e++ {
				if err := b.Append(fmt.Sprintf("shop%d", s), "r1", ts, fmt.Sprintf("e%d", e), "enter"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	var rows, final uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM events").Scan(&rows); err != nil || rows != 200 {
		t.Fatalf("rows = %d, %v", rows, err)
	}
	if err := conn.QueryRow(ctx, "SELECT count() FROM events FINAL").Scan(&final); err != nil || final != 100 {
		t.Fatalf("rows FINAL = %d, %v (copies of an event on different shards?)", final, err)
	}
	var perShard [2]uint64
	// A later migration that adds a column (run on every shard's local table) shows through the
	// Distributed table after the next run.
	for _, s := range shards {
		c, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Exec(ctx, "ALTER TABLE ld_local.rooms ADD COLUMN zz UInt8 DEFAULT 7"); err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	if _, err := schema.Prepare(ctx, conn, o, nil); err != nil {
		t.Fatal(err)
	}
	zz, err := conn.Query(ctx, "SELECT zz FROM rooms LIMIT 1")
	if err != nil {
		t.Fatalf("the new column is not in the Distributed table: %v", err)
	}
	zz.Close()
	for i, s := range shards {
		c, err := clickhouse.Open(&clickhouse.Options{Addr: []string{s.Addr}})
		if err != nil {
			t.Fatal(err)
		}
		var split uint64
		if err := c.QueryRow(ctx, "SELECT count() FROM ld_local.events").Scan(&perShard[i]); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRow(ctx, "SELECT count() FROM (SELECT shop FROM ld_local.events GROUP BY shop HAVING count() != 10)").Scan(&split); err != nil || split != 0 {
			t.Fatalf("shard %d: %d shops with a part of their rows, %v", i+1, split, err)
		}
		// The rollups fill on each shard from its own rows.
		var minutes uint64
		if err := c.QueryRow(ctx, "SELECT count() FROM ld_local.report_minutes").Scan(&minutes); err != nil || (perShard[i] > 0) != (minutes > 0) {
			t.Fatalf("shard %d: report_minutes rows %d, %v", i+1, minutes, err)
		}
		c.Close()
	}
	if perShard[0] == 0 || perShard[1] == 0 {
		t.Fatalf("rows per shard %v: the sharding key sent everything to one shard", perShard)
	}
	var parts uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+schema.ClusterParts+" WHERE database = 'ld_local' AND table = 'events' AND active").Scan(&parts); err != nil || parts < 2 {
		t.Fatalf("parts of events over the shards = %d, %v", parts, err)
	}
}
