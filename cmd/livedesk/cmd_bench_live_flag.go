package main

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// flagProbe brings a fresh product of room r1 to the default no-sale rule's threshold (100
// clicks, no sale) in one request, then posts the crossing click and records when it was
// posted in crossed[product]; the probe's websocket reader takes the time the flag shows.
func (b *benchLive) flagProbe(client *http.Client, product string, mu *sync.Mutex, crossed map[string]time.Time) {
	var body strings.Builder
	now := time.Now().UnixMilli()
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&body, `{"id":"%s-%d","type":"click","ts":%d,"room":"r1","user":"fu%d","product":"%s"}`+"\n", product, i, now, i, product)
	}
	if err := b.post(client, []byte(body.String())); err != nil {
		fmt.Fprintln(os.Stderr, "bench-live: flag probe:", err)
		return
	}
	t0 := time.Now()
	crossing := fmt.Sprintf(`{"id":"%s-x","type":"click","ts":%d,"room":"r1","user":"fux","product":"%s"}`, product, t0.UnixMilli(), product)
	mu.Lock()
	crossed[product] = t0
	mu.Unlock()
	if err := b.post(client, []byte(crossing)); err != nil {
		fmt.Fprintln(os.Stderr, "bench-live: flag probe:", err)
	}
}

// benchP99 is the 99th percentile of ds (0 when empty); ds is left as it is.
func benchP99(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return pct(s, 0.99)
}

// benchMS formats d in milliseconds.
func benchMS(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// anchorMS labels an anchor's p99 ("" when it was not measured).
func anchorMS(label string, ds []time.Duration) string {
	if len(ds) == 0 {
		return ""
	}
	return label + " " + benchMS(benchP99(ds))
}

// ratioOf is a/b as "0.42×" ("" when b is 0).
func ratioOf(a, b time.Duration) string { return ratio(float64(a), float64(b)) }
