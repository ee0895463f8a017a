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
// a minute). Without it a phase's fsyncs and INSERTs queued behind the previous phase's I/O: the
// steady phase's ack p99 after a minute of overload was 470–570 ms, its fsyncs waiting on
// ClickHouse's merges. It prints how long it waited.
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
