package ingest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestShopQuotas: a shop over its events per second, or over the Redis memory its remembered
// ids may take, gets 429 with Retry-After and a message naming the limit, nothing of the request
// is stored, and another shop posting at the same time is not affected.
func TestShopQuotas(t *testing.T) {
	h := newHarness(t, 16<<20)
	q := NewQuota(h.rdb, 100, 0)
	q.Burst = 200
	h.svc.Quota = q
	a, b := h.key("a"), h.key("b")
	rate := testutil.ToFloat64(quotaRejections.WithLabelValues("rate"))

	if code, res := h.post(a, lines("x", 150)); code != 200 || num(res, "accepted") != 150 {
		t.Fatalf("within the burst: %d %v", code, res)
	}
	code, resp := h.postRaw(a, lines("y", 100))
	if code != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(resp.body, "100 events per second") {
		t.Fatalf("over the rate: %d %q %s", code, resp.Header.Get("Retry-After"), resp.body)
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 'a'"); n != 150 {
		t.Fatalf("shop a has %d rows; the refused request must store nothing", n)
	}
	if code, res := h.post(b, lines("z", 150)); code != 200 || num(res, "accepted") != 150 {
		t.Fatalf("the other shop: %d %v", code, res)
	}
	if code, _ := h.postRaw(a, lines("big", 300)); code != http.StatusTooManyRequests {
		t.Fatalf("a request larger than the burst: %d", code)
	}
	if got := testutil.ToFloat64(quotaRejections.WithLabelValues("rate")) - rate; got != 2 {
		t.Fatalf("rate rejections rose by %v, want 2", got)
	}

	// Memory: 250 ids remembered at DedupIDBytes; a limit of 300 ids' worth refuses the next 100.
	q = NewQuota(h.rdb, 0, 300*DedupIDBytes)
	q.memoryEvery = 0
	h.svc.Quota = q
	if code, res := h.post(h.key("c"), lines("m", 250)); code != 200 || num(res, "accepted") != 250 {
		t.Fatalf("under the memory quota: %d %v", code, res)
	}
	code, resp = h.postRaw(h.key("c"), lines("n", 100))
	if code != http.StatusTooManyRequests || !strings.Contains(resp.body, "LIVEDESK_SHOP_REDIS_MB") {
		t.Fatalf("over the memory quota: %d %s", code, resp.body)
	}
	if code, res := h.post(h.key("c"), lines("o", 50)); code != 200 || num(res, "accepted") != 50 {
		t.Fatalf("what still fits: %d %v", code, res)
	}
}

// rawResponse is a response's headers and body text.
type rawResponse struct {
	Header http.Header
	body   string
}

// postRaw posts body and returns the status, headers and body text.
func (h *harness) postRaw(key string, body []byte) (int, rawResponse) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/api/v1/events", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, rawResponse{Header: resp.Header, body: string(b)}
}
