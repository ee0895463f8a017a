package hub

import (
	"context"
	"sort"
	"sync"
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

// frame is one envelope queued to a client. Every client of the channel gets the same *frame:
// pm holds the websocket frame (header + envelope) built once, so a socket's write is one
// syscall copying shared bytes (fasthttp's hijacked conn has no writev, so WriteMessage would
// make two for a message longer than the 1 KB write buffer). Never modified after newFrame.
type frame struct {
	channel string
	seq     int64
	pm      *fws.PreparedMessage
}

// newFrame frames envelope b of channel once for every socket.
func newFrame(channel string, b []byte) (*frame, error) {
	pm, err := fws.NewPreparedMessage(fws.TextMessage, b)
	if err != nil {
		return nil, err
	}
	return &frame{channel: channel, seq: EnvelopeSeq(b), pm: pm}, nil
}

// pingSlots spreads the pings: every pingEvery/pingSlots the hub pings one slot's clients, so
// 10,000 sockets never take their pings in one burst that would delay a message.
const pingSlots = 20

// client is one websocket. Its handler goroutine reads (pongs, the close); writes are done by
// whichever goroutine holds the writer role (writing): the handler for the connect burst, then
// a flusher goroutine started by enqueue that drains the queue and exits. An idle socket thus
// costs one goroutine, not two, and no ping ticker. kill may run anywhere.
type client struct {
	channels []string
	slot     int // ping slot
	closed   chan struct{}
	once     sync.Once
	conn     *fws.Conn
	limit    int            // queued frames beyond which the client is dropped as slow
	flushers sync.WaitGroup // flusher goroutines; the handler waits for them before returning

	mu      sync.Mutex
	queue   []*frame // waiting frames; nil = a ping
	spare   []*frame // the drained batch's slice, reused
	writing bool     // a goroutine holds the writer role

	// Writer state, used only by the goroutine holding the writer role (handed over under mu).
	sent  map[string]int64 // channel → highest seq written
	began time.Time
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
		_ = c.conn.UnderlyingConn().SetDeadline(time.Now())
		_ = c.conn.Close()
	})
	return first
}

// enqueue queues f (nil = a ping) and starts a flusher unless a writer is active. It never
// blocks; false means the queue already holds limit frames: the client is too slow.
func (c *client) enqueue(f *frame) bool {
	c.mu.Lock()
	if len(c.queue) >= c.limit {
		c.mu.Unlock()
		return false
	}
	c.queue = append(c.queue, f)
	start := !c.writing
	if start {
		c.writing = true
		c.flushers.Add(1)
	}
	c.mu.Unlock()
	if start {
		go func() {
			defer c.flushers.Done()
			c.drain()
		}()
	}
	return true
}

// drain writes the queued frames, batch by batch, until the queue is empty and then gives up
// the writer role. The caller holds the role. A failed write kills the client and keeps the
// role, so no flusher starts again.
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
	c := &client{closed: make(chan struct{}), conn: conn, limit: n, writing: true, sent: map[string]int64{}}
	for _, s := range srcs {
		c.channels = append(c.channels, s.channel)
	}
	// Register before reading the latest messages so nothing published in between is missed;
	// put skips live frames already covered by the latest ones.
	h.add(c)
	c.began = time.Now()
	ok := true
	for _, f := range h.latest(srcs) {
		if ok = c.put(f); !ok {
			break
		}
	}
	if ok {
		c.drain()
		c.read()
	}
	h.remove(c) // no enqueue after this: no flusher starts
	c.kill()
	c.flushers.Wait()
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

// put writes one frame (nil = a ping); only the writer role's holder calls it. It reports
// whether the socket is still good.
func (c *client) put(f *frame) bool {
	if f == nil {
		return c.conn.WriteControl(fws.PingMessage, nil, time.Now().Add(writeWait)) == nil
	}
	if f.seq != 0 && f.seq <= c.sent[f.channel] && time.Since(c.began) < burstDedup {
		return true // already covered by the latest-of-kind burst
	}
	c.sent[f.channel] = max(c.sent[f.channel], f.seq)
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
	return c.conn.WritePreparedMessage(f.pm) == nil
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
			f, err := newFrame(s.channel, []byte(v))
			if err != nil {
				continue
			}
			fs = append(fs, f)
		}
		sort.Slice(fs, func(i, j int) bool { return fs[i].seq < fs[j].seq })
		out = append(out, fs...)
	}
	return out
}
