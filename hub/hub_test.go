package hub

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

var quietLog = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))

// hubServer serves hub websockets for shop "s1" at /ws/:room (and /ws for shop-wide).
func hubServer(t testing.TB, rdb redis.UniversalClient) (*Hub, string) {
	t.Helper()
	h, err := New(context.Background(), rdb, quietLog)
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	serve := websocket.New(func(c *websocket.Conn) { h.Serve(c, "s1", c.Params("room")) })
	app.Get("/ws/:room", serve)
	app.Get("/ws", serve)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() {
		h.Close()
		_ = app.ShutdownWithTimeout(5 * time.Second)
	})
	return h, "ws://" + ln.Addr().String()
}

func dial(t testing.TB, url string) *fws.Conn {
	t.Helper()
	c, _, err := fws.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClients waits until the hub has n clients registered.
func waitClients(t testing.TB, h *Hub, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.Stats().Clients != n {
		if time.Now().After(deadline) {
			t.Fatalf("hub has %d clients, want %d", h.Stats().Clients, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHubManyClientsIdenticalBytes(t *testing.T) {
	_, rdb := localtest.Redis(t)
	h, url := hubServer(t, rdb)
	const n, msgs = 50, 20
	conns := make([]*fws.Conn, n)
	for i := range conns {
		conns[i] = dial(t, url+"/ws/r1")
	}
	waitClients(t, h, n)
	ctx := context.Background()
	// A client registers, then reads the latest message of each kind, and skips live messages
	// that burst already covered: one that connects while messages flow starts from the latest
	// state, not from the first message. Wait until every client has its connect burst behind it
	// (a warm-up message, received live or as the latest), so each then receives all msgs.
	if err := h.Publish(ctx, "s1", "r1", "warm", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, b, err := c.ReadMessage(); err != nil || EnvelopeSeq(b) != 1 {
			t.Fatalf("client %d warm-up: %s %v", i, b, err)
		}
	}
	for i := 0; i < msgs; i++ {
		if err := h.Publish(ctx, "s1", "r1", "tick", []byte(fmt.Sprintf(`{"i":%d,"t":"中文"}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	got := make([][][]byte, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for len(got[i]) < msgs {
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, b, err := c.ReadMessage()
				if err != nil {
					return
				}
				got[i] = append(got[i], b)
			}
		}()
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != msgs {
			t.Fatalf("client %d got %d messages, want %d", i, len(got[i]), msgs)
		}
		for j := range got[i] {
			if !bytes.Equal(got[i][j], got[0][j]) {
				t.Fatalf("client %d message %d differs: %s vs %s", i, j, got[i][j], got[0][j])
			}
		}
	}
	want := `{"seq":2,"kind":"tick","room":"r1","data":{"i":0,"t":"中文"}}`
	if string(got[0][0]) != want {
		t.Fatalf("envelope = %s, want %s", got[0][0], want)
	}
	if EnvelopeSeq(got[0][msgs-1]) != msgs+1 {
		t.Fatalf("last seq = %d", EnvelopeSeq(got[0][msgs-1]))
	}
}

func TestHubLatestOfEachKindFirst(t *testing.T) {
	_, rdb := localtest.Redis(t)
	h, url := hubServer(t, rdb)
	ctx := context.Background()
	for _, m := range []struct{ kind, body string }{{"tick", `1`}, {"stage", `"a"`}, {"tick", `2`}} {
		if err := h.Publish(ctx, "s1", "r1", m.kind, []byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.PublishShop(ctx, "s1", "notify", []byte(`{"task":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if err := h.Publish(ctx, "s1", "other", "tick", []byte(`9`)); err != nil {
		t.Fatal(err)
	}
	c := dial(t, url+"/ws/r1")
	var got []string
	for len(got) < 3 {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(b))
	}
	want := []string{
		`{"seq":1,"kind":"notify","room":"","data":{"task":"x"}}`,
		`{"seq":2,"kind":"stage","room":"r1","data":"a"}`,
		`{"seq":3,"kind":"tick","room":"r1","data":2}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	waitClients(t, h, 1)
	if err := h.Publish(ctx, "s1", "r1", "tick", []byte(`3`)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil || string(b) != `{"seq":4,"kind":"tick","room":"r1","data":3}` {
		t.Fatalf("live message = %s, %v", b, err)
	}
	if err := h.Publish(ctx, "s1", "r1", "tick", []byte(`{bad`)); err == nil {
		t.Fatal("publish accepted a body that is not JSON")
	}
}

func TestHubStalledClientDroppedOthersKeepUp(t *testing.T) {
	_, rdb := localtest.Redis(t)
	h, url := hubServer(t, rdb)
	h.ClientBuffer = 8
	stalled := dial(t, url+"/ws/r1") // never reads
	const n = 10
	conns := make([]*fws.Conn, n)
	for i := range conns {
		conns[i] = dial(t, url+"/ws/r1")
	}
	waitClients(t, h, n+1)
	big := []byte(`"` + strings.Repeat("x", 256<<10) + `"`) // 256 KB: fills socket buffers fast
	const msgs = 200
	counts := make([]int, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for counts[i] < msgs {
				_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
				counts[i]++
			}
		}()
	}
	ctx := context.Background()
	start := time.Now()
	// 100 messages a second: a hundred times the tick rate, yet paced, so a healthy reader on a
	// busy 2-core machine is never 8 messages behind while the stalled one surely is.
	pace := time.NewTicker(10 * time.Millisecond)
	defer pace.Stop()
	for i := 0; i < msgs; i++ {
		<-pace.C
		if err := h.Publish(ctx, "s1", "r1", "tick", big); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	t.Logf("%d readers got %d × 256 KB in %v", n, msgs, time.Since(start))
	for i, k := range counts {
		if k != msgs {
			t.Fatalf("reader %d got %d of %d messages", i, k, msgs)
		}
	}
	if st := h.Stats(); st.Dropped != 1 {
		t.Fatalf("dropped = %d, want exactly the stalled client", st.Dropped)
	}
	waitClients(t, h, n)
	_ = stalled
}

func TestHubTwoInstancesOneRedis(t *testing.T) {
	_, rdb := localtest.Redis(t)
	rdb2 := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
	t.Cleanup(func() { rdb2.Close() })
	a, _ := hubServer(t, rdb)
	b, urlB := hubServer(t, rdb2)
	c := dial(t, urlB+"/ws/r1")
	shop := dial(t, urlB+"/ws")
	waitClients(t, b, 2)
	if err := a.Publish(context.Background(), "s1", "r1", "tick", []byte(`{"from":"a"}`)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, msg, err := c.ReadMessage()
	if err != nil || string(msg) != `{"seq":1,"kind":"tick","room":"r1","data":{"from":"a"}}` {
		t.Fatalf("client of instance b got %s, %v", msg, err)
	}
	if err := a.PublishShop(context.Background(), "s1", "notify", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
	for _, conn := range []*fws.Conn{c, shop} {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := conn.ReadMessage()
		if err != nil || string(msg) != `{"seq":1,"kind":"notify","room":"","data":1}` {
			t.Fatalf("shop message = %s, %v", msg, err)
		}
	}
}

// An idle socket costs the hub one goroutine (its handler, reading); writes run in a flusher
// goroutine only while frames are queued, and pings come from the hub's one loop, queued in
// order with the messages.
func TestHubIdleSocketOneGoroutinePingsQueued(t *testing.T) {
	_, rdb := localtest.Redis(t)
	h, url := hubServer(t, rdb)
	ctx := context.Background()
	const n = 100
	before := runtime.NumGoroutine()
	conns := make([]*fws.Conn, n)
	pings := make([]int, n)
	for i := range conns {
		conns[i] = dial(t, url+"/ws/r1")
		conns[i].SetPingHandler(func(string) error { pings[i]++; return nil })
	}
	waitClients(t, h, n)
	read := func(seq int64) {
		t.Helper()
		for i, c := range conns {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, b, err := c.ReadMessage(); err != nil || EnvelopeSeq(b) != seq {
				t.Fatalf("client %d: %s %v", i, b, err)
			}
		}
	}
	if err := h.Publish(ctx, "s1", "r1", "tick", []byte(`1`)); err != nil {
		t.Fatal(err)
	}
	read(1)
	var d int
	for i := 0; i < 200; i++ { // a flusher ends right after its write
		if d = runtime.NumGoroutine() - before; d <= n+n/4 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if d > n+n/4 {
		t.Fatalf("%d idle sockets hold %d goroutines", n, d)
	}
	for i := range h.slots {
		h.ping(i)
	}
	if err := h.Publish(ctx, "s1", "r1", "tick", []byte(`2`)); err != nil {
		t.Fatal(err)
	}
	read(2) // the ping, queued first, came first: its handler ran inside ReadMessage
	for i, p := range pings {
		if p != 1 {
			t.Fatalf("client %d got %d pings after one round of slots", i, p)
		}
	}
}

// The hub's loop writes to a socket that keeps up without touching its write deadline, so the
// deadline lapses on a busy socket; the next message must still arrive (a flusher pushes the
// deadline out), not kill the socket.
func TestHubLapsedWriteDeadlineKeepsSocket(t *testing.T) {
	_, rdb := localtest.Redis(t)
	h, url := hubServer(t, rdb)
	c := dial(t, url+"/ws/r1")
	waitClients(t, h, 1)
	h.mu.RLock()
	for _, set := range h.slots {
		for cl := range set {
			cl.mu.Lock() // idle: the writer state is the lock holder's
			cl.deadline = time.Now().Add(-time.Second)
			_ = cl.out.SetWriteDeadline(cl.deadline)
			cl.mu.Unlock()
		}
	}
	h.mu.RUnlock()
	time.Sleep(burstDedup) // past the connect burst: the loop writes directly
	for seq := int64(1); seq <= 2; seq++ {
		if err := h.Publish(context.Background(), "s1", "r1", "tick", []byte(`1`)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, b, err := c.ReadMessage(); err != nil || EnvelopeSeq(b) != seq {
			t.Fatalf("message %d: %s %v", seq, b, err)
		}
	}
}
