package report

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk/ingest"
)

// insertRaw stores events as they are, in one INSERT under batch (no dedup: tests use it to put
// duplicates into storage the way a lost Redis gate would).
func insertRaw(t testing.TB, ch driver.Conn, batch string, events []ingest.Event) {
	t.Helper()
	b, err := ch.PrepareBatch(context.Background(), `INSERT INTO events (shop, room, ts, ts_ms, id, type, user, product,
		order_id, status, amount, qty, value, text, rating, conversation, direction, extra, received, batch, source)`)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, e := range events {
		if err := b.Append(e.Shop, e.Room, e.TS.Truncate(time.Second), uint16(e.TS.Nanosecond()/1e6), e.ID, e.Type, e.User,
			e.Product, e.Order, e.Status, e.Amount, e.Qty, e.Value, e.Text, e.Rating, e.Conversation, e.Direction,
			e.Extra, e.Received, batch, e.Source); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
}

// fixture is a generated session: the span, the events stored once, and which of them were also
// stored again (duplicates) or received after the end (late).
type fixture struct {
	span   SessionSpan
	events []ingest.Event
	dups   []ingest.Event
	late   int
}

var fixtureComments = []string{"S码还有吗", "多久发货？", "这个多少钱", "有优惠券吗", "质量怎么样", "主播好美", "哈哈哈",
	"能便宜点吗？", "包邮吗", "xl码偏大吗", "在吗？", "666"}

// makeFixture generates a session of about n events in span with pins, cues, a flash sale, a
// coupon, online readings with a gap, ad spend, paid and refunded orders, comments, and events
// just outside the span (before, after, another room, another shop) that must not count.
func makeFixture(seed int64, span SessionSpan, n int) fixture {
	rng := rand.New(rand.NewSource(seed))
	f := fixture{span: span}
	dur := span.End.Sub(span.Start)
	seq := 0
	id := func() string { seq++; return fmt.Sprintf("%s-e%d", span.Session, seq) }
	at := func() time.Time {
		ts := span.Start.Add(time.Duration(rng.Int63n(int64(dur))))
		return ts.Truncate(time.Millisecond)
	}
	products := []string{"p1", "p2", "p3", "p4", "p5"}
	// A silent stretch: no events at all in minutes 7 and 8 (relative to the start).
	gapFrom, gapTo := span.Start.Add(7*time.Minute).Truncate(time.Minute), span.Start.Add(9*time.Minute).Truncate(time.Minute)
	add := func(e ingest.Event) {
		if !e.TS.Before(gapFrom) && e.TS.Before(gapTo) {
			return
		}
		e.Shop, e.Room = span.Shop, span.Room
		if e.ID == "" {
			e.ID = id()
		}
		e.Received = e.TS.Add(2 * time.Second).Truncate(time.Second)
		f.events = append(f.events, e)
	}
	// Operator actions: pins every ~3 minutes, one unpin, a cue, a flash sale, a coupon.
	pinAt := span.Start.Add(30 * time.Second).Add(123 * time.Millisecond)
	for i := 0; pinAt.Before(span.End); i++ {
		p := products[i%len(products)]
		add(ingest.Event{Type: ingest.TypePin, TS: pinAt, Product: p, Text: "title " + p})
		if i == 2 {
			add(ingest.Event{Type: ingest.TypeUnpin, TS: pinAt.Add(90 * time.Second), Product: p})
		}
		pinAt = pinAt.Add(time.Duration(150+rng.Intn(60)) * time.Second)
	}
	add(ingest.Event{Type: ingest.TypeCue, TS: span.Start.Add(4 * time.Minute), Product: "p1", Text: "讲一下尺码"})
	add(ingest.Event{Type: ingest.TypeFlashSale, TS: span.Start.Add(5 * time.Minute), Product: "p2", Amount: 990, Qty: 50, Value: 120})
	add(ingest.Event{Type: ingest.TypeCoupon, TS: span.Start.Add(6 * time.Minute), Text: "满99减10", Amount: 1000, Value: 9900})
	// Online gauge every 20 s, except during the first two minutes (average starts at the first).
	for ts := span.Start.Add(2 * time.Minute); ts.Before(span.End); ts = ts.Add(20 * time.Second) {
		add(ingest.Event{Type: ingest.TypeOnline, TS: ts, Value: int64(100 + rng.Intn(400))})
	}
	for ts := span.Start; ts.Before(span.End); ts = ts.Add(time.Minute) {
		add(ingest.Event{Type: ingest.TypeAdSpend, TS: ts.Add(15 * time.Second), Amount: int64(1000 + rng.Intn(5000))})
	}
	users := func() string { return fmt.Sprintf("u%d", rng.Intn(n/8+5)) }
	order := 0
	for len(f.events) < n {
		ts := at()
		u := users()
		p := products[rng.Intn(len(products))]
		switch r := rng.Intn(100); {
		case r < 12:
			add(ingest.Event{Type: ingest.TypeEnter, TS: ts, User: u})
		case r < 20:
			add(ingest.Event{Type: ingest.TypeLeave, TS: ts, User: u})
		case r < 50:
			add(ingest.Event{Type: ingest.TypeImpression, TS: ts, User: u, Product: p})
		case r < 68:
			add(ingest.Event{Type: ingest.TypeClick, TS: ts, User: u, Product: p})
		case r < 78:
			add(ingest.Event{Type: ingest.TypeComment, TS: ts, User: u, Text: fixtureComments[rng.Intn(len(fixtureComments))]})
		case r < 88:
			add(ingest.Event{Type: ingest.TypeLike, TS: ts, User: u})
		default:
			order++
			o := fmt.Sprintf("%s-o%d", span.Session, order)
			amt := int64(990 + rng.Intn(20000))
			qty := int32(1 + rng.Intn(3))
			add(ingest.Event{Type: ingest.TypeOrder, TS: ts, User: u, Product: p, Order: o, Status: ingest.StatusCreated, Amount: amt, Qty: qty})
			if rng.Intn(4) > 0 {
				paid := ts.Add(time.Duration(rng.Intn(30)) * time.Second)
				if paid.Before(span.End) {
					add(ingest.Event{Type: ingest.TypeOrder, TS: paid, User: u, Product: p, Order: o, Status: ingest.StatusPaid, Amount: amt, Qty: qty})
					if rng.Intn(10) == 0 {
						// The same order paid again under another event id: one order still.
						add(ingest.Event{Type: ingest.TypeOrder, TS: paid.Add(time.Second), User: u, Product: p, Order: o, Status: ingest.StatusPaid, Amount: amt, Qty: qty})
					}
					if rng.Intn(8) == 0 && paid.Add(time.Minute).Before(span.End) {
						add(ingest.Event{Type: ingest.TypeOrder, TS: paid.Add(time.Minute), User: u, Product: p, Order: o, Status: ingest.StatusRefunded, Amount: amt, Qty: qty})
					}
				}
			}
		}
	}
	// Late: some events are received a minute after the end.
	for i := range f.events {
		if rng.Intn(40) == 0 {
			f.events[i].Received = span.End.Add(time.Minute)
			f.late++
		}
	}
	// Duplicates: some events stored a second time (same id, same content).
	for _, e := range f.events {
		if rng.Intn(25) == 0 {
			f.dups = append(f.dups, e)
		}
	}
	return f
}

// outside returns events that must not count: just before and at the end, another room and shop.
func outside(span SessionSpan) []ingest.Event {
	mk := func(shop, room string, ts time.Time, id string) []ingest.Event {
		return []ingest.Event{
			{Shop: shop, Room: room, ID: id + "-c", Type: ingest.TypeClick, TS: ts, User: "ux", Product: "p1", Received: ts},
			{Shop: shop, Room: room, ID: id + "-o", Type: ingest.TypeOrder, TS: ts, User: "ux", Product: "p1", Order: id, Status: ingest.StatusPaid, Amount: 99999, Qty: 1, Received: ts},
			{Shop: shop, Room: room, ID: id + "-e", Type: ingest.TypeEnter, TS: ts, User: "ux", Received: ts},
		}
	}
	var out []ingest.Event
	out = append(out, mk(span.Shop, span.Room, span.Start.Add(-time.Second), "before")...)
	out = append(out, mk(span.Shop, span.Room, span.End, "atend")...)
	out = append(out, mk(span.Shop, "other-room", span.Start.Add(time.Minute), "room2")...)
	out = append(out, mk("other-shop", span.Room, span.Start.Add(time.Minute), "shop2")...)
	return out
}

// load stores a fixture: every event once, then the duplicates again in a second batch.
func (f fixture) load(t testing.TB, ch driver.Conn) {
	insertRaw(t, ch, "b1", f.events)
	if len(f.dups) > 0 {
		insertRaw(t, ch, "b2", f.dups)
	}
	insertRaw(t, ch, "b3", outside(f.span))
}
