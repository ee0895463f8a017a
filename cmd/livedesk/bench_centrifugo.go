package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// centrifugoVersion is the Centrifugo release bench-live compares the hub's fan-out with. It is
// a comparison target only: built with `go install` outside this module, never imported.
const centrifugoVersion = "v6.9.1"

// centrifugoBinary returns the path of a Centrifugo binary, building it once with `go install`
// into os.UserCacheDir()/livedesk-bench/centrifugo-<version>/ (a few minutes on 2 cores). The
// install runs in an empty temp dir with GOFLAGS=-mod=mod, so it never touches this module's
// go.mod.
func centrifugoBinary(ctx context.Context, stderr io.Writer) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	bin := filepath.Join(cache, "livedesk-bench", "centrifugo-"+centrifugoVersion)
	exe := filepath.Join(bin, "centrifugo")
	if _, err := os.Stat(exe); err == nil {
		return exe, nil
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("bench-live: centrifugo: no go tool to build it: %w", err)
	}
	tmp, err := os.MkdirTemp("", "livedesk-centrifugo-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintf(stderr, "bench-live: building Centrifugo %s once into %s (a few minutes)\n", centrifugoVersion, bin)
	cmd := exec.CommandContext(ctx, gobin, "install", "github.com/centrifugal/centrifugo/v6@"+centrifugoVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("bench-live: centrifugo: go install github.com/centrifugal/centrifugo/v6@%s: %w\n%s", centrifugoVersion, err, tail(out.String(), 2000))
	}
	return exe, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// centrifugo is a running Centrifugo: anonymous websocket clients may subscribe to any channel
// without a namespace ("r0" …), publications go through the HTTP API with an API key; memory
// engine (one node), websocket compression off, as livedesk's hub.
type centrifugo struct {
	cmd    *exec.Cmd
	addr   string
	key    string
	client *http.Client
	exited chan struct{}
}

// startCentrifugo writes a config into dir and starts exe on a free local port.
func startCentrifugo(ctx context.Context, exe, dir string) (*centrifugo, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	const key = "livedesk-bench-key"
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"log":         map[string]any{"level": "error"},
		"client": map[string]any{
			"allow_anonymous_connect_without_token": true,
			"allowed_origins":                       []string{"*"},
		},
		"channel": map[string]any{"without_namespace": map[string]any{
			"allow_subscribe_for_client":    true,
			"allow_subscribe_for_anonymous": true,
		}},
		"http_api":    map[string]any{"key": key},
		"usage_stats": map[string]any{"disabled": true},
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	path := filepath.Join(dir, "centrifugo.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "--config", path)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench-live: centrifugo: %w", err)
	}
	c := &centrifugo{cmd: cmd, addr: "127.0.0.1:" + strconv.Itoa(port), key: key, exited: make(chan struct{}),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	go func() { _ = cmd.Wait(); close(c.exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := c.call(ctx, "info", []byte(`{}`)); err == nil {
			return c, nil
		} else if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("bench-live: centrifugo did not answer its API: %w", err)
		}
		select {
		case <-c.exited:
			return nil, errors.New("bench-live: centrifugo exited at start (see its log above)")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// wsURL is the URL of Centrifugo's websocket endpoint.
func (c *centrifugo) wsURL() string { return "ws://" + c.addr + "/connection/websocket" }

// publish sends data (JSON) to channel through the HTTP API.
func (c *centrifugo) publish(ctx context.Context, channel string, data []byte) error {
	body := make([]byte, 0, len(data)+64)
	body = append(body, `{"channel":`...)
	body = strconv.AppendQuote(body, channel)
	body = append(body, `,"data":`...)
	body = append(body, data...)
	body = append(body, '}')
	return c.call(ctx, "publish", body)
}

func (c *centrifugo) call(ctx context.Context, method string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+c.addr+"/api/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-API-Key", c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || bytes.Contains(b, []byte(`"error"`)) {
		return fmt.Errorf("centrifugo %s: %d %s", method, resp.StatusCode, b)
	}
	return nil
}

// pid is the server's process id (for its RSS).
func (c *centrifugo) pid() int { return c.cmd.Process.Pid }

func (c *centrifugo) stop() {
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}
