package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	fws "github.com/fasthttp/websocket"
)

// runBenchClients is bench-live's client process (a hidden command): it opens --clients
// websockets spread over --rooms rooms against --url (where "{room}" stands for the room, r0 …
// r<R-1>), speaking livedesk's hub protocol or Centrifugo's JSON protocol, and reports the
// delivery latency of every message carrying a "sent" time (Unix ns: when its round of
// publishes began) and a "call" time (when its own publish call began). The clients run in
// their own process so that neither it nor the server holds both ends of 10,000 sockets.
//
// Protocol with the parent, one line each way:
//
//	→ "ready N"                      every socket is open and has its first frame (the latest
//	                                 message on livedesk, the subscribe reply on Centrifugo)
//	← "collect WANT TIMEOUT_MS"      wait for WANT latencies (or the timeout), then
//	→ "lat CLOSED L1/C1 L2/C2 …"     latencies in µs since the last collect, from "sent" (L) and
//	                                 from "call" (C), and the sockets closed so far
//
// Closing stdin closes the sockets and ends the process.
func runBenchClients(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench-clients", "bench-clients --url U --proto livedesk|centrifugo --clients N --rooms R", stderr)
	url := fs.String("url", "", `websocket URL; "{room}" is replaced by the room (livedesk)`)
	proto := fs.String("proto", "livedesk", "livedesk or centrifugo")
	n := fs.Int("clients", 2000, "websockets to open")
	rooms := fs.Int("rooms", 1, "rooms the sockets are spread over (socket i joins room i mod R)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *url == "" || *n <= 0 || *rooms <= 0 || (*proto != "livedesk" && *proto != "centrifugo") {
		return errors.New("bench-clients: --url, --proto livedesk|centrifugo, positive --clients and --rooms")
	}
	if err := raiseFileLimit(*n + 64); err != nil {
		return fmt.Errorf("bench-clients: %w", err)
	}
	bc := &benchClients{proto: *proto}
	if err := bc.open(*url, *n, *rooms); err != nil {
		bc.closeAll()
		return err
	}
	defer bc.closeAll()
	out := bufio.NewWriterSize(stdout, 1<<20)
	fmt.Fprintf(out, "ready %d\n", *n)
	if err := out.Flush(); err != nil {
		return err
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var want, ms int
		if _, err := fmt.Sscanf(sc.Text(), "collect %d %d", &want, &ms); err != nil {
			return fmt.Errorf("bench-clients: bad command %q", sc.Text())
		}
		lat := bc.collect(want, time.Duration(ms)*time.Millisecond)
		fmt.Fprintf(out, "lat %d", bc.closed.Load())
		for _, l := range lat {
			out.WriteByte(' ')
			out.WriteString(strconv.FormatInt(l.sent, 10))
			out.WriteByte('/')
			out.WriteString(strconv.FormatInt(l.call, 10))
		}
		out.WriteByte('\n')
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// benchClients is the sockets of one client process and the latencies they noted.
type benchClients struct {
	proto  string
	conns  []*fws.Conn
	closed atomic.Int64

	mu  sync.Mutex
	lat []clientLat // since the last collect
}

// clientLat is one delivery's latency in µs from its round's start and from its publish call.
type clientLat struct{ sent, call int64 }

// open dials n sockets 64 at a time and waits for each one's first frame. Each socket's one
// goroutine dials, reads the first frame and then reads on, so the measured messages find it
// warm (grown stack, buffers) on both servers alike.
func (bc *benchClients) open(url string, n, rooms int) error {
	bc.conns = make([]*fws.Conn, n)
	dialer := &fws.Dialer{HandshakeTimeout: 60 * time.Second, ReadBufferSize: 16 << 10, WriteBufferSize: 1024}
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	for i := 0; i < n && failed.Load() == nil; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			room := "r" + strconv.Itoa(i%rooms)
			c, err := bc.dial(dialer, url, room)
			<-sem
			if err != nil {
				err = fmt.Errorf("bench-clients: socket %d (room %s): %w", i, room, err)
				failed.CompareAndSwap(nil, &err)
				wg.Done()
				return
			}
			bc.conns[i] = c
			wg.Done()
			bc.read(c)
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return *err
	}
	return nil
}

// dial opens one socket and reads its first frame: on livedesk the room's latest message (the
// bench publishes one to every room before connecting), on Centrifugo the connect and subscribe
// replies.
func (bc *benchClients) dial(d *fws.Dialer, url, room string) (*fws.Conn, error) {
	c, _, err := d.Dial(strings.ReplaceAll(url, "{room}", room), nil)
	if err != nil {
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	if bc.proto == "centrifugo" {
		for i, cmd := range []string{`{"id":1,"connect":{}}`, `{"id":2,"subscribe":{"channel":"` + room + `"}}`} {
			if err := c.WriteMessage(fws.TextMessage, []byte(cmd)); err != nil {
				c.Close()
				return nil, err
			}
			_, b, err := c.ReadMessage()
			if err != nil {
				c.Close()
				return nil, err
			}
			if !bytes.Contains(b, []byte(fmt.Sprintf(`"id":%d`, i+1))) || bytes.Contains(b, []byte(`"error"`)) {
				c.Close()
				return nil, fmt.Errorf("centrifugo answered %s", b)
			}
		}
	} else if _, _, err := c.ReadMessage(); err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetReadDeadline(time.Time{})
	return c, nil
}

// read notes the latency of every message carrying "sent" until the socket closes. Centrifugo
// may put several replies in one frame (one per line) and pings as "{}", answered with "{}".
func (bc *benchClients) read(c *fws.Conn) {
	defer bc.closed.Add(1)
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now().UnixNano()
		for len(b) > 0 {
			line := b
			if i := bytes.IndexByte(b, '\n'); i >= 0 {
				line, b = b[:i], b[i+1:]
			} else {
				b = nil
			}
			if bc.proto == "centrifugo" && string(line) == "{}" {
				_ = c.WriteMessage(fws.TextMessage, []byte("{}"))
				continue
			}
			if sent := stampOf(line, "sent"); sent > 0 {
				l := clientLat{sent: (now - sent) / 1000, call: (now - stampOf(line, "call")) / 1000}
				bc.mu.Lock()
				bc.lat = append(bc.lat, l)
				bc.mu.Unlock()
			}
		}
	}
}

// collect waits until want latencies were noted (or d passed) and hands them over.
func (bc *benchClients) collect(want int, d time.Duration) []clientLat {
	deadline := time.Now().Add(d)
	for {
		bc.mu.Lock()
		if len(bc.lat) >= want || time.Now().After(deadline) {
			lat := bc.lat
			bc.lat = nil
			bc.mu.Unlock()
			return lat
		}
		bc.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
}

func (bc *benchClients) closeAll() {
	for _, c := range bc.conns {
		if c != nil {
			c.Close()
		}
	}
}

// raiseFileLimit raises this process's open-file limit to its hard limit and fails when even
// that is below need (10,000 sockets need 10,000 descriptors on each side).
func raiseFileLimit(need int) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return fmt.Errorf("open-file limit: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return fmt.Errorf("raise open-file limit to %d: %w", l.Max, err)
		}
	}
	if l.Cur < uint64(need) {
		return fmt.Errorf("open-file hard limit %d is below the %d this needs (raise it: ulimit -Hn, LimitNOFILE)", l.Max, need)
	}
	return nil
}
