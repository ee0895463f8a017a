// Package localdb starts private ClickHouse and Redis servers from the Debian binaries
// (clickhouse-server, redis-server) on loopback ports with their data under one directory.
// `livedesk dev` (make run) uses it with a kept directory; tests use it with a temp directory.
//
// The servers are child processes that are killed when the parent dies (Pdeathsig), so an
// interrupted test run never leaves them behind.
package localdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is one running private server.
type Server struct {
	Name string // "clickhouse" or "redis"
	Addr string // 127.0.0.1:port
	Port int
	Dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// Pid is the server's process id (benchmarks read its CPU time with ProcessCPU).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// ProcessCPU returns the CPU time (user + system) process pid has used so far, from
// /proc/<pid>/stat (Linux; USER_HZ is 100).
func ProcessCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("localdb: cpu of %d: %w", pid, err)
	}
	// The fields after the command name (which may hold spaces) start at state, field 3.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("localdb: cpu of %d: short /proc stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// Stop terminates the server and waits for it to exit. It is safe to call twice.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// FreePort asks the kernel for an unused loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("localdb: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartRedis starts redis-server on port (0 picks a free one) with no persistence: Redis holds
// only what livedesk can rebuild.
func StartRedis(ctx context.Context, dir string, port int) (*Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("localdb: redis dir: %w", err)
	}
	if port == 0 {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		port = p
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("localdb: redis-server not found (apt-get install redis-server)")
	}
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"), "--protected-mode", "no"}
	return start(ctx, "redis", bin, args, dir, port)
}

// StartClickHouse starts clickhouse-server with a config written into dir. port (0 picks a
// free one) is the native protocol port; the HTTP port is picked free.
func StartClickHouse(ctx context.Context, dir string, port int) (*Server, error) {
	return startClickHouse(ctx, dir, port, "")
}

// startClickHouse starts clickhouse-server with extra (XML elements) added to its config.
func startClickHouse(ctx context.Context, dir string, port int, extra string) (*Server, error) {
	bin, err := exec.LookPath("clickhouse-server")
	if err != nil {
		if _, statErr := os.Stat("/usr/bin/clickhouse"); statErr != nil {
			return nil, errors.New("localdb: clickhouse-server not found (apt-get install clickhouse-server)")
		}
		bin = "/usr/bin/clickhouse"
	}
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	httpPort, err := FreePort()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localdb: clickhouse dir: %w", err)
	}
	for _, d := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o755); err != nil {
			return nil, fmt.Errorf("localdb: clickhouse dir: %w", err)
		}
	}
	cfg := filepath.Join(abs, "config.xml")
	if err := os.WriteFile(cfg, []byte(clickhouseConfig(abs, port, httpPort, extra)), 0o644); err != nil {
		return nil, fmt.Errorf("localdb: clickhouse config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(abs, "users.xml"), []byte(clickhouseUsers), 0o644); err != nil {
		return nil, fmt.Errorf("localdb: clickhouse users: %w", err)
	}
	args := []string{"--config-file=" + cfg}
	if filepath.Base(bin) == "clickhouse" {
		args = append([]string{"server"}, args...)
	}
	return start(ctx, "clickhouse", bin, args, abs, port)
}

func start(ctx context.Context, name, bin string, args []string, dir string, port int) (*Server, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	logf, err := os.OpenFile(filepath.Join(dir, name+".stderr.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("localdb: %s log: %w", name, err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("localdb: start %s: %w", name, err)
	}
	s := &Server{Name: name, Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, Dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); logf.Close(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("localdb: %s exited at start; see %s", name, filepath.Join(dir, name+".stderr.log"))
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("localdb: %s did not listen on %s within 30s", name, s.Addr)
		}
	}
}

// clickhouseConfig is a minimal server config that works on 18.16 (root element <yandex>) and
// on current releases, which still accept it. old_parts_lifetime is short so that TRUNCATE and
// DROP PARTITION stay done across a quick restart.
func clickhouseConfig(dir string, tcpPort, httpPort int, extra string) string {
	return fmt.Sprintf(`<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>%[1]s/log/server.log</log><errorlog>%[1]s/log/error.log</errorlog><size>50M</size><count>2</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>%[2]d</tcp_port>
  <http_port>%[3]d</http_port>
  <path>%[1]s/data/</path>
  <tmp_path>%[1]s/tmp/</tmp_path>
  <user_files_path>%[1]s/user_files/</user_files_path>
  <format_schema_path>%[1]s/format_schemas/</format_schema_path>
  <users_config>%[1]s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>200</max_concurrent_queries>
  <merge_tree><old_parts_lifetime>1</old_parts_lifetime></merge_tree>
%[4]s
</yandex>
`, dir, tcpPort, httpPort, extra)
}

const clickhouseUsers = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage><load_balancing>random</load_balancing></default></profiles>
  <users><default><password></password><networks><ip>::1</ip><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`

// StartBoth starts ClickHouse under dir/clickhouse and Redis under dir/redis (a port of 0 picks
// a free one). When the second fails, the first is stopped again.
func StartBoth(ctx context.Context, dir string, clickhousePort, redisPort int) (ch, rd *Server, err error) {
	ch, err = StartClickHouse(ctx, filepath.Join(dir, "clickhouse"), clickhousePort)
	if err != nil {
		return nil, nil, err
	}
	rd, err = StartRedis(ctx, filepath.Join(dir, "redis"), redisPort)
	if err != nil {
		ch.Stop()
		return nil, nil, err
	}
	return ch, rd, nil
}
