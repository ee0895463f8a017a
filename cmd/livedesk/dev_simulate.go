package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
)

// devSimulate starts the simulated stream of `make run` in the background, as a real client of
// the ingest API with the printed key. Seed 0 (the default of dev) picks a new seed per run, since
// the same seed would replay the same event ids and every one would be a duplicate.
func devSimulate(ctx context.Context, d *devEnv) error {
	if d.Speed <= 0 {
		return nil
	}
	seed := d.Seed
	args := []string{"--url", d.Main.URL(), "--key", d.APIKey, "--shop", d.Shop, "--room", d.Room,
		"--speed", strconv.FormatFloat(d.Speed, 'g', -1, 64), "--seed", strconv.FormatInt(seed, 10)}
	go func() {
		if err := runSimulate(ctx, args, io.Discard, os.Stderr); err != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "make run: simulator stopped: %v\n", err)
		}
	}()
	fmt.Fprintf(d.out, "simulated stream: room %s at %gx, seed %d (livedesk dev --speed 0 turns it off)\n", d.Room, d.Speed, seed)
	return nil
}
