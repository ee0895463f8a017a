package stage

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/ingest"
)

// The stage is the one source of truth for what is being presented. The console's actions change
// it directly (Actions.change); pin, unpin, flash_sale, cue and coupon events that arrive through
// the ingest API (the simulator, platform adapters, any client) change it through Observe. Every
// stored stage pushes its pinned product to the live engine (PinSink), which shows it in the
// tick: the control room header and the prompter always name the same product.

// PinSink is told the pinned product of a room each time its stage is stored ("" = none). The live
// engine implements it; the tick shows it as Snapshot.Pinned.
type PinSink interface {
	SetPinned(ctx context.Context, shop, room, product string) error
}

// StageSink is a PinSink that is also told when the product was pinned and when each question
// topic was last answered (unix ms), for the live rules (minutes presented, unanswered
// questions). The live engine implements it; a PinSink without it is told the pinned product only.
type StageSink interface {
	PinSink
	SetStage(ctx context.Context, shop, room, product string, pinnedAt int64, answered map[string]int64) error
}

// recordingKey marks the context in which Actions record their own events: Observe then skips
// them (they are already applied, and the room's lock is held).
type recordingKey struct{}

// stageObserveTimeout bounds one batch's stage changes (a ClickHouse read and write per room).
const stageObserveTimeout = 10 * time.Second

// stageTypes are the event types that change a stage.
var stageTypes = map[string]bool{ingest.TypePin: true, ingest.TypeUnpin: true, ingest.TypeFlashSale: true,
	ingest.TypeCue: true, ingest.TypeCoupon: true}

// IsStageEvent reports whether e can change a room's stage (what the prompter shows), so wiring
// can pass only those events to Actions when it runs Observe off the ingest path.
func IsStageEvent(e *ingest.Event) bool { return stageTypes[e.Type] && e.Room != "" }

// Wants reports whether Observe would apply e observed under ctx: a stage event that these
// Actions did not record themselves. Wiring that runs Observe asynchronously (and so may hand it
// many requests' events under one context) filters with it on the request's goroutine.
func (a *Actions) Wants(ctx context.Context, e *ingest.Event) bool {
	return IsStageEvent(e) && ctx.Value(recordingKey{}) == nil
}

// Observe implements ingest.Observer: stage events that did not come from these Actions are
// applied to their room's stage in time order, then the stage is stored and published once per
// room. An event older than what the stage already shows (a late pin) changes nothing. Failures
// are logged: the events are durable and the next action brings the stage up to date.
func (a *Actions) Observe(ctx context.Context, shop string, events []ingest.Event) {
	if ctx.Value(recordingKey{}) != nil {
		return
	}
	byRoom := map[string][]ingest.Event{}
	for _, e := range events {
		if IsStageEvent(&e) {
			byRoom[e.Room] = append(byRoom[e.Room], e)
		}
	}
	if len(byRoom) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stageObserveTimeout)
	defer cancel()
	for room, evs := range byRoom {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].TS.Before(evs[j].TS) })
		if err := a.applyEvents(ctx, shop, room, evs); err != nil {
			a.log().Error("stage: ingested stage events", "shop", shop, "room", room, "err", err)
		}
	}
}

// applyEvents applies ingested stage events to one room's stage under the room lock.
func (a *Actions) applyEvents(ctx context.Context, shop, room string, evs []ingest.Event) error {
	unlock := a.lock(shop, room)
	defer unlock()
	st, err := loadStage(ctx, a, shop, room)
	if err != nil {
		return err
	}
	// One catalog read for every product the events name (a coalesced round can hold hundreds
	// of pins of the same few products).
	var ids []string
	for i := range evs {
		if t := evs[i].Type; (t == ingest.TypePin || t == ingest.TypeFlashSale) && evs[i].Product != "" && !slices.Contains(ids, evs[i].Product) {
			ids = append(ids, evs[i].Product)
		}
	}
	cat, err := a.Catalog.GetMany(ctx, shop, ids)
	if err != nil {
		return err
	}
	// Products only seen in events take their stock from the same stored levels as catalog ones
	// (the stock events the catalog stored, before this round when they came with it).
	levels, err := a.Catalog.Levels(ctx, shop, ids)
	if err != nil {
		return err
	}
	changed := false
	for i := range evs {
		ok := applyEvent(&st, &evs[i], cat, levels)
		changed = changed || ok
	}
	if !changed {
		return nil
	}
	now := a.now()
	st.Updated = ms(now)
	return a.store(ctx, shop, st, now)
}

// applyEvent applies one event; it reports whether the stage changed. cat holds the catalog's
// products among those the events name, levels their stored stock levels.
func applyEvent(st *Stage, e *ingest.Event, cat map[string]catalog.Product, levels map[string]int64) bool {
	at := ms(e.TS)
	switch e.Type {
	case ingest.TypePin:
		if e.Product == "" || at < st.PinnedAt {
			return false
		}
		st.Product, st.PinnedAt = pinnedProduct(e, cat, levels), at
	case ingest.TypeUnpin:
		if st.Product == nil || at < st.PinnedAt || (e.Product != "" && e.Product != st.Product.ID) {
			return false
		}
		st.Product, st.PinnedAt = nil, 0
	case ingest.TypeFlashSale:
		// Amount is the sale price (fen), Value its duration in seconds, Qty the units.
		if e.Amount <= 0 || e.Value <= 0 || (st.FlashSale != nil && at < st.FlashSale.Started) {
			return false
		}
		title := e.Text
		if p, ok := cat[e.Product]; ok && title == "" {
			title = p.Title
		}
		st.FlashSale = &FlashSale{ID: e.ID, Product: e.Product, Title: title, Price: e.Amount,
			PriceText: "¥" + livedesk.FormatYuan(e.Amount), Qty: int64(e.Qty), Started: at, Ends: at + e.Value*1000}
	case ingest.TypeCue:
		if topic := answeredTopic(e); topic != "" {
			// A topic answered (AnswerTopic's event, replayed or posted): the newest time wins.
			if st.Answered[topic] >= at {
				return false
			}
			if st.Answered == nil {
				st.Answered = map[string]int64{}
			}
			st.Answered[topic] = at
			return true
		}
		if id := ackedCue(e); id != "" {
			// An acknowledgement (AckCue's event, replayed or posted): marks its cue, if latest.
			if st.Cue == nil || st.Cue.ID != id || st.Cue.Acked {
				return false
			}
			st.Cue.Acked, st.Cue.AckedAt, st.Cue.AckedBy = true, at, e.User
			return true
		}
		if e.Text == "" || (st.Cue != nil && at < st.Cue.At) {
			return false
		}
		st.Cue = &Cue{ID: e.ID, Text: e.Text, At: at, By: e.User}
	case ingest.TypeCoupon:
		// Amount is the discount (fen), Value the threshold, Qty the count.
		if e.Amount <= 0 || (st.Coupon != nil && at < st.Coupon.At) {
			return false
		}
		text := e.Text
		if text == "" {
			text = couponText(e.Amount, e.Value)
		}
		st.Coupon = &Coupon{ID: e.ID, Text: text, Discount: e.Amount, Threshold: e.Value, Qty: int64(e.Qty), At: at}
	default:
		return false
	}
	return true
}

// pinnedProduct is the stage product of a pin event: the catalog's product when it has it, else
// what the event says (title in text, price in amount) with the stored stock level, or the
// event's value when no stock was ever reported (0 = unknown, not shown as low).
func pinnedProduct(e *ingest.Event, cat map[string]catalog.Product, levels map[string]int64) *StageProduct {
	if p, ok := cat[e.Product]; ok {
		return stageProduct(p)
	}
	title := e.Text
	if title == "" {
		title = e.Product
	}
	sp := &StageProduct{ID: e.Product, Title: title, Price: e.Amount, PriceText: "¥" + livedesk.FormatYuan(e.Amount), Points: []string{}}
	n, ok := levels[e.Product]
	if !ok {
		n = e.Value
	}
	sp.Stock = n
	sp.LowStock = ok && n < LowStock || n > 0 && n < LowStock
	return sp
}
