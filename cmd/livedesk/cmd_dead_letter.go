package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/livedesk/livedesk/ingest"
)

// runDeadLetter lists, shows and re-drives the events ClickHouse refused for their content. It
// works on the data directory's files only, so it runs beside a live server (or without one):
// a re-driven batch moves back into the spool, which the server replays within a second.
func runDeadLetter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "show" && args[0] != "redrive") {
		fmt.Fprintln(stderr, "usage: livedesk dead-letter list | dead-letter show ID | dead-letter redrive ID... | dead-letter redrive --all")
		return errUsage
	}
	sub := args[0]
	fs := newFlagSet("dead-letter "+sub, "dead-letter "+sub+" [flags]", stderr)
	all := fs.Bool("all", false, "redrive: every dead-lettered batch")
	cfg, err := configFromFlags(fs, args[1:])
	if err != nil {
		return err
	}
	dl, err := ingest.OpenDeadLetters(filepath.Join(cfg.DataDir, "spool"))
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		list, err := dl.List()
		if err != nil {
			return err
		}
		if len(list) == 0 {
			fmt.Fprintln(stdout, "no dead-lettered events")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tAT\tROWS\tSHOPS\tREASON")
		for _, b := range list {
			at := "?"
			if !b.At.IsZero() {
				at = b.At.In(cfg.Location).Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", b.ID, at, b.Rows, strings.Join(b.Shops, ","), oneLine(b.Reason))
		}
		return tw.Flush()
	case "show":
		if fs.NArg() != 1 {
			return errors.New("dead-letter show needs one batch id (as dead-letter list shows it)")
		}
		evs, err := dl.Read(fs.Arg(0))
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		for _, e := range evs {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
	case "redrive":
		ids := fs.Args()
		if *all {
			list, err := dl.List()
			if err != nil {
				return err
			}
			ids = ids[:0]
			for _, b := range list {
				ids = append(ids, b.ID)
			}
		}
		if len(ids) == 0 {
			return errors.New("dead-letter redrive needs batch ids or --all")
		}
		for _, id := range ids {
			if err := dl.Redrive(id); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "re-driven %s: the server replays it from the spool; rows ClickHouse still refuses come back here\n", id)
		}
	}
	return nil
}

// oneLine shortens ClickHouse's message to its first line.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
