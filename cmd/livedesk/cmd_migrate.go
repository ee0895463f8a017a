package main

import (
	"context"
	"fmt"
	"io"

	"github.com/livedesk/livedesk/schema"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "migrate [flags]", stderr)
	cfg, err := configFromFlags(fs, args)
	if err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(stderr, cfg.LogLevel)}
	if err := m.openStorage(ctx); err != nil {
		return err
	}
	defer m.Close()
	all, err := schema.Migrations()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema up to date (%d migrations) in %s\n", len(all), cfg.ClickHouseDB)
	return nil
}
