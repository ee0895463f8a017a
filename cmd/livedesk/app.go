package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/bsm/redislock"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/compliance"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/jobs"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/platform"
	"github.com/livedesk/livedesk/report"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/shops"
	"github.com/livedesk/livedesk/stage"
	"github.com/livedesk/livedesk/views"
)

// Main is one running livedesk server. Tests start it in-process: fill Config (Addr may use port
// 0), call Open, use Addr, then Close.
type Main struct {
	Config Config
	Log    *slog.Logger

	// Built by Open in this order, closed by Close in the reverse order (see open).
	CH        driver.Conn           // storage
	Redis     redis.UniversalClient // one server or a cluster (redis.go)
	Keys      *ingest.Keys          // ingest: API keys, the durable writer, the service observers hang on
	Writer    *ingest.Writer        //
	Ingest    *ingest.Service       //
	App       *fiber.App            // HTTP
	Hub       *hub.Hub              // websocket fan-out over Redis pub/sub
	Catalog   *catalog.Catalog      // products and their stock
	Stage     *stage.Actions        // operator actions and the prompter's stage
	Engine    *live.Engine          // live counters, the tick, rules and flags, sessions
	Reports   *report.Service       // post-stream reports
	Scheduler *jobs.Scheduler       // the shop's daily jobs
	flagHooks *flagNotifier         // the live rules' flags to the shop's group bot (jobs' webhook sender)
	Users     *account.Users        // logins and roles
	Rooms     *live.Rooms           // which rooms a shop has
	Pages     *views.Server         // the pages (and the sessions the API accepts)

	Integrations *platform.Integrations // the shops' platform connections (sealed secrets)
	Hooks        *platform.Hooks        // 抖店 push and TikTok Shop webhooks
	Enricher     *platform.Enricher     // order-detail enrichment worker
	Relay        *platform.Relay        // live-room relay lines (POST /api/v1/relay, the stream's format=relay)
	Totals       *platform.Totals       // dashboards' running totals (POST /api/v1/totals, 千川)
	Shops        *shops.Settings        // each shop's time zone and currency (the one resolver)
	Compliance   *compliance.Store      // banned words and qualifications
	Started      time.Time

	ln      net.Listener
	closers []func() // run in reverse order by Close, after the HTTP server stops
	served  chan error

	metricsLn net.Listener // Config.MetricsAddr's own listener, if any (metrics.go)
}

// Open connects to ClickHouse and Redis, applies the schema, builds every part and starts serving.
func (m *Main) Open(ctx context.Context) error {
	if m.Log == nil {
		m.Log = slog.Default()
	}
	if m.Config.Location == nil {
		m.Config.Location = time.UTC
	}
	m.Started = time.Now()
	if err := m.openStorage(ctx); err != nil {
		return err
	}
	cfg := fiberConfig(m.Config.MaxBody + 1<<20) // gzip and framing headroom; ingest enforces MaxBody itself
	cfg.ErrorHandler = m.errorHandler
	m.App = fiber.New(cfg)
	m.App.Use(recover.New())
	if err := m.open(ctx); err != nil {
		m.Close()
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		m.Close()
		return fmt.Errorf("listen %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	m.served = make(chan error, 1)
	go func() { m.served <- m.App.Listener(ln) }()
	m.Log.Info("livedesk: serving", "addr", ln.Addr().String(), "clickhouse", m.Config.ClickHouseAddr, "db", m.Config.ClickHouseDB)
	return nil
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// URL returns the base URL of the running server.
func (m *Main) URL() string { return "http://" + m.Addr() }

// onClose registers f to run when the server closes (after HTTP is drained, before storage).
func (m *Main) onClose(f func()) { m.closers = append(m.closers, f) }

// Close drains in-flight requests, then runs the closers (which flush their buffers), then
// closes the ingest writer (flushing and replaying what it can) and the connections.
func (m *Main) Close() error {
	if m.App != nil && m.ln != nil {
		if err := m.App.ShutdownWithTimeout(20 * time.Second); err != nil {
			m.Log.Warn("livedesk: shutdown", "err", err)
		}
		<-m.served
		m.ln = nil // a second Close does not wait for the server again
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
	m.closers = nil
	if m.Writer != nil {
		m.Writer.Close()
		m.Writer = nil
	}
	if m.Redis != nil {
		m.Redis.Close()
		m.Redis = nil
	}
	if m.CH != nil {
		m.CH.Close()
		m.CH = nil
	}
	return nil
}

// checkEviction warns when Redis may evict keys: every livedesk key has a TTL, so any eviction
// policy but noeviction can drop the dedup memory of single events (a resent event is then stored
// twice — a Redis restart is detected, see ingest.Dedup, single evictions are not) or a room's
// live windows. Managed Redis that refuses CONFIG gets no warning.
func (m *Main) checkEviction(ctx context.Context) {
	_ = forEachRedisNode(ctx, m.Redis, func(ctx context.Context, n *redis.Client) error {
		v, err := n.ConfigGet(ctx, "maxmemory-policy").Result()
		if p := v["maxmemory-policy"]; err == nil && p != "" && p != "noeviction" {
			m.Log.Warn("livedesk: Redis may evict keys; set maxmemory-policy noeviction (the per-shop quota LIVEDESK_SHOP_REDIS_MB keeps shops within memory)", "maxmemory-policy", p, "node", n.Options().Addr)
		}
		return nil
	})
}

func (m *Main) openStorage(ctx context.Context) error {
	var err error
	if m.Redis, err = openRedis(ctx, m.Config.RedisURL); err != nil {
		return err
	}
	m.checkEviction(ctx)
	m.CH, err = schema.Open(ctx, m.schemaOptions())
	if err != nil {
		return err
	}
	ran, err := schema.Prepare(ctx, m.CH, m.schemaOptions(), m.migrationLock)
	if err != nil {
		return err
	}
	if len(ran) > 0 {
		m.Log.Info("livedesk: schema migrated", "applied", ran)
	}
	return nil
}

func (m *Main) schemaOptions() schema.Options {
	return schema.Options{Addr: m.Config.ClickHouseAddr, Database: m.Config.ClickHouseDB,
		User: m.Config.ClickHouseUser, Password: m.Config.ClickHousePass, Cluster: m.Config.ClickHouseCluster}
}

// migrationLock serialises migrations across instances with a Redis lock.
func (m *Main) migrationLock(ctx context.Context) (func(), error) {
	locker := redislock.New(m.Redis)
	key := "ld:lock:migrate:" + m.Config.ClickHouseDB
	lock, err := locker.Obtain(ctx, key, 2*time.Minute, &redislock.Options{
		RetryStrategy: redislock.LimitRetry(redislock.LinearBackoff(200*time.Millisecond), 600),
	})
	if err != nil {
		return nil, err
	}
	return func() { _ = lock.Release(context.Background()) }, nil
}

func (m *Main) openIngest(ctx context.Context) error {
	spool, err := ingest.OpenSpool(filepath.Join(m.Config.DataDir, "spool"))
	if err != nil {
		return err
	}
	m.Keys = ingest.NewKeys(m.CH)
	m.Writer = ingest.NewWriter(m.CH, spool, m.Log, ingest.WriterConfig{})
	dedup := ingest.NewDedup(m.Redis)
	dedup.Stored = ingest.StoredIDs(m.CH)
	dedup.Quiet = ingest.QuietSince(m.CH)
	m.Ingest = &ingest.Service{Dedup: dedup, Writer: m.Writer, Log: m.Log,
		Quota: ingest.NewQuota(m.Redis, m.Config.ShopEventsPerSec, int64(m.Config.ShopRedisMB)<<20)}
	h := &ingest.Handler{Service: m.Ingest, Keys: m.Keys, MaxBody: m.Config.MaxBody, Log: m.Log,
		Formats: map[string]ingest.FrameFunc{"relay": m.relayFrame}} // m.Relay is built with the platform part
	health := &ingest.Health{Checks: map[string]ingest.Check{
		"clickhouse": func(ctx context.Context) error { return m.CH.Ping(ctx) },
		"redis":      func(ctx context.Context) error { return m.Redis.Ping(ctx).Err() },
	}}
	health.Register(m.App)
	h.Register(m.App)
	return nil
}

// errorHandler answers what no handler answered itself: Fiber's own errors (no route, body too
// large) and errors returned up the chain, mapped by kind (livedesk.HTTPStatus). Internal errors
// never reach users: JSON for the API, a short page otherwise.
func (m *Main) errorHandler(c *fiber.Ctx, err error) error {
	code, msg := livedesk.HTTPStatus(err), livedesk.ErrorCode(err)
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code, msg = fe.Code, fe.Message
	}
	if code == fiber.StatusRequestEntityTooLarge {
		msg = fmt.Sprintf("body larger than %d bytes; send smaller batches", m.Config.MaxBody)
	}
	if code >= 500 {
		m.Log.Error("livedesk: request failed", "path", c.Path(), "err", err)
		msg = "internal error"
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		return c.Status(code).JSON(fiber.Map{"error": msg})
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return c.Status(code).SendString(fmt.Sprintf("%d %s", code, msg))
}

// mustMkdir creates dir or returns an error naming it.
func mustMkdir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}

// fiberConfig is the HTTP server configuration of livedesk serve, shared with the benches so they
// measure the server as it runs.
func fiberConfig(bodyLimit int) fiber.Config {
	return fiber.Config{
		AppName:               "livedesk",
		BodyLimit:             bodyLimit,
		DisableStartupMessage: true,
		// Route on the decoded path: /rooms/%E7%9B%B4%E6%92%AD%E9%97%B41 is room 直播间1, and an
		// encoded '/' (%2F) cannot smuggle a slash into a parameter.
		UnescapePath: true,
		ReadTimeout:  60 * time.Second,
		WriteTimeout: 60 * time.Second,
		IdleTimeout:  2 * time.Minute,
		// Release a connection's read buffer once a request is read. Without it a websocket
		// keeps fasthttp's 4 KB read buffer for its whole life (the upgrade hands the buffered
		// reader to the socket): 40 MB at 10,000 sockets, beside the socket's own 1 KB buffer.
		ReduceMemoryUsage: true,
	}
}
