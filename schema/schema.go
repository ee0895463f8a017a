// Package schema owns livedesk's ClickHouse DDL: numbered .sql migrations embedded in the binary
// and the runner that applies them.
//
// Invariants: migrations are applied in file-name order, each at most once per database (recorded
// in schema_migrations), and every statement is written to be idempotent (IF NOT EXISTS) so that
// two instances starting together cannot break each other even without a lock. The SQL uses only
// what both ClickHouse 18.16 and current releases accept (see DESIGN.md).
package schema

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

//go:embed migrations/*.sql
var files embed.FS

// Migration is one numbered .sql file.
type Migration struct {
	Name       string   // file name, e.g. 0001_events.sql
	Statements []string // split on ';' at line ends
}

// Migrations returns the embedded migrations in the order they apply.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, fmt.Errorf("schema: read migrations: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	out := make([]Migration, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile("migrations/" + n)
		if err != nil {
			return nil, fmt.Errorf("schema: read %s: %w", n, err)
		}
		out = append(out, Migration{Name: n, Statements: splitStatements(string(b))})
	}
	return out, nil
}

// splitStatements splits SQL text on semicolons that end a line, dropping comment-only pieces.
func splitStatements(sql string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") || trimmed == "" {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			out = appendStmt(out, cur.String())
			cur.Reset()
		}
	}
	return appendStmt(out, cur.String())
}

func appendStmt(out []string, s string) []string {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";"))
	if s == "" {
		return out
	}
	return append(out, s)
}

// Locker serialises migration runs across instances. Lock blocks until held and returns the
// function that releases it. A nil Locker runs unlocked (safe because statements are idempotent).
type Locker func(ctx context.Context) (unlock func(), err error)

// Migrate applies every migration not yet recorded to the connection's database (see Open). It
// returns the names it applied.
func Migrate(ctx context.Context, conn driver.Conn, lock Locker) ([]string, error) {
	if lock != nil {
		unlock, err := lock(ctx)
		if err != nil {
			return nil, fmt.Errorf("schema: lock: %w", err)
		}
		defer unlock()
	}
	if err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		name String, applied DateTime('UTC')) ENGINE = ReplacingMergeTree() ORDER BY name`); err != nil {
		return nil, fmt.Errorf("schema: create schema_migrations: %w", err)
	}
	done, err := applied(ctx, conn)
	if err != nil {
		return nil, err
	}
	all, err := Migrations()
	if err != nil {
		return nil, err
	}
	var ran []string
	for _, m := range all {
		if done[m.Name] {
			continue
		}
		for i, stmt := range m.Statements {
			if err := conn.Exec(ctx, stmt); err != nil {
				return ran, fmt.Errorf("schema: %s statement %d: %w", m.Name, i+1, err)
			}
		}
		if err := record(ctx, conn, m.Name); err != nil {
			return ran, err
		}
		ran = append(ran, m.Name)
	}
	return ran, nil
}

func applied(ctx context.Context, conn driver.Conn) (map[string]bool, error) {
	rows, err := conn.Query(ctx, "SELECT DISTINCT name FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("schema: read schema_migrations: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("schema: scan schema_migrations: %w", err)
		}
		done[n] = true
	}
	return done, rows.Err()
}

func record(ctx context.Context, conn driver.Conn, name string) error {
	batch, err := conn.PrepareBatch(ctx, "INSERT INTO schema_migrations (name, applied)")
	if err != nil {
		return fmt.Errorf("schema: record %s: %w", name, err)
	}
	defer batch.Close()
	if err := batch.Append(name, time.Now().UTC()); err != nil {
		return fmt.Errorf("schema: record %s: %w", name, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("schema: record %s: %w", name, err)
	}
	return nil
}

// Options says where ClickHouse is and which database livedesk uses.
type Options struct {
	Addr     string // host:port of the native protocol
	Database string
	User     string
	Password string
	// Cluster is the name of a cluster in the servers' remote_servers config: sharded mode
	// (cluster.go). "" is one server.
	Cluster string
}

// Open connects to ClickHouse over the native protocol (the only one 18.16 speaks to
// clickhouse-go v2), creating the database first if it does not exist.
func Open(ctx context.Context, o Options) (driver.Conn, error) {
	if o.User == "" {
		o.User = "default"
	}
	boot, err := dial(o, "default")
	if err != nil {
		return nil, err
	}
	err = boot.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+QuoteIdent(o.Database))
	boot.Close()
	if err != nil {
		return nil, fmt.Errorf("schema: create database %s: %w", o.Database, err)
	}
	conn, err := dial(o, o.Database)
	if err != nil {
		return nil, err
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("schema: ping clickhouse: %w", err)
	}
	return conn, nil
}

func dial(o Options, database string) (driver.Conn, error) {
	var settings clickhouse.Settings
	if o.Cluster != "" {
		// An INSERT returns once every shard has its rows (cluster.go). Only int and bool
		// settings travel to 18.16, so an IN over a Distributed table is written GLOBAL IN.
		settings = clickhouse.Settings{"insert_distributed_sync": 1}
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		Settings:        settings,
		Addr:            []string{o.Addr},
		Protocol:        clickhouse.Native,
		Auth:            clickhouse.Auth{Database: database, Username: o.User, Password: o.Password},
		DialTimeout:     3 * time.Second,
		ReadTimeout:     60 * time.Second,
		MaxOpenConns:    16,
		MaxIdleConns:    8,
		ConnMaxLifetime: time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("schema: open clickhouse %s: %w", o.Addr, err)
	}
	return conn, nil
}

// QuoteIdent quotes a ClickHouse identifier.
func QuoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "") + "`" }
