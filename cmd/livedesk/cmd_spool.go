package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/livedesk/livedesk/ingest"
)

// runSpool replays a spool directory into ClickHouse: the spool of an instance that will not
// come back (its disk is mounted elsewhere, or copied off a dead machine). Every batch is
// checked against the rows already stored under its batch id before it is inserted, so a batch
// the instance stored just before it died is not stored twice; rows ClickHouse refuses go to the
// directory's dead letters. The instance that owned the directory must not be running.
func runSpool(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "replay" {
		fmt.Fprintln(stderr, "usage: livedesk spool replay --dir DATA_DIR/spool [ClickHouse flags]")
		return errUsage
	}
	fs := newFlagSet("spool replay", "spool replay --dir DIR", stderr)
	dir := fs.String("dir", "", "the spool directory to replay (an instance's LIVEDESK_DATA_DIR/spool)")
	cfg, err := configFromFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if *dir == "" {
		fs.Usage()
		return errors.New("spool replay: --dir is required")
	}
	spool, err := ingest.OpenSpool(*dir)
	if err != nil {
		return err
	}
	before, err := spool.Pending()
	if err != nil {
		return err
	}
	if len(before) == 0 {
		fmt.Fprintf(stdout, "spool %s: nothing to replay\n", *dir)
		return nil
	}
	conn, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Close makes the writer's last replay pass over every pending batch and waits for it.
	w := ingest.NewWriter(conn, spool, log, ingest.WriterConfig{})
	w.Close()
	st := w.Stats()
	left, err := spool.Pending()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "spool %s: %d batches found, %d rows inserted (rows stored before were skipped), %d rows dead-lettered, %d batches left\n",
		*dir, len(before), st.ReplayedRows, st.DeadRows, len(left))
	if len(left) > 0 {
		return fmt.Errorf("spool replay: %d batches could not be inserted (is ClickHouse up?); run it again", len(left))
	}
	return nil
}
