package localdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// NginxConfig is a load balancer in front of livedesk instances: round robin, websocket upgrade
// (the pages' sockets stay open for hours), an instance that refuses connections is skipped for
// a few seconds (and a request it never received goes to the next one, POST included), and
// X-Forwarded-For for livedesk's LIVEDESK_TRUSTED_PROXIES. dir holds the pid, logs and temp
// files; upstreams are host:port.
func NginxConfig(dir, listen string, upstreams []string) string {
	var servers strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "    server %s max_fails=1 fail_timeout=3s;\n", u)
	}
	return fmt.Sprintf(`daemon off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  client_max_body_size 32m;
  # Bodies and answers stay in memory: the workers may run as another user than the one that
  # made dir, and a temp file they cannot write is a 500.
  client_body_buffer_size 32m;
  proxy_max_temp_file_size 0;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  upstream livedesk {
%[3]s    keepalive 32;
  }
  server {
    listen %[2]s;
    location / {
      proxy_pass http://livedesk;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_connect_timeout 2s;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
    }
  }
}
`, dir, listen, servers.String())
}

// StartNginx starts nginx on 127.0.0.1:port (0 picks a free one) in front of upstreams.
func StartNginx(ctx context.Context, dir string, port int, upstreams []string) (*Server, error) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/nginx"); statErr != nil {
			return nil, errors.New("localdb: nginx not found (apt-get install nginx)")
		}
		bin = "/usr/sbin/nginx"
	}
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localdb: nginx dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("localdb: nginx dir: %w", err)
	}
	cfg := filepath.Join(abs, "nginx.conf")
	if err := os.WriteFile(cfg, []byte(NginxConfig(abs, fmt.Sprintf("127.0.0.1:%d", port), upstreams)), 0o644); err != nil {
		return nil, fmt.Errorf("localdb: nginx config: %w", err)
	}
	return start(ctx, "nginx", bin, []string{"-p", abs, "-c", cfg, "-e", filepath.Join(abs, "error.log")}, abs, port)
}
