package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// benchSummaryEnv names the file every bench command appends its headline figures to, one
// benchFigure per line; `make bench` sets it, and `livedesk bench-summary` prints the one table.
const benchSummaryEnv = "LIVEDESK_BENCH_SUMMARY"

// benchFigure is one headline figure of a bench: what was measured, the figure, the target, the
// anchor measured in the same run (Centrifugo, a native insert) when there is one, and the
// ratio figure/anchor. Empty strings print as "—".
type benchFigure struct {
	Figure, Value, Target, Anchor, Ratio string
}

// recordBench appends rows to the summary file named by LIVEDESK_BENCH_SUMMARY, if set, and
// always prints them to w so a bench run alone still shows its headline.
func recordBench(w io.Writer, rows ...benchFigure) error {
	for _, r := range rows {
		fmt.Fprintf(w, "summary: %s = %s (target %s; anchor %s; ratio %s)\n", r.Figure, dash(r.Value), dash(r.Target), dash(r.Anchor), dash(r.Ratio))
	}
	path := os.Getenv(benchSummaryEnv)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("bench: summary: %w", err)
	}
	defer f.Close()
	for _, r := range rows {
		cells := []string{r.Figure, r.Value, r.Target, r.Anchor, r.Ratio}
		for i, c := range cells {
			cells[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
		}
		if _, err := fmt.Fprintln(f, strings.Join(cells, "\t")); err != nil {
			return fmt.Errorf("bench: summary: %w", err)
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// runBenchSummary prints the rows gathered in the summary file as one Markdown table.
func runBenchSummary(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-summary", "bench-summary FILE", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("bench-summary: name the summary file")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("bench-summary: %w", err)
	}
	defer f.Close()
	tw := tabwriter.NewWriter(stdout, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "| figure\t value\t target\t anchor (same run)\t ratio\t")
	fmt.Fprintln(tw, "|---\t---\t---\t---\t---\t")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "\t")
		for len(cells) < 5 {
			cells = append(cells, "")
		}
		fmt.Fprintf(tw, "| %s\t %s\t %s\t %s\t %s\t\n", cells[0], dash(cells[1]), dash(cells[2]), dash(cells[3]), dash(cells[4]))
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("bench-summary: %w", err)
	}
	return tw.Flush()
}
