package localdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RedisCluster is a private Redis Cluster: masters with replicas, all redis-server processes on
// loopback ports, joined by `redis-cli --cluster create`.
type RedisCluster struct {
	Nodes []*Server // every node; which are masters changes with failovers (see Masters)
}

// Addrs returns every node's address, for a redis+cluster:// URL.
func (c *RedisCluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// URL is the cluster's LIVEDESK_REDIS_URL.
func (c *RedisCluster) URL() string { return "redis+cluster://" + strings.Join(c.Addrs(), ",") }

// Stop stops every node.
func (c *RedisCluster) Stop() {
	for _, n := range c.Nodes {
		n.Stop()
	}
}

// Kill kills node i at once (SIGKILL, no shutdown save), as a crashed master would die.
func (c *RedisCluster) Kill(i int) {
	n := c.Nodes[i]
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// StartRedisCluster starts masters × (1 + replicas) redis-server nodes under dir with cluster
// mode on and a short node timeout (a dead master's replica takes over within a few seconds),
// creates the cluster and waits until every node reports it ok.
func StartRedisCluster(ctx context.Context, dir string, masters, replicas int) (*RedisCluster, error) {
	if masters < 3 {
		return nil, errors.New("localdb: a Redis Cluster needs at least 3 masters")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, errors.New("localdb: redis-cli not found (apt-get install redis-tools)")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("localdb: redis-server not found (apt-get install redis-server)")
	}
	c := &RedisCluster{}
	for i := 0; i < masters*(1+replicas); i++ {
		port, err := FreePort()
		if err != nil {
			c.Stop()
			return nil, err
		}
		d := filepath.Join(dir, "node"+strconv.Itoa(i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			c.Stop()
			return nil, fmt.Errorf("localdb: redis cluster dir: %w", err)
		}
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", d, "--logfile", filepath.Join(d, "redis.log"), "--protected-mode", "no",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(d, "nodes.conf"),
			"--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no",
			"--cluster-replica-validity-factor", "0"}
		n, err := start(ctx, "redis", bin, args, d, port)
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Nodes = append(c.Nodes, n)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("localdb: redis-cli --cluster create: %w: %s", err, out)
	}
	for _, n := range c.Nodes {
		if err := waitClusterOK(ctx, n.Addr); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// waitClusterOK polls CLUSTER INFO on addr until cluster_state is ok (30 s at most).
func waitClusterOK(ctx context.Context, addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := redisCommand(addr, "CLUSTER", "INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("localdb: redis cluster node %s not ok within 30s: %v", addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// redisCommand sends one command in RESP and returns a simple or bulk string reply (enough for
// CLUSTER INFO).
func redisCommand(addr string, args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	switch line[0] {
	case '-':
		return "", errors.New(strings.TrimSpace(line[1:]))
	case '$':
		n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return strings.TrimSpace(line), nil
}
