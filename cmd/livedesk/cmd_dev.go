package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/schema/localdb"
)

// devEnv is what `livedesk dev` started, for the steps that follow (key, login, simulator).
type devEnv struct {
	Dir    string
	Shop   string
	Room   string
	Speed  float64
	Seed   int64
	APIKey string
	User   string
	Pass   string
	Main   *Main
	Empty  bool          // --empty: no demo catalog, history or stream
	Past   time.Duration // length of each earlier demo session
	out    io.Writer
}

// devSteps run after the server is up, in this order: the dev logins and room, then the
// simulator. A step may start background work that stops when ctx ends.
func devSteps() []func(ctx context.Context, d *devEnv) error {
	return []func(ctx context.Context, d *devEnv) error{devLogin, devCatalog, devSimulate, devDemo}
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dev", "dev [flags]", stderr)
	dir := fs.String("dir", ".data", "directory for ClickHouse, Redis and the spool (kept between runs)")
	chPort := fs.Int("clickhouse-port", 19000, "native port of the private ClickHouse")
	redisPort := fs.Int("redis-port", 16379, "port of the private Redis")
	shop := fs.String("shop", "demo", "shop of the demo key, login and stream")
	room := fs.String("room", "live1", "room the simulated stream goes to")
	speed := fs.Float64("speed", 1, "simulated stream speed (1 = real time)")
	seed := fs.Int64("seed", 0, "simulator seed (0 = a new one each run; --speed 0 = no simulator)")
	empty := fs.Bool("empty", false, "start bare: no demo catalog, earlier sessions, shop day or stream")
	past := fs.Duration("past-session", 15*time.Minute, "length of each of the demo's seven earlier sessions")
	var cfg Config
	BindConfig(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	ch, rd, err := localdb.StartBoth(ctx, abs, *chPort, *redisPort)
	if err != nil {
		return fmt.Errorf("%w (is another `make run` still running?)", err)
	}
	defer ch.Stop()
	defer rd.Stop()
	cfg.ClickHouseAddr = ch.Addr
	cfg.RedisURL = "redis://" + rd.Addr + "/0"
	cfg.DataDir = filepath.Join(abs, "livedesk")
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if err := mustMkdir(cfg.DataDir); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(stderr, cfg.LogLevel)}
	if err := m.Open(ctx); err != nil {
		return err
	}
	defer m.Close()
	d := &devEnv{Dir: abs, Shop: *shop, Room: *room, Speed: *speed, Seed: *seed, Main: m, Empty: *empty, Past: *past, out: stdout}
	if d.Seed == 0 {
		d.Seed = time.Now().Unix() // the same seed would replay the same event ids: all duplicates
	}
	if d.Empty {
		d.Speed = 0
	}
	if d.APIKey, err = devAPIKey(ctx, d); err != nil {
		return err
	}
	for _, step := range devSteps() {
		if err := step(ctx, d); err != nil {
			return err
		}
	}
	printDevBanner(stdout, d)
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nstopping: draining requests, flushing buffers, stopping ClickHouse and Redis …")
	return nil
}

// devAPIKey reuses the key saved by an earlier run when it still works as an admin key, else
// creates one: admin, so the printed key both posts events and reads and drives the JSON API.
func devAPIKey(ctx context.Context, d *devEnv) (string, error) {
	path := filepath.Join(d.Dir, "dev-api-key")
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		if shop, scope, err := d.Main.Keys.LookupScope(ctx, key); err == nil && shop == d.Shop && scope == livedesk.ScopeAdmin {
			return key, nil
		}
	}
	key, err := d.Main.Keys.CreateScoped(ctx, d.Shop, "make run", livedesk.ScopeAdmin)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save dev key: %w", err)
	}
	return key, nil
}

func printDevBanner(w io.Writer, d *devEnv) {
	base := d.Main.URL()
	fmt.Fprintf(w, "\nlivedesk is running (Ctrl-C stops everything it started)\n\n")
	fmt.Fprintf(w, "  control room   %s/rooms/%s\n", base, d.Room)
	fmt.Fprintf(w, "  prompter       %s/rooms/%s/prompter\n", base, d.Room)
	fmt.Fprintf(w, "  past sessions  %s/rooms/%s/sessions\n", base, d.Room)
	fmt.Fprintf(w, "  products       %s/products\n", base)
	fmt.Fprintf(w, "  tasks          %s/tasks\n", base)
	fmt.Fprintf(w, "  jobs           %s/jobs\n", base)
	if d.Pass != "" {
		fmt.Fprintf(w, "\n  logins (shop %s, password %s for each):\n", d.Shop, d.Pass)
		for _, l := range devLogins {
			open := l.Open
			if strings.Contains(open, "%s") {
				open = fmt.Sprintf(open, d.Room)
			}
			fmt.Fprintf(w, "    %-9s %-9s open %s%s — %s\n", l.User, l.Role, base, open, l.Why)
		}
	}
	fmt.Fprintf(w, "\n  ingest API     POST %s/api/v1/events\n", base)
	fmt.Fprintf(w, "  JSON API       %s/api/v1/openapi.json\n", base)
	fmt.Fprintf(w, "  API key        %s   (shop %s, admin scope)\n", d.APIKey, d.Shop)
	fmt.Fprintf(w, "  try it         curl -H 'Authorization: Bearer %s' --data-binary @events.ndjson %s/api/v1/events\n", d.APIKey, base)
	fmt.Fprintf(w, "                 curl -H 'Authorization: Bearer %s' %s/api/v1/rooms/%s/live\n", d.APIKey, base, d.Room)
	fmt.Fprintf(w, "\n  ClickHouse     %s (native)   Redis %s   data %s\n\n", d.Main.Config.ClickHouseAddr, strings.TrimPrefix(d.Main.Config.RedisURL, "redis://"), d.Dir)
}
