package ingest_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/ingest/sim"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/schema/localdb"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// BenchmarkInsertSize inserts simulated events natively, in INSERTs of each size, into a private
// ClickHouse with the whole schema (the report views included) and reports ClickHouse's CPU per
// row, counting the merges of the 5 s after the inserts. It is why the writer spills under any
// concurrency and lets spilled batches gather (ingest.WriterConfig). Two runs on 18.16 here:
// 60–81 µs/row at 1,000 rows, 14 at 5,000, 5–7 at 20,000, 2.7–3.4 at 50,000.
//
//	go test ./ingest -run '^$' -bench InsertSize -benchtime 200000x
func BenchmarkInsertSize(b *testing.B) {
	srv := localtest.ClickHouseServer(b)
	ctx := context.Background()
	conn, err := schema.Open(ctx, schema.Options{Addr: srv.Addr, Database: "insert_size"})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := schema.Migrate(ctx, conn, nil); err != nil {
		b.Fatal(err)
	}
	var template []ingest.Event
	for _, e := range sim.Generate(sim.Config{Shop: "b", Room: "b", Seed: 1, Start: time.Now().Add(-time.Minute)}, 40*time.Second) {
		evs, _ := ingest.Parse(sim.AppendJSON(nil, &e), "b", time.Now())
		template = append(template, evs...)
	}
	for _, size := range []int{1000, 5000, 20000, 50000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			batch := make([]ingest.Event, size)
			before, err := localdb.ProcessCPU(srv.Pid())
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i += size { // b.N counts rows
				for j := range batch {
					batch[j] = template[(i+j)%len(template)]
					batch[j].ID = fmt.Sprintf("%d-%d", size, i+j)
				}
				if err := ingest.InsertBatch(ctx, conn, "size-"+strconv.Itoa(size), batch[:min(size, b.N-i)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			time.Sleep(5 * time.Second) // merges of what was just inserted
			after, err := localdb.ProcessCPU(srv.Pid())
			if err != nil {
				b.Fatal(err)
			}
			cpu := after - before
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "ch-µs/row")
		})
	}
}
