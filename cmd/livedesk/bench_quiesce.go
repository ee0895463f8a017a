package main

import (
	"context"
	"fmt"
	"io"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// benchQuiesce lets the machine settle before a phase is measured: the page cache's dirty data
// (gigabytes, after an ingest phase or the previous bench command) is written back, and, given a
// ClickHouse, its background merges of the parts the previous phase left are waited for (at most
// a minute). Without it `make bench`'s bench-live started while the ingest bench's data was still
// being written back: event → websocket p99 634 ms and the leader's tick p99 916 ms in that run,
// 288 and 155 ms for the same build alone. Before the steady phase it found no merges left (the
// steady phase's tail is Redis queueing: see its per-request stages). It prints how long it
// waited.
func benchQuiesce(ctx context.Context, conn driver.Conn, stderr io.Writer, what string) {
	began := time.Now()
	syscall.Sync()
	merges := uint64(0)
	for conn != nil && time.Since(began) < time.Minute {
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.merges").Scan(&merges); err != nil || merges == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
	syscall.Sync()
	fmt.Fprintf(stderr, "bench: %s: waited %v for the page cache's writeback and ClickHouse's merges (%d still running)\n",
		what, time.Since(began).Round(10*time.Millisecond), merges)
}
