package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "serve [flags]", stderr)
	cfg, err := configFromFlags(fs, args)
	if err != nil {
		return err
	}
	if err := mustMkdir(cfg.DataDir); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(stderr, cfg.LogLevel)}
	setMemoryLimit(cfg.MemoryLimitMB, m.Log)
	if err := m.Open(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		m.Log.Info("livedesk: shutting down: draining requests and flushing buffers")
	case err := <-m.served:
		m.served <- err
		if err != nil {
			m.Log.Error("livedesk: server stopped", "err", err)
		}
	}
	return m.Close()
}

// setMemoryLimit sets the Go heap's soft limit to mb MiB (0: none) unless GOMEMLIMIT is set.
// The server's own buffers are bounded well below the default 256 MiB (the writer's 64 MiB
// queued and 64 MiB spilled, the hub's per-socket queues); the limit makes the collector return
// garbage before the process grows to twice its live heap.
func setMemoryLimit(mb int, log *slog.Logger) {
	if mb <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(int64(mb) << 20)
	log.Debug("livedesk: Go memory limit", "MiB", mb)
}
