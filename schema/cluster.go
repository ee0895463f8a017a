package schema

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Sharded mode (Options.Cluster set): the cluster is defined in every server's remote_servers
// config (no ZooKeeper; one replica per shard, or several that each get every migration). Every
// host holds two databases:
//
//   - <Database>_local: the real tables, materialized views and schema_migrations, migrated by
//     the same .sql files as a single server (Migrate on each host).
//   - <Database>: a Distributed table of the same name and columns over each local table, so the
//     code's queries are unchanged. The sharding key is cityHash64 of the first column of the
//     table's sorting key — shop for every per-shop table — so all of a shop's rows (and so every
//     copy of an event, every version of a ReplacingMergeTree row) sit on one shard: FINAL, the
//     report's exact counts stay exact. A subquery in IN over a table is written GLOBAL IN (the one
// case, jobs' reviews), which a single server runs as a plain IN.
//
// Inserts are synchronous (insert_distributed_sync = 1): an INSERT returns once every shard
// stored its rows, so the ingest writer's "acknowledged once in ClickHouse" holds.

// LocalDatabase is the database holding the real tables: Database itself on one server,
// Database + "_local" on every host of a cluster.
func (o Options) LocalDatabase() string {
	if o.Cluster == "" {
		return o.Database
	}
	return o.Database + "_local"
}

// ClusterParts is the Distributed table over every host's system.parts that sharded mode creates
// in Database (the report reads which parts hold a minute from it).
const ClusterParts = "cluster_parts"

// Prepare brings the schema up to date: Migrate on one server, MigrateCluster on a cluster.
func Prepare(ctx context.Context, conn driver.Conn, o Options, lock Locker) ([]string, error) {
	if o.Cluster == "" {
		return Migrate(ctx, conn, lock)
	}
	return MigrateCluster(ctx, o, lock)
}

// Host is one server of a cluster as system.clusters lists it.
type Host struct {
	Shard int
	Addr  string // host:port of the native protocol
}

// ClusterHosts lists every host (each replica of each shard) of o.Cluster, asking the server at
// o.Addr.
func ClusterHosts(ctx context.Context, o Options) ([]Host, error) {
	conn, err := dial(o, "default")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	rows, err := conn.Query(ctx, "SELECT shard_num, host_address, port FROM system.clusters WHERE cluster = ? ORDER BY shard_num, replica_num", o.Cluster)
	if err != nil {
		return nil, fmt.Errorf("schema: read cluster %s: %w", o.Cluster, err)
	}
	defer rows.Close()
	var out []Host
	for rows.Next() {
		var shard uint32
		var host string
		var port uint16
		if err := rows.Scan(&shard, &host, &port); err != nil {
			return nil, fmt.Errorf("schema: read cluster %s: %w", o.Cluster, err)
		}
		out = append(out, Host{Shard: int(shard), Addr: net.JoinHostPort(host, strconv.Itoa(int(port)))})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("schema: read cluster %s: %w", o.Cluster, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("schema: cluster %q is not in the remote_servers of %s", o.Cluster, o.Addr)
	}
	return out, nil
}

// MigrateCluster applies the migrations to the local database of every host of o.Cluster, then
// creates (or, when a migration changed the columns, recreates) the Distributed tables on every
// host. It returns the migrations applied, once per host that lacked them.
func MigrateCluster(ctx context.Context, o Options, lock Locker) ([]string, error) {
	if lock != nil {
		unlock, err := lock(ctx)
		if err != nil {
			return nil, fmt.Errorf("schema: lock: %w", err)
		}
		defer unlock()
	}
	hosts, err := ClusterHosts(ctx, o)
	if err != nil {
		return nil, err
	}
	var ran []string
	for _, h := range hosts {
		ho := o
		ho.Addr = h.Addr
		r, err := migrateHost(ctx, ho)
		for _, n := range r {
			ran = append(ran, h.Addr+":"+n)
		}
		if err != nil {
			return ran, err
		}
	}
	return ran, nil
}

// migrateHost migrates one host's local database and syncs its Distributed tables.
func migrateHost(ctx context.Context, o Options) ([]string, error) {
	boot, err := dial(o, "default")
	if err != nil {
		return nil, err
	}
	defer boot.Close()
	for _, db := range []string{o.LocalDatabase(), o.Database} {
		if err := boot.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+QuoteIdent(db)); err != nil {
			return nil, fmt.Errorf("schema: %s: create database %s: %w", o.Addr, db, err)
		}
	}
	local, err := dial(o, o.LocalDatabase())
	if err != nil {
		return nil, err
	}
	ran, err := Migrate(ctx, local, nil)
	local.Close()
	if err != nil {
		return ran, fmt.Errorf("schema: %s: %w", o.Addr, err)
	}
	return ran, syncDistributed(ctx, boot, o)
}

var firstSortColumn = regexp.MustCompile(`ORDER BY \(?\s*` + "`?" + `([A-Za-z_][A-Za-z0-9_]*)`)

// syncDistributed makes Database hold one Distributed table per local table, with the local
// table's columns; a Distributed table whose columns differ (a migration added one) is dropped
// and created again (it holds no data: inserts are synchronous).
func syncDistributed(ctx context.Context, conn driver.Conn, o Options) error {
	ldb, ddb := o.LocalDatabase(), o.Database
	tables, err := queryStrings(ctx, conn, `SELECT name FROM system.tables WHERE database = ?
		AND engine NOT IN ('MaterializedView', 'View') AND name NOT LIKE '.inner%' AND name != 'schema_migrations' ORDER BY name`, ldb)
	if err != nil {
		return fmt.Errorf("schema: %s: list tables: %w", o.Addr, err)
	}
	for _, t := range tables {
		want, err := columns(ctx, conn, ldb, t)
		if err != nil {
			return err
		}
		have, err := columns(ctx, conn, ddb, t)
		if err != nil {
			return err
		}
		if slices.Equal(want, have) {
			continue
		}
		key, err := shardingKey(ctx, conn, ldb, t)
		if err != nil {
			return err
		}
		dist := QuoteIdent(ddb) + "." + QuoteIdent(t)
		if len(have) > 0 {
			if err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+dist); err != nil {
				return fmt.Errorf("schema: %s: drop %s: %w", o.Addr, dist, err)
			}
		}
		stmt := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s AS %s.%s ENGINE = Distributed(%s, %s, %s, %s)",
			dist, QuoteIdent(ldb), QuoteIdent(t), QuoteIdent(o.Cluster), QuoteIdent(ldb), QuoteIdent(t), key)
		if err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("schema: %s: create %s: %w", o.Addr, dist, err)
		}
	}
	stmt := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s AS system.parts ENGINE = Distributed(%s, system, parts)",
		QuoteIdent(ddb), ClusterParts, QuoteIdent(o.Cluster))
	if err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("schema: %s: create %s: %w", o.Addr, ClusterParts, err)
	}
	return nil
}

// columns lists "name type" of a table's columns, sorted (nil when the table does not exist).
func columns(ctx context.Context, conn driver.Conn, db, table string) ([]string, error) {
	out, err := queryStrings(ctx, conn, "SELECT concat(name, ' ', type) FROM system.columns WHERE database = ? AND table = ?", db, table)
	if err != nil {
		return nil, fmt.Errorf("schema: columns of %s.%s: %w", db, table, err)
	}
	slices.Sort(out)
	return out, nil
}

// shardingKey is cityHash64 of the first column of the local table's sorting key.
func shardingKey(ctx context.Context, conn driver.Conn, db, table string) (string, error) {
	var ddl string
	if err := conn.QueryRow(ctx, "SHOW CREATE TABLE "+QuoteIdent(db)+"."+QuoteIdent(table)).Scan(&ddl); err != nil {
		return "", fmt.Errorf("schema: show create %s.%s: %w", db, table, err)
	}
	m := firstSortColumn.FindStringSubmatch(ddl)
	if m == nil {
		return "", fmt.Errorf("schema: %s.%s has no ORDER BY column to shard by", db, table)
	}
	return "cityHash64(" + QuoteIdent(m[1]) + ")", nil
}

func queryStrings(ctx context.Context, conn driver.Conn, q string, args ...any) ([]string, error) {
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
