package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything serve needs. Each field has an environment variable and a flag that
// overrides it; Validate lists every problem at once.
type Config struct {
	Addr           string // LIVEDESK_ADDR, --addr
	ClickHouseAddr string // LIVEDESK_CLICKHOUSE_ADDR, --clickhouse-addr
	ClickHouseDB   string // LIVEDESK_CLICKHOUSE_DB, --clickhouse-db
	ClickHouseUser string // LIVEDESK_CLICKHOUSE_USER, --clickhouse-user
	ClickHousePass string // LIVEDESK_CLICKHOUSE_PASSWORD
	// ClickHouseCluster: LIVEDESK_CLICKHOUSE_CLUSTER, --clickhouse-cluster — a cluster of the
	// servers' remote_servers config: sharded mode (schema/cluster.go). "": one server.
	ClickHouseCluster string
	RedisURL          string // LIVEDESK_REDIS_URL, --redis-url
	DataDir           string // LIVEDESK_DATA_DIR, --data-dir
	TZ                string // LIVEDESK_TZ, --tz
	MaxBody           int    // LIVEDESK_MAX_BODY, --max-body (bytes)
	LogLevel          string // LIVEDESK_LOG_LEVEL, --log-level
	SecureCookies     bool   // LIVEDESK_SECURE_COOKIES, --secure-cookies
	BaseURL           string // LIVEDESK_BASE_URL, --base-url (for printed links and webhooks)
	MetricsAddr       string // LIVEDESK_METRICS_ADDR, --metrics-addr ("": /metrics only on Addr)
	// OutboundPrivate lets configured URLs (group-bot webhooks) reach private and loopback
	// addresses: LIVEDESK_OUTBOUND_PRIVATE, --outbound-private. Off: only public addresses.
	OutboundPrivate bool
	// TrustedProxies: LIVEDESK_TRUSTED_PROXIES, --trusted-proxies (comma-separated addresses or
	// CIDRs of reverse proxies whose X-Forwarded-For names the client).
	TrustedProxies []netip.Prefix
	// ShopEventsPerSec and ShopRedisMB are every shop's ingest quotas (0: off):
	// LIVEDESK_SHOP_EVENTS_PER_SEC, --shop-events-per-sec; LIVEDESK_SHOP_REDIS_MB, --shop-redis-mb.
	ShopEventsPerSec int
	ShopRedisMB      int
	// MemoryLimitMB is the Go heap's soft limit for `serve` (runtime/debug.SetMemoryLimit):
	// LIVEDESK_MEMORY_LIMIT_MB, --memory-limit-mb (0: none; a GOMEMLIMIT in the environment wins).
	MemoryLimitMB int

	Location *time.Location // parsed TZ

	maxBody, secureCookies, outboundPrivate, trustedProxies string // raw flag values, parsed by Validate
	shopRate, shopRedis, memLimit                           string
}

// envDefault returns the environment value of key, or def.
func envDefault(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// BindConfig registers the config flags on fs with environment values as defaults.
func BindConfig(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Addr, "addr", envDefault("LIVEDESK_ADDR", "127.0.0.1:8080"), "listen address (LIVEDESK_ADDR)")
	fs.StringVar(&c.ClickHouseAddr, "clickhouse-addr", envDefault("LIVEDESK_CLICKHOUSE_ADDR", "127.0.0.1:9000"), "ClickHouse native protocol host:port (LIVEDESK_CLICKHOUSE_ADDR)")
	fs.StringVar(&c.ClickHouseDB, "clickhouse-db", envDefault("LIVEDESK_CLICKHOUSE_DB", "livedesk"), "ClickHouse database (LIVEDESK_CLICKHOUSE_DB)")
	fs.StringVar(&c.ClickHouseUser, "clickhouse-user", envDefault("LIVEDESK_CLICKHOUSE_USER", "default"), "ClickHouse user (LIVEDESK_CLICKHOUSE_USER)")
	c.ClickHousePass = os.Getenv("LIVEDESK_CLICKHOUSE_PASSWORD")
	fs.StringVar(&c.ClickHouseCluster, "clickhouse-cluster", envDefault("LIVEDESK_CLICKHOUSE_CLUSTER", ""), "shard over this cluster of the ClickHouse servers' remote_servers (LIVEDESK_CLICKHOUSE_CLUSTER; empty: one server)")
	fs.StringVar(&c.RedisURL, "redis-url", envDefault("LIVEDESK_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL: redis://host:port/db, or redis+cluster://h1:p1,h2:p2 for a Redis Cluster (LIVEDESK_REDIS_URL)")
	fs.StringVar(&c.DataDir, "data-dir", envDefault("LIVEDESK_DATA_DIR", ".data/livedesk"), "directory for the ingest spool (LIVEDESK_DATA_DIR)")
	fs.StringVar(&c.TZ, "tz", envDefault("LIVEDESK_TZ", "Asia/Shanghai"), "the shop's time zone (LIVEDESK_TZ)")
	fs.StringVar(&c.LogLevel, "log-level", envDefault("LIVEDESK_LOG_LEVEL", "info"), "debug, info, warn or error (LIVEDESK_LOG_LEVEL)")
	fs.StringVar(&c.BaseURL, "base-url", envDefault("LIVEDESK_BASE_URL", ""), "public URL of this server (LIVEDESK_BASE_URL)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", envDefault("LIVEDESK_METRICS_ADDR", ""), "separate listener for /metrics, unauthenticated, for a private network (LIVEDESK_METRICS_ADDR)")
	fs.StringVar(&c.maxBody, "max-body", envDefault("LIVEDESK_MAX_BODY", "16777216"), "largest request body in bytes (LIVEDESK_MAX_BODY)")
	fs.StringVar(&c.secureCookies, "secure-cookies", envDefault("LIVEDESK_SECURE_COOKIES", ""), "mark session cookies Secure: true or false; default true when the base URL is https (LIVEDESK_SECURE_COOKIES)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", envDefault("LIVEDESK_TRUSTED_PROXIES", ""), "reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client (LIVEDESK_TRUSTED_PROXIES)")
	fs.StringVar(&c.shopRate, "shop-events-per-sec", envDefault("LIVEDESK_SHOP_EVENTS_PER_SEC", "20000"), "events per second one shop may send, bursts up to 10 s of it (0: no limit) (LIVEDESK_SHOP_EVENTS_PER_SEC)")
	fs.StringVar(&c.shopRedis, "shop-redis-mb", envDefault("LIVEDESK_SHOP_REDIS_MB", "2048"), "Redis megabytes one shop's remembered event ids may take, about 20 bytes per event for 48–72 h (0: no limit) (LIVEDESK_SHOP_REDIS_MB)")
	fs.StringVar(&c.memLimit, "memory-limit-mb", envDefault("LIVEDESK_MEMORY_LIMIT_MB", "256"), "soft limit of the server's Go heap in MiB: garbage is collected harder near it (0: none; GOMEMLIMIT wins) (LIVEDESK_MEMORY_LIMIT_MB)")
	fs.StringVar(&c.outboundPrivate, "outbound-private", envDefault("LIVEDESK_OUTBOUND_PRIVATE", "false"), "let group-bot webhooks reach private and loopback addresses (LIVEDESK_OUTBOUND_PRIVATE)")
}

// Validate checks every field and returns all problems together.
func (c *Config) Validate() error {
	var errs []error
	if n, err := strconv.Atoi(c.maxBody); err == nil && n >= 1024 {
		c.MaxBody = n
	} else if c.maxBody != "" || c.MaxBody == 0 {
		errs = append(errs, fmt.Errorf("LIVEDESK_MAX_BODY / --max-body: %q is not a byte count of at least 1024", c.maxBody))
	}
	if b, err := strconv.ParseBool(c.secureCookies); err == nil {
		c.SecureCookies = b
	} else if c.secureCookies == "" {
		// Behind HTTPS (the public URL says so) cookies must not travel over plain HTTP.
		c.SecureCookies = strings.HasPrefix(strings.ToLower(c.BaseURL), "https://")
	} else {
		errs = append(errs, fmt.Errorf("LIVEDESK_SECURE_COOKIES / --secure-cookies: %q is not true or false", c.secureCookies))
	}
	if b, err := strconv.ParseBool(c.outboundPrivate); err == nil {
		c.OutboundPrivate = b
	} else if c.outboundPrivate != "" {
		errs = append(errs, fmt.Errorf("LIVEDESK_OUTBOUND_PRIVATE / --outbound-private: %q is not true or false", c.outboundPrivate))
	}
	quota := func(raw, def, name string) int {
		if raw == "" {
			raw = def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a whole number of at least 0 (0 turns the limit off)", name, raw))
		}
		return n
	}
	c.ShopEventsPerSec = quota(c.shopRate, "20000", "LIVEDESK_SHOP_EVENTS_PER_SEC / --shop-events-per-sec")
	c.ShopRedisMB = quota(c.shopRedis, "2048", "LIVEDESK_SHOP_REDIS_MB / --shop-redis-mb")
	c.MemoryLimitMB = quota(c.memLimit, "256", "LIVEDESK_MEMORY_LIMIT_MB / --memory-limit-mb")
	c.TrustedProxies = nil
	for _, p := range strings.Split(c.trustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if a, err := netip.ParseAddr(p); err == nil {
				p = netip.PrefixFrom(a, a.BitLen()).String()
			}
		}
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("LIVEDESK_TRUSTED_PROXIES / --trusted-proxies: %q is not an address or CIDR", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, pre.Masked())
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("LIVEDESK_ADDR / --addr: %q is not host:port", c.Addr))
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); c.MetricsAddr != "" && err != nil {
		errs = append(errs, fmt.Errorf("LIVEDESK_METRICS_ADDR / --metrics-addr: %q is not host:port", c.MetricsAddr))
	}
	if _, port, err := net.SplitHostPort(c.ClickHouseAddr); err != nil || port == "" {
		errs = append(errs, fmt.Errorf("LIVEDESK_CLICKHOUSE_ADDR / --clickhouse-addr: %q is not host:port", c.ClickHouseAddr))
	}
	if strings.ContainsAny(c.ClickHouseCluster, "`. ") {
		errs = append(errs, fmt.Errorf("LIVEDESK_CLICKHOUSE_CLUSTER / --clickhouse-cluster: %q is not a plain cluster name", c.ClickHouseCluster))
	}
	if c.ClickHouseDB == "" || strings.ContainsAny(c.ClickHouseDB, "`. ") {
		errs = append(errs, fmt.Errorf("LIVEDESK_CLICKHOUSE_DB / --clickhouse-db: %q is not a plain database name", c.ClickHouseDB))
	}
	if _, _, err := parseRedisURL(c.RedisURL); err != nil {
		errs = append(errs, fmt.Errorf("LIVEDESK_REDIS_URL / --redis-url: %q is not a redis://host:port/db or redis+cluster://h1:p1,h2:p2 URL: %w", c.RedisURL, err))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("LIVEDESK_DATA_DIR / --data-dir: must not be empty"))
	}
	loc, err := time.LoadLocation(c.TZ)
	if err != nil {
		errs = append(errs, fmt.Errorf("LIVEDESK_TZ / --tz: %q is not a time zone such as Asia/Shanghai", c.TZ))
	}
	c.Location = loc
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("LIVEDESK_LOG_LEVEL / --log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	return errors.Join(errs...)
}
