package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis URLs (LIVEDESK_REDIS_URL):
//
//	redis://[user:pass@]host:port/db[?opts]        one server (go-redis ParseURL)
//	rediss://…                                     the same over TLS
//	redis+cluster://[user:pass@]h1:p1,h2:p2[?opts] a Redis Cluster: any reachable nodes seed the
//	rediss+cluster://…                             slot map; opts are go-redis ParseClusterURL's
//
// Every livedesk key carries a room or shop hash tag and every multi-key command, script and
// transaction stays within one tag, so the same code runs on one server and on a cluster.

// clusterReload is how old a cluster client's slot map may be before a command reloads it.
const clusterReload = 2 * time.Second

// clusterScheme reports whether raw names a Redis Cluster, and the plain scheme it wraps.
func clusterScheme(raw string) (plain string, ok bool) {
	for _, s := range []string{"redis", "rediss"} {
		if strings.HasPrefix(raw, s+"+cluster://") {
			return s, true
		}
	}
	return "", false
}

// parseRedisURL returns the options of a single server or of a cluster (exactly one is non-nil).
func parseRedisURL(raw string) (*redis.Options, *redis.ClusterOptions, error) {
	plain, ok := clusterScheme(raw)
	if !ok {
		o, err := redis.ParseURL(raw)
		return o, nil, err
	}
	rest := strings.TrimPrefix(raw, plain+"+cluster://")
	hosts, query, _ := strings.Cut(rest, "?")
	hosts = strings.TrimSuffix(hosts, "/")
	user := ""
	if i := strings.LastIndexByte(hosts, '@'); i >= 0 {
		user, hosts = hosts[:i+1], hosts[i+1:]
	}
	var addrs []string
	for _, h := range strings.Split(hosts, ",") {
		if h = strings.TrimSpace(h); h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			return nil, nil, fmt.Errorf("cluster node %q is not host:port", h)
		}
		addrs = append(addrs, h)
	}
	if len(addrs) == 0 {
		return nil, nil, fmt.Errorf("no cluster nodes after %s+cluster://", plain)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, nil, fmt.Errorf("options: %w", err)
	}
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	o, err := redis.ParseClusterURL(plain + "://" + user + addrs[0] + "?" + q.Encode())
	return nil, o, err
}

// openRedis connects to one Redis server or to a Redis Cluster, as the URL says.
func openRedis(ctx context.Context, raw string) (redis.UniversalClient, error) {
	one, cluster, err := parseRedisURL(raw)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	var c redis.UniversalClient
	where := ""
	if cluster != nil {
		if cluster.PoolSize == 0 {
			cluster.PoolSize = 64 // per node
		}
		// go-redis reloads the slot map only on MOVED/ASK or when it is older than this (60 s
		// by default); a dead master answers neither, so its slots stayed unreachable for up to
		// a minute after its replica took over. Measured: 2 s brings them back within ~3 s.
		cluster.ClusterStateReloadInterval = clusterReload
		c, where = redis.NewClusterClient(cluster), strings.Join(cluster.Addrs, ",")
	} else {
		one.PoolSize = 64
		c, where = redis.NewClient(one), one.Addr
	}
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis %s: %w", where, err)
	}
	return c, nil
}

// forEachRedisNode runs f on every master of a cluster, or on the one server.
func forEachRedisNode(ctx context.Context, c redis.UniversalClient, f func(ctx context.Context, n *redis.Client) error) error {
	switch c := c.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, f)
	case *redis.Client:
		return f(ctx, c)
	}
	return nil
}
