package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// steadyClients is how many clients share the steady phase's rate.
const steadyClients = 16

// runBenchSteady posts f.steadyRate events/s for f.steadyFor — steadyClients clients, each
// starting one f.batch-event request every steadyClients·batch/rate — and prints the ack latency:
// the operator's tools post at the pace things happen, not as fast as the server answers.
func runBenchSteady(ctx context.Context, env *benchEnv, f benchFlags, template []byte, slots []benchSlot, stdout io.Writer) (benchLoad, error) {
	interval := time.Duration(float64(time.Second) * float64(steadyClients*f.batch) / float64(f.steadyRate))
	benchQuiesce(ctx, env.conn, os.Stderr, "before the steady phase")
	sf := f
	sf.clients, sf.duration = steadyClients, f.steadyFor
	var before ingest.ServiceStats
	if env.inproc != nil {
		before = env.inproc.Ingest.Stats()
	}
	load, err := runBenchLoad(ctx, env, sf, template, slots, interval, 64)
	if err != nil {
		return load, err
	}
	if env.inproc != nil {
		ss := env.inproc.Ingest.Stats()
		n := time.Duration(max(ss.Requests-before.Requests, 1))
		per := func(d time.Duration) time.Duration { return (d / n).Round(100 * time.Microsecond) }
		fmt.Fprintf(stdout, "steady, per request: parse %v, dedup claim %v, durable write %v, commit + observers %v\n",
			per(ss.Parse-before.Parse), per(ss.Claim-before.Claim), per(ss.Write-before.Write), per(ss.Observe-before.Observe))
	}
	fmt.Fprintf(stdout, "steady %d events/s for %v (%d clients, one %d-event request each every %v): %.0f events/s acknowledged\n",
		f.steadyRate, f.steadyFor, steadyClients, f.batch, interval.Round(time.Millisecond), load.rate())
	fmt.Fprintf(stdout, "  ack latency: p50 %v, p99 %v, max %v; server peak RSS %d MB\n",
		pct(load.lat, 0.50), pct(load.lat, 0.99), pct(load.lat, 1), load.hwm/1024)
	load.printCPU(stdout, "  CPU while steady", len(env.bases))
	return load, nil
}
