package main

import (
	"context"
	"io"
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
