// Package sim generates a realistic, deterministic live stream of one room: viewers arriving and
// leaving in waves, products pinned in turn with impressions, clicks and orders, buyer questions
// in the comments, interactions, ad spend every minute and stock levels. The same Config (seed
// included) always yields the same events with the same ids, so tests can use it for fixtures and
// `livedesk simulate` can post it through the public API.
package sim

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// Config describes one simulated stream.
type Config struct {
	Shop  string    // stamped on events (the server takes the shop from the API key anyway)
	Room  string    // the room every live event belongs to
	Seed  uint64    // the same seed gives the same stream
	Start time.Time // wall time of simulated second 0
	Speed float64   // simulated seconds per wall second (default 1); ts = Start + offset/Speed
}

// Sim is a stream generator. It is not safe for concurrent use.
type Sim struct {
	cfg     Config
	rng     *rand.Rand
	sec     int64 // next simulated second to generate
	seq     int64 // event sequence, part of the id
	orders  int64
	users   int64
	online  []string
	offline []string
	pinned  int   // index into catalog, -1 before the first pin
	slotEnd int64 // simulated second the current pin ends
	stock   []int64
	queue   evHeap
}

// New returns a generator at simulated second 0.
func New(cfg Config) *Sim {
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.Start.IsZero() {
		cfg.Start = time.Unix(0, 0)
	}
	s := &Sim{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, 0x6c697665646573)), pinned: -1}
	s.stock = make([]int64, len(catalog))
	for i, p := range catalog {
		s.stock[i] = p.Stock
	}
	return s
}

// Generate returns every event of the first d of simulated time of cfg's stream.
func Generate(cfg Config, d time.Duration) []ingest.Event {
	return New(cfg).Advance(d)
}

// Advance returns the events whose simulated offset is before to (and after the previous call),
// in time order.
func (s *Sim) Advance(to time.Duration) []ingest.Event {
	toMS := to.Milliseconds()
	for s.sec*1000 < toMS {
		s.second(s.sec)
		s.sec++
	}
	var out []ingest.Event
	for s.queue.Len() > 0 && s.queue[0].at < toMS {
		q := heap.Pop(&s.queue).(queued)
		ev := q.ev
		ev.TS = s.cfg.Start.Add(time.Duration(float64(q.at)/s.cfg.Speed) * time.Millisecond).UTC().Truncate(time.Millisecond)
		out = append(out, ev)
	}
	return out
}

// emit schedules an event at simulated millisecond at; its id is fixed now, so ids follow
// generation order and never depend on timing.
func (s *Sim) emit(at int64, ev ingest.Event) {
	s.seq++
	ev.ID = fmt.Sprintf("sim-%d-%s-%07d", s.cfg.Seed, s.cfg.Room, s.seq)
	ev.Shop = s.cfg.Shop
	ev.Room = s.cfg.Room // orders and stock of a live stream are attributed to its room too
	heap.Push(&s.queue, queued{at: at, seq: s.seq, ev: ev})
}

// within returns a random millisecond inside simulated second sec.
func (s *Sim) within(sec int64) int64 { return sec*1000 + s.rng.Int64N(1000) }

// poisson draws from a Poisson distribution of mean l (normal approximation above 30).
func (s *Sim) poisson(l float64) int {
	if l <= 0 {
		return 0
	}
	if l > 30 {
		n := int(math.Round(l + math.Sqrt(l)*s.rng.NormFloat64()))
		return max(n, 0)
	}
	limit, k, p := math.Exp(-l), 0, 1.0
	for {
		p *= s.rng.Float64()
		if p <= limit {
			return k
		}
		k++
	}
}

// arrivalRate is viewers entering per simulated second: an opening rush, then a base that
// swells in a wave every 8 minutes (traffic pushes, flash sales) and slowly decays.
func arrivalRate(sec int64) float64 {
	switch {
	case sec < 90:
		return 8
	case sec%480 >= 300 && sec%480 < 420:
		return 9
	default:
		return 3.5 + 1.5*math.Sin(float64(sec)/95)
	}
}

// second generates everything that starts in simulated second sec.
func (s *Sim) second(sec int64) {
	s.viewers(sec)
	if sec >= s.slotEnd {
		s.rotatePin(sec)
	}
	s.shopping(sec)
	s.chat(sec)
	s.interactions(sec)
	if sec%10 == 0 {
		s.emit(sec*1000+999, ingest.Event{Type: ingest.TypeOnline, Value: int64(len(s.online))})
	}
	if sec%60 == 59 {
		amount := int64(3000 + s.rng.IntN(5000))
		if r := arrivalRate(sec); r > 8 {
			amount *= 3 // the waves are bought traffic
		}
		s.emit(sec*1000+999, ingest.Event{Type: ingest.TypeAdSpend, Amount: amount})
	}
}

func (s *Sim) viewers(sec int64) {
	for range s.poisson(arrivalRate(sec)) {
		var u string
		if len(s.offline) > 0 && s.rng.IntN(5) == 0 {
			i := s.rng.IntN(len(s.offline))
			u = s.offline[i]
			s.offline[i] = s.offline[len(s.offline)-1]
			s.offline = s.offline[:len(s.offline)-1]
		} else {
			s.users++
			u = fmt.Sprintf("u%06d", s.users)
		}
		s.online = append(s.online, u)
		s.emit(s.within(sec), ingest.Event{Type: ingest.TypeEnter, User: u})
	}
	// Each viewer stays about three minutes on average.
	for range s.poisson(float64(len(s.online)) / 180) {
		if len(s.online) == 0 {
			break
		}
		i := s.rng.IntN(len(s.online))
		u := s.online[i]
		s.online[i] = s.online[len(s.online)-1]
		s.online = s.online[:len(s.online)-1]
		s.offline = append(s.offline, u)
		s.emit(s.within(sec), ingest.Event{Type: ingest.TypeLeave, User: u})
	}
}

// rotatePin unpins the current product and pins the next one for 3–5 minutes (the first slot is
// the no-sale product's).
func (s *Sim) rotatePin(sec int64) {
	at := sec * 1000
	if s.pinned >= 0 {
		s.emit(at, ingest.Event{Type: ingest.TypeUnpin, Product: catalog[s.pinned].ID})
	}
	s.pinned = (s.pinned + 1) % len(catalog)
	p := catalog[s.pinned]
	s.emit(at+1, ingest.Event{Type: ingest.TypePin, Product: p.ID, Text: p.Name, Amount: p.Price})
	s.emit(at+2, ingest.Event{Type: ingest.TypeStock, Product: p.ID, Value: s.stock[s.pinned]})
	if sec == 0 {
		s.slotEnd = noSaleSlot
		return
	}
	s.slotEnd = sec + 180 + s.rng.Int64N(121)
}

// shopping draws impressions (the pinned product is seen by ~3% of viewers a second, the rest of
// the list much less), clicks at each product's CTR and orders at its CVR.
func (s *Sim) shopping(sec int64) {
	n := float64(len(s.online))
	for i, p := range catalog {
		rate := n * 0.0015
		if i == s.pinned {
			rate = n * 0.03
		}
		for range s.poisson(rate) {
			if len(s.online) == 0 {
				return
			}
			u := s.online[s.rng.IntN(len(s.online))]
			at := s.within(sec)
			s.emit(at, ingest.Event{Type: ingest.TypeImpression, Product: p.ID, User: u})
			if s.rng.IntN(1000) >= p.CTR {
				continue
			}
			at += 500 + s.rng.Int64N(8000)
			s.emit(at, ingest.Event{Type: ingest.TypeClick, Product: p.ID, User: u})
			cvr := p.CVR
			if i == 0 && sec < noSaleSlot+120 {
				cvr = 0 // the no-sale scenario
			} else if i == 0 {
				cvr = 20
			}
			if s.rng.IntN(1000) < cvr {
				s.order(at, i, u)
			}
		}
	}
}

// order schedules an order's life: created, then mostly paid (some cancelled unpaid), and a few
// refund requests after payment. Paid orders lower the stock, which is reported.
func (s *Sim) order(clickAt int64, i int, user string) {
	p := catalog[i]
	s.orders++
	id := fmt.Sprintf("o%d-%s-%05d", s.cfg.Seed, s.cfg.Room, s.orders)
	qty := int32(1)
	if s.rng.IntN(6) == 0 {
		qty = 2
	}
	amount := p.Price * int64(qty)
	created := clickAt + 5000 + s.rng.Int64N(55000)
	base := ingest.Event{Type: ingest.TypeOrder, Order: id, Product: p.ID, User: user, Qty: qty, Amount: amount}
	ev := base
	ev.Status = ingest.StatusCreated
	s.emit(created, ev)
	if s.rng.IntN(100) >= 88 {
		ev = base
		ev.Status = ingest.StatusCancelled
		s.emit(created+60_000+s.rng.Int64N(240_000), ev)
		return
	}
	paid := created + 10_000 + s.rng.Int64N(80_000)
	ev = base
	ev.Status = ingest.StatusPaid
	s.emit(paid, ev)
	s.stock[i] = max(s.stock[i]-int64(qty), 0)
	s.emit(paid+1, ingest.Event{Type: ingest.TypeStock, Product: p.ID, Value: s.stock[i]})
	if s.rng.IntN(100) < 3 {
		ev = base
		ev.Status = ingest.StatusRefundRequested
		s.emit(paid+60_000+s.rng.Int64N(540_000), ev)
	}
}

// chat draws comments: about a third are buyer questions (size, shipping, price, quality,
// discounts), the rest chatter.
func (s *Sim) chat(sec int64) {
	for range s.poisson(float64(len(s.online)) * 0.005) {
		if len(s.online) == 0 {
			return
		}
		u := s.online[s.rng.IntN(len(s.online))]
		var text string
		if s.rng.IntN(3) == 0 {
			list := questions[questionTopics[s.rng.IntN(len(questionTopics))]]
			text = list[s.rng.IntN(len(list))]
			if strings.Contains(text, "%s") {
				text = strings.ReplaceAll(text, "%s", catalog[max(s.pinned, 0)].Name)
			}
		} else {
			text = chatter[s.rng.IntN(len(chatter))]
		}
		s.emit(s.within(sec), ingest.Event{Type: ingest.TypeComment, User: u, Text: text})
	}
}

func (s *Sim) interactions(sec int64) {
	n := float64(len(s.online))
	for _, k := range []struct {
		typ  string
		rate float64
	}{{ingest.TypeLike, 0.01}, {ingest.TypeFollow, 0.0008}, {ingest.TypeShare, 0.0003}} {
		for range s.poisson(n * k.rate) {
			u := s.online[s.rng.IntN(len(s.online))]
			s.emit(s.within(sec), ingest.Event{Type: k.typ, User: u})
		}
	}
}

// queued is an event waiting for its simulated time.
type queued struct {
	at  int64 // simulated millisecond
	seq int64
	ev  ingest.Event
}

// evHeap orders queued events by time, then by generation order (deterministic).
type evHeap []queued

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *evHeap) Push(x any)   { *h = append(*h, x.(queued)) }
func (h *evHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
