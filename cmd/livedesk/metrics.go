package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

// metricsHandler serves every metric registered on prometheus.DefaultRegisterer: the packages'
// own (ingest, hub, live, jobs, each in its metrics file) and the Go runtime and process
// collectors the client library registers by default. Built once per process: promhttp.Handler
// registers its own request counter.
var metricsHandler = promhttp.Handler()

// openMetrics mounts GET /metrics on the main address for loopback peers and admin keys, and,
// when Config.MetricsAddr is set, serves it on a listener of its own, without authentication,
// for a private network. Close stops that listener.
func (m *Main) openMetrics() error {
	m.App.Get("/metrics", m.metricsAccess, adaptor.HTTPHandler(metricsHandler))
	if m.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listen %s: %w", m.Config.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("livedesk: metrics listener", "err", err)
		}
	}()
	m.metricsLn = ln
	m.onClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	m.Log.Info("livedesk: metrics", "addr", ln.Addr().String())
	return nil
}

// MetricsAddr returns the address of the separate metrics listener ("" when there is none).
func (m *Main) MetricsAddr() string {
	if m.metricsLn == nil {
		return ""
	}
	return m.metricsLn.Addr().String()
}

// metricsAccess lets a direct loopback peer through, and anyone else only with an admin-scope
// API key: 401 without a known key, 403 with a key of a lesser scope.
func (m *Main) metricsAccess(c *fiber.Ctx) error {
	if directLoopback(c) {
		return c.Next()
	}
	key, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return ingest.ErrorJSON(c, fiber.StatusUnauthorized, "metrics need an admin API key (Authorization: Bearer <key>) or a loopback connection")
	}
	_, scope, err := m.Keys.LookupScope(c.UserContext(), key)
	if errors.Is(err, ingest.ErrNoKey) {
		return ingest.ErrorJSON(c, fiber.StatusUnauthorized, "unknown or revoked API key")
	}
	if err != nil {
		m.Log.Error("livedesk: metrics key lookup", "err", err)
		c.Set(fiber.HeaderRetryAfter, "2")
		return ingest.ErrorJSON(c, fiber.StatusServiceUnavailable, "key store unavailable, retry shortly")
	}
	if !livedesk.ScopeAllows(scope, livedesk.ScopeAdmin) {
		return ingest.ErrorJSON(c, fiber.StatusForbidden, "this key's scope ("+scope+") may not read metrics: use an admin key")
	}
	return c.Next()
}

// directLoopback reports whether the request comes from this host and not through a proxy. The
// peer address is the connection's (never c.IP(), which follows a proxy header once one is
// configured); a request carrying a forwarding header came through a proxy on this host on
// behalf of someone else, so it is not trusted as local.
func directLoopback(c *fiber.Ctx) bool {
	for _, h := range []string{fiber.HeaderXForwardedFor, fiber.HeaderForwarded, "X-Real-Ip"} {
		if c.Get(h) != "" {
			return false
		}
	}
	return isLoopback(c.Context().RemoteIP().String())
}

// isLoopback reports whether ip is 127.0.0.0/8 or ::1 (IPv4-mapped forms included).
func isLoopback(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.IsLoopback()
}
