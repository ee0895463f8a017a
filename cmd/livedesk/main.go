// Command livedesk is the live-stream operations console: `livedesk serve` runs the server;
// the other sub-commands migrate the schema, manage API keys and users, and drive it with a
// simulated or recorded stream.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/schema"
)

// command is one sub-command.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	hidden  bool // a helper process of another command, not listed
}

// commands returns the sub-commands by name, each implemented in its cmd_<name>.go. It is a
// function, not a package variable, because the commands' usage texts list the commands.
func commands() map[string]command {
	return map[string]command{
		"bench":          {summary: "measure ingest throughput on private ClickHouse/Redis and compare with a native insert", run: runBench},
		"bench-dedup":    {summary: "measure the dedup memory's Redis bytes per id and claim time against the former key-per-id layout", run: runBenchDedup},
		"bench-live":     {summary: "measure event → websocket latency under load and fan-out latency to many websocket clients", run: runBenchLive},
		"bench-report":   {summary: "time the post-stream report of a generated 3-hour, 10-million-event session on a private ClickHouse", run: runBenchReport},
		"bench-clients":  {summary: "bench-live's websocket client process", run: runBenchClients, hidden: true},
		"bench-load":     {summary: "bench-live's background load process", run: runBenchLoadProc, hidden: true},
		"bench-summary":  {summary: "print the figures gathered by the bench commands (LIVEDESK_BENCH_SUMMARY) as one table", run: runBenchSummary},
		"dead-letter":    {summary: "events ClickHouse refused for their content: dead-letter list | show ID | redrive ID... | redrive --all", run: runDeadLetter},
		"dev":            {summary: "make run: private ClickHouse + Redis under .data/, the server and a simulated stream", run: runDev},
		"eval-questions": {summary: "precision and recall of the buyer-question classifier per topic on a labelled corpus (default testdata/questions.tsv)", run: runEvalQuestions},
		"integration":    {summary: "platform pushes: integration set --shop S --platform doudian|tiktok --app-key K [--api-url U] (secret on stdin), or --platform qianchuan --advertiser-id A --aweme-id W (token on stdin) | integration list [--shop S] | integration remove --shop S --platform P", run: runIntegration},
		"healthcheck":    {summary: "exit 0 when a server answers /readyz (for container health checks)", run: runHealthcheck},
		"key":            {summary: "API keys: key create --shop S --name N [--scope S] | key list [--shop S] | key revoke --shop S PREFIX", run: runKey},
		"migrate":        {summary: "apply the ClickHouse schema (serve also does this at start)", run: runMigrate},
		"replay":         {summary: "post recorded events (NDJSON, or the Taobao behaviour CSV) with their time compressed", run: runReplay},
		"spool":          {summary: "spool replay --dir DIR: insert the spool of an instance that will not return (rows it stored already are skipped)", run: runSpool},
		"serve":          {summary: "run the server (ingest API, live engine, pages, jobs)", run: runServe},
		"user":           {summary: "logins: user add --shop S --user U --role R (password on stdin) | user list [--shop S] | user disable --shop S --user U", run: runUser},
		"shop":           {summary: "a shop's time zone and currency: shop set --shop S [--tz Z] [--currency C] | shop list", run: runShop},
		"simulate":       {summary: "post a simulated live stream to a server through the ingest API", run: runSimulate},
	}
}

// errUsage marks a usage error already printed (exit 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "livedesk: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "livedesk %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: livedesk <command> [flags]   (livedesk <command> --help for its flags)")
	fmt.Fprintln(w)
	all := commands()
	names := make([]string, 0, len(all))
	for n := range all {
		if all[n].hidden {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, all[n].summary)
	}
}

// newFlagSet returns a flag set that prints its usage to stderr and reports errors as errUsage.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: livedesk %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping a bad flag to errUsage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

// newLogger returns a JSON slog logger at level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// configFromFlags binds config flags plus extra ones, parses and validates.
func configFromFlags(fs *flag.FlagSet, args []string) (Config, error) {
	var c Config
	BindConfig(fs, &c)
	if err := parseFlags(fs, args); err != nil {
		return c, err
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return c, nil
}

// openMigrated connects to cfg's ClickHouse and applies the schema (for admin sub-commands that
// run without a server).
func openMigrated(ctx context.Context, cfg Config) (driver.Conn, error) {
	o := (&Main{Config: cfg}).schemaOptions()
	conn, err := schema.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	if _, err := schema.Prepare(ctx, conn, o, nil); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
