package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runBenchLoadProc is bench-live's background load process: it posts --rate events/s to the ingest
// API at --url for --duration, in 1,000-event NDJSON requests from one client per 625 events/s
// (each request waits for its acknowledgement, so clients overlap), and prints "sent N" (events
// acknowledged). It runs in its own process so that building and posting 20,000 events/s does
// not share the server's Go scheduler: a tick or a socket write of the server under test would
// otherwise queue behind the load generator's goroutines, which no real deployment has.
func runBenchLoadProc(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-load", "bench-load --url U --key K [--prefix P] --rate N --duration D", stderr)
	url := fs.String("url", "", "base URL of the server (http://host:port)")
	key := fs.String("key", "", "ingest API key")
	prefix := fs.String("prefix", "", "prefix of the event ids (a run's own, so no run resends another's ids)")
	rate := fs.Int("rate", 20000, "events per second")
	d := fs.Duration("duration", 20*time.Second, "how long to post")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *url == "" || *key == "" || *rate <= 0 || *d <= 0 {
		return errors.New("bench-load: --url, --key, positive --rate and --duration")
	}
	lctx, cancel := context.WithTimeout(ctx, *d)
	defer cancel()
	sent := postLoad(lctx, *url, *key, *prefix, *rate)
	_, err := fmt.Fprintf(stdout, "sent %d\n", sent)
	return err
}

// postLoad posts rate events/s until ctx ends and returns how many were acknowledged. The
// clients start spread evenly over one interval, so the rate is steady: started together they
// would post rate × interval events at once every interval (32,000 every 1.6 s at 20,000/s) and
// every latency would measure that burst.
func postLoad(ctx context.Context, url, key, prefix string, rate int) int64 {
	const batch = 1000
	workers := max(4, rate/625)
	var sent atomic.Int64
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) * batch * float64(workers) / float64(rate))
	types := []string{"enter", "impression", "impression", "click", "click", "comment", "leave"}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			select {
			case <-ctx.Done():
				return
			case <-time.After(interval * time.Duration(w) / time.Duration(workers)):
			}
			t := time.NewTicker(interval)
			defer t.Stop()
			var buf bytes.Buffer
			for n := 0; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				buf.Reset()
				now := time.Now().UnixMilli()
				for i := 0; i < batch; i++ {
					typ := types[rand.IntN(len(types))]
					fmt.Fprintf(&buf, `{"id":"%sw%d-%d-%d","type":"%s","ts":%d,"room":"r%d","user":"u%d","product":"p%d","text":"有S码吗"}`+"\n",
						prefix, w, n, i, typ, now, 1+rand.IntN(4), rand.IntN(50000), rand.IntN(40))
				}
				if postEvents(client, url, key, buf.Bytes()) == nil {
					sent.Add(batch)
				}
			}
		}()
	}
	wg.Wait()
	return sent.Load()
}

// postEvents sends one NDJSON body to the ingest API at url (benchPost) and fails unless it
// answers 200.
func postEvents(client *http.Client, url, key string, body []byte) error {
	status, _, _, err := benchPost(context.Background(), client, url, key, body)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("ingest answered %d", status)
	}
	return err
}

// loadProcess runs bench-load as a child process against url for d, its ids prefixed with prefix,
// and returns the events it had acknowledged.
func loadProcess(ctx context.Context, url, key, prefix string, rate int, d time.Duration) (int64, error) {
	if rate == 0 {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
		return 0, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, exe, "bench-load", "--url", url, "--key", key, "--prefix", prefix,
		"--rate", strconv.Itoa(rate), "--duration", d.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("bench-load: %w", err)
	}
	line := strings.TrimSpace(string(out))
	n, err := strconv.ParseInt(strings.TrimPrefix(line, "sent "), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bench-load answered %q", line)
	}
	return n, nil
}
