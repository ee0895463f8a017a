package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/redis/go-redis/v9"
)

// Hub fans messages out to the websockets of a room on every instance. Publish goes through Redis
// (sequence number, latest-of-kind, PUBLISH in one script); every instance's Hub has one pattern
// subscription and hands the SAME received bytes to each local websocket of the room without ever
// blocking: a client whose send buffer is full is dropped.
//
// Envelope, built once in Redis: {"seq":N,"kind":"tick","room":"r1","data":<body>}. seq is per
// room and increases by one for every message of the room (any kind); shop-wide messages carry
// room "" and their own per-shop seq, so a page tracks the last seq per envelope room.
type Hub struct {
	rdb redis.UniversalClient
	log *slog.Logger
	// ClientBuffer is the number of messages queued per client before it is dropped (default 64).
	ClientBuffer int

	mu        sync.RWMutex
	clients   map[shardKey]map[*client]struct{} // (channel, shard) → clients
	slots     [pingSlots]map[*client]struct{}   // every client, in its ping slot
	next      int                               // ping slot of the next client
	nextShard int                               // delivery shard of the next client

	// shards are the delivery goroutines, one per core: each writes a frame to its share of the
	// channel's clients (a client belongs to one shard, so its frames stay in order), so a
	// message to 10,000 sockets is written on every core instead of by the loop alone.
	shards  []chan *frame
	shardWG sync.WaitGroup

	ps      *redis.PubSub
	done    chan struct{}
	stopped chan struct{}

	connected atomic.Int64
	dropped   atomic.Int64
	delivered atomic.Int64
}

// Stats counts what the hub did since it started.
type Stats struct {
	Clients   int   // connected now
	Delivered int64 // messages queued to clients
	Dropped   int64 // clients dropped for being too slow
}

// publishScript builds the envelope, stores it as the latest of its kind and publishes it, in one
// round trip. KEYS: seq, latest. ARGV: kind (JSON string), room (JSON string), body, kind, channel.
var publishScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 2592000)
local msg = '{"seq":' .. n .. ',"kind":' .. ARGV[1] .. ',"room":' .. ARGV[2] .. ',"data":' .. ARGV[3] .. '}'
redis.call('HSET', KEYS[2], ARGV[4], msg)
redis.call('EXPIRE', KEYS[2], 86400)
redis.call('PUBLISH', ARGV[5], msg)
return n
`)

// subscribeFor is how long New retries its subscription before giving up.
const subscribeFor = 15 * time.Second

// New subscribes to every room channel and starts delivering. Close stops it.
func New(ctx context.Context, rdb redis.UniversalClient, log *slog.Logger) (*Hub, error) {
	if log == nil {
		log = slog.Default()
	}
	h := &Hub{rdb: rdb, log: log, ClientBuffer: 64, clients: map[shardKey]map[*client]struct{}{},
		done: make(chan struct{}), stopped: make(chan struct{})}
	for i := range h.slots {
		h.slots[i] = map[*client]struct{}{}
	}
	h.shards = make([]chan *frame, max(1, runtime.GOMAXPROCS(0)))
	h.ps = rdb.PSubscribe(ctx, channelPattern)
	// Receive confirms the subscription, so nothing published after New returns is missed. It
	// is retried for a while: right after a Redis Cluster failover the client's slot map still
	// names the dead master until its next reload (at most 10 s later), and each retry dials
	// afresh from the map.
	deadline := time.Now().Add(subscribeFor)
	for {
		_, err := h.ps.Receive(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			h.ps.Close()
			return nil, fmt.Errorf("hub: subscribe: %w", err)
		}
		log.Warn("hub: subscribe failed, retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	for i := range h.shards {
		h.shards[i] = make(chan *frame, shardQueue)
		h.shardWG.Add(1)
		go h.deliverShard(i)
	}
	go h.run()
	track(h, true)
	return h, nil
}

// shardKey names the clients of one channel in one delivery shard.
type shardKey struct {
	channel string
	shard   int
}

// shardQueue is how many frames may wait for a delivery shard before the loop waits for it.
const shardQueue = 1024

// Publish sends one message to every websocket of (shop, room) on every instance. body must be
// JSON (it is embedded as "data"). The envelope is kept as the latest of its kind for the room,
// so a client that connects later gets it first.
func (h *Hub) Publish(ctx context.Context, shop, room, kind string, body []byte) error {
	if room == "" {
		return errors.New("hub: publish: empty room (use PublishShop)")
	}
	tag := livedesk.RoomTag(shop, room)
	return h.publish(ctx, tag, room, kind, body, channelRoom(shop, room))
}

// PublishPrompter sends a message to the room's prompter sockets (ServePrompter): the anchor's,
// which must not see the control room's data. It has its own sequence and latest-of-kind keys,
// so a prompter page sees a gapless sequence of only what it may see. Publishers send the
// prompter its own, smaller body (the prompter's tick, the stage).
func (h *Hub) PublishPrompter(ctx context.Context, shop, room, kind string, body []byte) error {
	if room == "" {
		return errors.New("hub: publish prompter: empty room")
	}
	return h.publish(ctx, prompterTag(shop, room), room, kind, body, channelPrompter(shop, room))
}

// PublishShop sends a message of kind to every page of the shop (every room socket and the
// shop-wide socket). The envelope's room is "".
func (h *Hub) PublishShop(ctx context.Context, shop, kind string, body []byte) error {
	return h.publish(ctx, livedesk.ShopTag(shop), "", kind, body, channelShop(shop))
}

func (h *Hub) publish(ctx context.Context, tag, room, kind string, body []byte, channel string) error {
	if !json.Valid(body) {
		return fmt.Errorf("hub: publish %s %s: body is not JSON", tag, kind)
	}
	k, _ := json.Marshal(kind)
	r, _ := json.Marshal(room)
	err := publishScript.Run(ctx, h.rdb, []string{seqKey(tag), latestKey(tag)},
		string(k), string(r), body, kind, channel).Err()
	if err != nil {
		return fmt.Errorf("hub: publish %s %s: %w", tag, kind, err)
	}
	return nil
}

// run is the one receive loop; it also pings one slot of clients per tick. It never blocks on
// a client: deliver and ping drop clients that are full.
func (h *Hub) run() {
	defer close(h.stopped)
	defer func() {
		for _, q := range h.shards {
			close(q)
		}
	}()
	ch := h.ps.Channel(redis.WithChannelSize(10000))
	ping := time.NewTicker(pingEvery / pingSlots)
	defer ping.Stop()
	slot := 0
	for {
		select {
		case <-h.done:
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			h.deliver(m.Channel, []byte(m.Payload))
		case <-ping.C:
			h.ping(slot)
			slot = (slot + 1) % pingSlots
		}
	}
}

// ping queues a ping to every client of a ping slot.
func (h *Hub) ping(slot int) {
	h.mu.RLock()
	var slow []*client
	for c := range h.slots[slot] {
		if !c.offer(pingFrame) {
			slow = append(slow, c)
		}
	}
	h.mu.RUnlock()
	h.dropSlow(slow, "")
}

// deliver frames b once and hands it to every delivery shard holding clients of channel.
func (h *Hub) deliver(channel string, b []byte) {
	var f *frame
	h.mu.RLock()
	for i := range h.shards {
		if len(h.clients[shardKey{channel, i}]) == 0 {
			continue
		}
		h.mu.RUnlock()
		if f == nil {
			f = newFrame(channel, b)
		}
		h.shards[i] <- f
		h.mu.RLock()
	}
	h.mu.RUnlock()
}

// deliverShard writes each frame of shard i's queue to the shard's clients of its channel: at
// once to the sockets that keep up, queued for the others (client.offer).
func (h *Hub) deliverShard(i int) {
	defer h.shardWG.Done()
	for f := range h.shards[i] {
		h.mu.RLock()
		var slow []*client
		for c := range h.clients[shardKey{f.channel, i}] {
			if c.offer(f) {
				h.delivered.Add(1)
			} else {
				slow = append(slow, c)
			}
		}
		h.mu.RUnlock()
		h.dropSlow(slow, f.channel)
	}
}

// dropSlow kills clients whose queue was full.
func (h *Hub) dropSlow(slow []*client, channel string) {
	for _, c := range slow {
		if c.kill() {
			h.dropped.Add(1)
			droppedTotal.Inc()
			h.log.Warn("hub:  dropped a slow client", "channel", channel)
		}
	}
}

// Stats reports the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{Clients: int(h.connected.Load()), Delivered: h.delivered.Load(), Dropped: h.dropped.Load()}
}

// Close stops the subscription and closes every client.
func (h *Hub) Close() {
	select {
	case <-h.done:
		return
	default:
	}
	close(h.done)
	track(h, false)
	h.ps.Close()
	<-h.stopped
	h.shardWG.Wait()
	h.mu.Lock()
	var all []*client
	for _, set := range h.clients {
		for c := range set {
			all = append(all, c)
		}
	}
	h.mu.Unlock()
	for _, c := range all {
		c.kill()
	}
}

// add registers c; it counts in Stats only once it receives deliveries (a test that waits for n
// clients and then publishes must not lose a message to the last one).
func (h *Hub) add(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.shard = h.nextShard
	h.nextShard = (h.nextShard + 1) % len(h.shards)
	for _, ch := range c.channels {
		k := shardKey{ch, c.shard}
		set := h.clients[k]
		if set == nil {
			set = map[*client]struct{}{}
			h.clients[k] = set
		}
		set[c] = struct{}{}
	}
	c.slot = h.next
	h.next = (h.next + 1) % pingSlots
	h.slots[c.slot][c] = struct{}{}
	h.connected.Add(1)
}

func (h *Hub) remove(c *client) {
	h.connected.Add(-1)
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.slots[c.slot], c)
	for _, ch := range c.channels {
		k := shardKey{ch, c.shard}
		delete(h.clients[k], c)
		if len(h.clients[k]) == 0 {
			delete(h.clients, k)
		}
	}
}

// EnvelopeSeq returns N of an envelope starting {"seq":N,: the per-room sequence clients use to
// detect a missed message (0 when malformed).
func EnvelopeSeq(b []byte) int64 {
	const p = `{"seq":`
	if len(b) < len(p) || string(b[:len(p)]) != p {
		return 0
	}
	var n int64
	for _, c := range b[len(p):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// Latest returns the latest published envelope of kind for the room (room "" = the shop-wide
// messages), nil when none was published yet.
func (h *Hub) Latest(ctx context.Context, shop, room, kind string) ([]byte, error) {
	tag := livedesk.ShopTag(shop)
	if room != "" {
		tag = livedesk.RoomTag(shop, room)
	}
	b, err := h.rdb.HGet(ctx, latestKey(tag), kind).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hub: latest %s %s/%s: %w", kind, shop, room, err)
	}
	return b, nil
}
