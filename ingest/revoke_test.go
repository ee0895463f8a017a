package ingest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// TestStreamKeyRevoked: a key revoked while its stream socket is open stops posting within the
// key cache's TTL, as on a new request; nothing of the refused frame is stored.
func TestStreamKeyRevoked(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	wsURL := "ws" + strings.TrimPrefix(h.url, "http") + "/api/v1/stream"
	conn, _, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Authorization": {"Bearer " + key}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	send := func(f []byte) (streamReply, error) {
		if err := conn.WriteMessage(websocket.TextMessage, f); err != nil {
			return streamReply{}, err
		}
		var got streamReply
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		err := conn.ReadJSON(&got)
		return got, err
	}
	if got, err := send(lines("k1", 5)); err != nil || got.Accepted != 5 {
		t.Fatalf("before revoke: %+v %v", got, err)
	}
	if n, err := h.keys.Revoke(context.Background(), "s1", key[:11]); err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	time.Sleep(keyCacheTTL + 100*time.Millisecond)
	got, err := send(lines("k2", 5))
	if err != nil || got.Accepted != 0 || !strings.Contains(got.Error, "revoked") {
		t.Fatalf("after revoke: %+v %v", got, err)
	}
	if _, _, err := conn.ReadMessage(); err == nil {
		t.Fatal("the socket stays open after its key was revoked")
	}
	if n := h.count("SELECT count() FROM events WHERE shop = 's1'"); n != 5 {
		t.Fatalf("stored %d events, want 5", n)
	}
}

// TestUnknownContentEncoding: only gzip and identity bodies are read; others are 415, not a
// body of rejected lines.
func TestUnknownContentEncoding(t *testing.T) {
	h := newHarness(t, 16<<20)
	key := h.key("s1")
	if code, res := h.post(key, lines("b", 2), "Content-Encoding", "br"); code != http.StatusUnsupportedMediaType || res["error"] == nil {
		t.Fatalf("br: %d %v", code, res)
	}
	if code, res := h.post(key, lines("i", 2), "Content-Encoding", "identity"); code != 200 || res["accepted"] != 2.0 {
		t.Fatalf("identity: %d %v", code, res)
	}
}
