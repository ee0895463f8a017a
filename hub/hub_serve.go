package hub

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"

	fws "github.com/fasthttp/websocket"
	"github.com/gofiber/contrib/websocket"
	"github.com/livedesk/livedesk"
	"github.com/redis/go-redis/v9"
)

// Timings of a hub connection.
const (
	pingEvery  = 20 * time.Second // each socket's; the hub pings one slot every pingEvery/pingSlots
	pongWait   = 60 * time.Second // a client silent (no pong, no message) this long is closed
	writeWait  = 10 * time.Second
	latestWait = 3 * time.Second
)

// frame is one message as it goes on the wire: a websocket text frame (header + envelope), or a
// control frame, built once and written as-is to every socket of the channel (one write
// syscall each). Never modified after it is built.
type frame struct {
	channel string
	seq     int64 // 0 for control frames
	b       []byte
}

// newFrame frames envelope b of channel once for every socket: an unmasked, final text frame.
func newFrame(channel string, b []byte) *frame {
	return &frame{channel: channel, seq: EnvelopeSeq(b), b: appendFrame(make([]byte, 0, len(b)+10), 0x1, b)}
}

// appendFrame appends a final, unmasked (server → client) frame of opcode with payload p.
func appendFrame(dst []byte, opcode byte, p []byte) []byte {
	dst = append(dst, 0x80|opcode)
	switch n := len(p); {
	case n < 126:
		dst = append(dst, byte(n))
	case n <= 0xffff:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, p...)
}

// pingFrame is the hub's ping, shared by every socket.
var pingFrame = &frame{b: appendFrame(nil, 0x9, nil)}

// pingSlots spreads the pings: every pingEvery/pingSlots the hub pings one slot's clients, so
// 10,000 sockets never take their pings in one burst that would delay a message.
const pingSlots = 20

// client is one websocket. Its handler goroutine reads (pongs, the close) through fws; every
// write goes raw to out, by whichever goroutine holds the writer role (writing, handed over
// under mu): the handler for the connect burst; the hub's loop, which writes a frame to an idle
// socket itself with one non-blocking attempt; a flusher goroutine, started only when frames
// wait or the attempt could not write everything. An idle socket thus costs one goroutine and
// no timer, and a message to a socket that keeps up costs one syscall and no goroutine wakeup.
// kill may run anywhere.
type client struct {
	channels []string
	slot     int // ping slot
	shard    int // delivery shard (Hub.shards)
	closed   chan struct{}
	once     sync.Once
	conn     *fws.Conn
	out      net.Conn        // the socket, written raw (fws writes nothing after the upgrade)
	rc       syscall.RawConn // out's descriptor for the non-blocking attempt; nil: always a flusher
	limit    int             // queued frames beyond which the client is dropped as slow
	writers  sync.WaitGroup  // writer-role holders other than the handler; it waits for them

	mu      sync.Mutex
	queue   []*frame // waiting frames
	spare   []*frame // the drained batch's slice, reused
	writing bool     // a goroutine holds the writer role
	gone    bool     // the handler is returning: nothing may write any more

	// Writer state, used only by the goroutine holding the writer role.
	rest     []byte           // the unwritten tail of a frame the hub's loop began
	sent     map[string]int64 // channel → highest seq written
	began    time.Time        // connect time (burstDedup); set before the client is added
	deadline time.Time        // the write deadline set on out
}

// kill closes the connection once; the reader and writer then stop. It reports whether this
// call was the one that closed it.
func (c *client) kill() bool {
	first := false
	c.once.Do(func() {
		first = true
		close(c.closed)
		// fasthttp's hijacked conn ignores Close (the server closes it after the handler
		// returns); an expired deadline is what unblocks a writer stuck on a stalled peer.
		_ = c.out.SetDeadline(time.Now())
		_ = c.conn.Close()
	})
	return first
}

// offer hands f to the socket without ever blocking: written at once when the socket is idle
// and its buffer takes it, else queued for a flusher. false means the queue already holds limit
// frames: the client is too slow.
func (c *client) offer(f *frame) bool {
	c.mu.Lock()
	if c.gone {
		c.mu.Unlock()
		return true
	}
	if c.writing || len(c.queue) > 0 || c.rc == nil {
		if len(c.queue) >= c.limit {
			c.mu.Unlock()
			return false
		}
		c.queue = append(c.queue, f)
		start := !c.writing
		if start {
			c.writing = true
			c.writers.Add(1)
		}
		c.mu.Unlock()
		if start {
			go c.flush()
		}
		return true
	}
	c.writing = true
	c.writers.Add(1)
	c.mu.Unlock()
	// Holding the writer role: the connect burst's dedup applies here as in put. (Sending
	// frames of a socket's first second through a flusher instead cost a goroutine per socket
	// for the first update after a wave of connects: its p99 at 2,000 sockets was 2.5× later
	// ones'.)
	if !c.fresh(f) {
		c.release()
		return true
	}
	n := c.tryWrite(f.b)
	switch {
	case n < 0:
		c.kill() // keeps the writer role: nothing writes again
		c.writers.Done()
	case n < len(f.b):
		c.rest = f.b[n:] // the socket buffer is full: a flusher writes the rest when it drains
		go c.flush()
	default:
		c.release()
	}
	return true
}

// tryWrite makes one non-blocking attempt to write b; it returns the bytes written, or -1 on
// an error other than a full socket buffer.
func (c *client) tryWrite(b []byte) int {
	n := 0
	var werr error
	err := c.rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, e := syscall.Write(int(fd), b[n:])
			if m > 0 {
				n += m
			}
			if e == syscall.EINTR {
				continue
			}
			if e != nil && e != syscall.EAGAIN {
				werr = e
			}
			if e != nil || m <= 0 {
				break
			}
		}
		return true // one attempt: never wait for the socket
	})
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The write deadline only moves when a flusher writes (write), so on a socket the hub's
		// loop kept up with it lapses; the flusher pushes it out again (or finds c killed).
		return 0
	}
	if err != nil || werr != nil {
		return -1
	}
	return n
}

// release gives up the writer role taken by offer, or passes it to a flusher when frames were
// queued meanwhile (a pong from the reader).
func (c *client) release() {
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.writing = false
		c.mu.Unlock()
		c.writers.Done()
		return
	}
	c.mu.Unlock()
	go c.flush()
}

// flush is a flusher goroutine: it holds the writer role (and one count of writers).
func (c *client) flush() {
	defer c.writers.Done()
	if c.rest != nil {
		rest := c.rest
		c.rest = nil
		if !c.write(rest) {
			c.kill()
			return
		}
	}
	c.drain()
}

// drain writes the queued frames, batch by batch, until the queue is empty and then gives up
// the writer role. The caller holds the role. A failed write kills the client and keeps the
// role, so no writer starts again.
func (c *client) drain() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue, c.spare = c.spare[:0], nil
		c.mu.Unlock()
		for i, f := range batch {
			if !c.put(f) {
				c.kill()
				return
			}
			batch[i] = nil
		}
		c.mu.Lock()
		c.spare = batch[:0]
		c.mu.Unlock()
	}
}

// write writes b, blocking, with at least writeWait before a stalled peer fails it. The
// deadline is pushed out to 2×writeWait only when less than writeWait is left, not per write (a
// deadline change takes a runtime lock): one change per writeWait per socket. Only the writer
// role's holder calls it.
func (c *client) write(b []byte) bool {
	if now := time.Now(); c.deadline.Sub(now) < writeWait {
		c.deadline = now.Add(2 * writeWait)
		_ = c.out.SetWriteDeadline(c.deadline)
		// kill expires the deadline after closing closed: checked after the push, a kill is
		// never undone by it.
		select {
		case <-c.closed:
			return false
		default:
		}
	}
	_, err := c.out.Write(b)
	return err == nil
}

// Serve runs one authenticated websocket (already scoped to shop; room "" = shop-wide socket)
// until it closes: the latest message of each kind first (oldest seq first), then live messages;
// ping/pong; a slow client is dropped without delaying others. It returns only once the
// connection is no longer used (the contrib websocket recycles conn after the handler returns).
func (h *Hub) Serve(conn *websocket.Conn, shop, room string) {
	srcs := []source{{channelShop(shop), livedesk.ShopTag(shop)}}
	if room != "" {
		srcs = append(srcs, source{channelRoom(shop, room), livedesk.RoomTag(shop, room)})
	}
	h.serve(conn.Conn, srcs)
}

// ServePrompter is Serve for an anchor's prompter: only the room's prompter stream
// (PublishPrompter), not the room's control-room messages nor the shop's notifications.
func (h *Hub) ServePrompter(conn *websocket.Conn, shop, room string) {
	h.serve(conn.Conn, []source{{channelPrompter(shop, room), prompterTag(shop, room)}})
}

// source is a channel a socket follows and the tag of its latest-of-kind keys.
type source struct{ channel, tag string }

func (h *Hub) serve(conn *fws.Conn, srcs []source) {
	n := h.ClientBuffer
	if n <= 0 {
		n = 64
	}
	// The handler holds the writer role from the start: live frames queue (without a flusher)
	// until the latest ones are written.
	c := &client{closed: make(chan struct{}), conn: conn, out: conn.UnderlyingConn(), limit: n, writing: true,
		sent: map[string]int64{}, began: time.Now()}
	raw := c.out
	if u, ok := raw.(interface{ UnsafeConn() net.Conn }); ok { // fasthttp's hijacked conn
		raw = u.UnsafeConn()
	}
	if sc, ok := raw.(syscall.Conn); ok {
		c.rc, _ = sc.SyscallConn()
	}
	for _, s := range srcs {
		c.channels = append(c.channels, s.channel)
	}
	// fws must never write (its writes would interleave with ours): a ping's pong goes through
	// the queue, a close is not echoed (the socket is closed).
	conn.SetPingHandler(func(data string) error {
		c.offer(&frame{b: appendFrame(nil, 0xA, []byte(data))})
		return nil
	})
	conn.SetCloseHandler(func(int, string) error { return nil })
	// Register before reading the latest messages so nothing published in between is missed;
	// put skips live frames already covered by the latest ones.
	h.add(c)
	ok := true
	for _, f := range h.latestAside(srcs) {
		if ok = c.put(f); !ok {
			break
		}
	}
	if ok {
		c.drain()
		c.read()
	}
	h.remove(c)
	c.kill()
	c.mu.Lock()
	c.gone = true // no writer starts after this
	c.mu.Unlock()
	c.writers.Wait()
}

// read discards what the page sends (it only needs pongs) until the socket closes or stays
// silent pongWait.
func (c *client) read() {
	c.conn.SetReadLimit(4096)
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error {
		return c.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	}
}

// burstDedup is how long after connecting a live frame whose seq is not above what the
// latest-of-kind burst already sent is skipped as a duplicate. Such duplicates were published
// while the burst was read, so they arrive within milliseconds; after this window a lower seq is
// sent (the room's sequence restarted: Redis lost), never dropped, or a page would freeze until
// the new sequence passed the old one.
const burstDedup = time.Second

// put writes one frame unless the connect burst already covered it; only the writer role's
// holder calls it. It reports whether the socket is still good.
func (c *client) put(f *frame) bool {
	if !c.fresh(f) {
		return true
	}
	return c.write(f.b)
}

// fresh reports whether f is still to be written, false when the latest-of-kind burst already
// covered it (a live frame of the socket's first burstDedup with a seq not above what was sent
// on its channel), and records its seq. Only the writer role's holder calls it.
func (c *client) fresh(f *frame) bool {
	if f.seq == 0 || time.Since(c.began) >= burstDedup {
		return true
	}
	if f.seq <= c.sent[f.channel] {
		return false
	}
	c.sent[f.channel] = f.seq
	return true
}

// latestAside is latest run on a goroutine of its own. The socket's goroutine lives as long as
// the socket, and a goroutine's stack keeps the size its deepest call grew it to: the Redis
// client's call chain would double it (stacks were 79 MB at 10,000 sockets).
func (h *Hub) latestAside(srcs []source) []*frame {
	ch := make(chan []*frame, 1)
	go func() { ch <- h.latest(srcs) }()
	return <-ch
}

// latest reads the latest envelope of each kind of every source, oldest seq first per channel. A
// Redis error only means the client waits for the next live message.
func (h *Hub) latest(srcs []source) []*frame {
	ctx, cancel := context.WithTimeout(context.Background(), latestWait)
	defer cancel()
	pipe := h.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(srcs))
	for i, s := range srcs {
		cmds[i] = pipe.HGetAll(ctx, latestKey(s.tag))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		h.log.Warn("hub:  latest", "err", err, "channel", srcs[len(srcs)-1].channel)
		return nil
	}
	var out []*frame
	for i, s := range srcs {
		var fs []*frame
		for _, v := range cmds[i].Val() {
			fs = append(fs, newFrame(s.channel, []byte(v)))
		}
		sort.Slice(fs, func(i, j int) bool { return fs[i].seq < fs[j].seq })
		out = append(out, fs...)
	}
	return out
}
