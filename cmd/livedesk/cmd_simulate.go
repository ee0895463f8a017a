package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/ingest/sim"
)

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", "simulate --url U --key K --shop S --room R [--speed N] [--seed K] [--duration D]", stderr)
	url := fs.String("url", envDefault("LIVEDESK_URL", "http://127.0.0.1:8080"), "server base URL (LIVEDESK_URL)")
	key := fs.String("key", os.Getenv("LIVEDESK_API_KEY"), "API key of the shop (LIVEDESK_API_KEY)")
	shop := fs.String("shop", "demo", "shop of the stream (the server takes the shop from the key; this must match it)")
	room := fs.String("room", "room1", "room id")
	speed := fs.Float64("speed", 1, "simulated seconds per real second (10 = ten times faster)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed posts the same events with the same ids")
	duration := fs.Duration("duration", 0, "simulated time to run, e.g. 2h (0 = until interrupted)")
	every := fs.Duration("every", 200*time.Millisecond, "how often to post a batch")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var problems []error
	if *key == "" {
		problems = append(problems, errors.New("--key or LIVEDESK_API_KEY is required"))
	}
	if *speed <= 0 || *speed > 10_000 {
		problems = append(problems, errors.New("--speed must be between 0 and 10000"))
	}
	if err := livedesk.ValidRoom(*room); err != nil {
		problems = append(problems, fmt.Errorf("--room: %w", err))
	}
	if *every < 10*time.Millisecond {
		problems = append(problems, errors.New("--every must be at least 10ms"))
	}
	if len(problems) > 0 {
		fs.Usage()
		return fmt.Errorf("invalid flags:\n%w", errors.Join(problems...))
	}
	client := &sim.Client{URL: *url, Key: *key, HTTP: &http.Client{Timeout: 60 * time.Second}}
	start := time.Now()
	g := sim.New(sim.Config{Shop: *shop, Room: *room, Seed: *seed, Start: start, Speed: *speed})
	fmt.Fprintf(stderr, "simulate: posting room %s of shop %s to %s at %gx (seed %d)\n", *room, *shop, *url, *speed, *seed)
	var total ingest.Result
	tick := time.NewTicker(*every)
	defer tick.Stop()
	report := time.Now()
	for {
		simulated := time.Duration(float64(time.Since(start)) * *speed)
		done := *duration > 0 && simulated >= *duration
		if done {
			simulated = *duration
		}
		events := g.Advance(simulated)
		res, err := client.PostEvents(context.WithoutCancel(ctx), events, 5000)
		total.Accepted += res.Accepted
		total.Duplicates += res.Duplicates
		total.Rejected += res.Rejected
		if err != nil {
			return err
		}
		for _, r := range res.Errors {
			fmt.Fprintf(stderr, "simulate: rejected: %s\n", r.Error())
		}
		if time.Since(report) >= 10*time.Second || done {
			report = time.Now()
			fmt.Fprintf(stderr, "simulate: %s simulated, accepted %d, duplicates %d, rejected %d\n",
				simulated.Truncate(time.Second), total.Accepted, total.Duplicates, total.Rejected)
		}
		if done {
			break
		}
		select {
		case <-ctx.Done():
			fmt.Fprintf(stderr, "simulate: stopped: accepted %d, duplicates %d, rejected %d\n", total.Accepted, total.Duplicates, total.Rejected)
			return nil
		case <-tick.C:
		}
	}
	fmt.Fprintf(stdout, "accepted %d duplicates %d rejected %d\n", total.Accepted, total.Duplicates, total.Rejected)
	return nil
}
