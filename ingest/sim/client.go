package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// Client posts events to a livedesk server's POST /api/v1/events, as any producer would.
type Client struct {
	URL     string // base URL, e.g. http://127.0.0.1:8080
	Key     string // API key (Bearer)
	HTTP    *http.Client
	Retries int // attempts on 429, 503 and connection errors before giving up (default 20)
}

// ErrRejected is returned when the server refuses a request for good (400 with nothing valid,
// 401, 413 …); the body's message is part of the wrapped error.
var ErrRejected = errors.New("sim: request refused")

// Post sends one NDJSON body and returns the server's counts. It retries on 429 and 503,
// waiting as Retry-After says, and on connection errors (a restarting server) and a load
// balancer's 502/504 (its instance died) with backoff.
func (c *Client) Post(ctx context.Context, body []byte) (ingest.Result, error) {
	var res ingest.Result
	retries := c.Retries
	if retries <= 0 {
		retries = 20
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.URL, "/")+"/api/v1/events", bytes.NewReader(body))
		if err != nil {
			return res, fmt.Errorf("sim: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+c.Key)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := hc.Do(req)
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			wait = backoff
			backoff = min(backoff*2, 5*time.Second)
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusBadRequest && bytes.Contains(b, []byte(`"rejected"`)):
				res = ingest.Result{}
				if err := json.Unmarshal(b, &res); err != nil {
					return res, fmt.Errorf("sim: response %d is not JSON: %.200s", resp.StatusCode, b)
				}
				return res, nil
			case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
				wait = retryAfter(resp.Header.Get("Retry-After"))
				err = fmt.Errorf("sim: server busy (%d): %.200s", resp.StatusCode, b)
			case resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout:
				// A load balancer whose instance died mid-request: nothing was acknowledged, and
				// what the instance did store makes the resend a duplicate, not a second copy.
				wait = backoff
				backoff = min(backoff*2, 5*time.Second)
				err = fmt.Errorf("sim: gateway (%d): %.200s", resp.StatusCode, b)
			default:
				return res, fmt.Errorf("%w: %d %.300s", ErrRejected, resp.StatusCode, b)
			}
		}
		if attempt >= retries {
			return res, fmt.Errorf("sim: gave up after %d attempts: %w", attempt, err)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// PostEvents encodes events as NDJSON and posts them in requests of at most batch events
// (default 5,000), adding up the counts.
func (c *Client) PostEvents(ctx context.Context, events []ingest.Event, batch int) (ingest.Result, error) {
	if batch <= 0 {
		batch = 5000
	}
	var total ingest.Result
	var body []byte
	for len(events) > 0 {
		n := min(batch, len(events))
		body = body[:0]
		for i := range events[:n] {
			body = AppendJSON(body, &events[i])
		}
		res, err := c.Post(ctx, body)
		total.Accepted += res.Accepted
		total.Duplicates += res.Duplicates
		total.Rejected += res.Rejected
		total.Errors = append(total.Errors, res.Errors...)
		if err != nil {
			return total, err
		}
		events = events[n:]
	}
	return total, nil
}

// retryAfter reads a Retry-After in seconds (default 1 s, at most 30 s).
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return time.Second
	}
	return time.Duration(min(n, 30)) * time.Second
}
