package stage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/ingest"
)

// Recorder stores events the server produces; *ingest.Service satisfies it.
type Recorder interface {
	Record(ctx context.Context, events []ingest.Event) error
}

// Publisher sends a message to every screen of a room; *Hub satisfies it.
type Publisher interface {
	Publish(ctx context.Context, shop, room, kind string, body []byte) error
	PublishPrompter(ctx context.Context, shop, room, kind string, body []byte) error
}

// FlagResponder records that the operator answered a flag with one of its suggested responses
// (the live engine stores it in flag_events). Optional.
type FlagResponder interface {
	RespondFlag(ctx context.Context, shop, room, flagID, response, by string) error
}

// Limits on operator actions.
const (
	MaxCueLen         = 200
	MinFlashSale      = 10 * time.Second
	MaxFlashSale      = 2 * time.Hour
	MaxCouponNameLen  = 40
	MaxFlashSaleUnits = 1_000_000
)

// ErrNotFound means the product (or room) an action names does not exist in the shop.
var ErrNotFound = &livedesk.Error{Code: livedesk.ENOTFOUND, Key: "products.notfound", Message: "stage: product not found"}

// ErrStaleCue means an acknowledgement names a cue that is no longer the latest one.
var ErrStaleCue = &livedesk.Error{Code: livedesk.ECONFLICT, Key: "actions.stale", Message: "stage: cue is no longer the latest"}

// invalid is an action refused because of its input field; both texts are safe to show.
func invalid(field, en, zh string) error { return livedesk.Invalid(field, en, zh) }

// Actions carries out the operator's actions on a room: each is recorded as an event through
// the Recorder (so the report draws it on the timeline), applied to the room's Stage, stored in
// room_stage and published to every screen of the room as kind "stage".
//
// Invariant: an action is applied to the stage only after its event is durable; a failed
// publish is logged, never undone (the next message or a reconnect brings screens up to date).
// Actions on one room are serialised within an instance; across instances the newest stage row
// wins.
type Actions struct {
	CH        driver.Conn
	Catalog   *catalog.Catalog
	Recorder  Recorder
	Publisher Publisher     // nil: stage changes are stored but not pushed
	Flags     FlagResponder // nil: flag responses are recorded only in the cue event
	Pins      PinSink       // nil: the tick is not told the pinned product
	// Currency is the shop's currency for the price texts (shops.Settings.Currency); nil: CNY.
	Currency func(ctx context.Context, shop string) livedesk.Currency
	Log      *slog.Logger
	Now      func() time.Time

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func (a *Actions) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Actions) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

func (a *Actions) lock(shop, room string) func() {
	a.mu.Lock()
	if a.locks == nil {
		a.locks = map[string]*sync.Mutex{}
	}
	k := shop + "\x1f" + room
	l := a.locks[k]
	if l == nil {
		l = &sync.Mutex{}
		a.locks[k] = l
	}
	a.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// Stage returns the room's current stage (from ClickHouse, so it is right after a restart).
func (a *Actions) Stage(ctx context.Context, shop, room string) (Stage, error) {
	return loadStage(ctx, a, shop, room)
}

// Pinned returns the id of the product the room's stored stage presents ("" = none): the live
// engine's way back to the pinned product after Redis was lost.
func (a *Actions) Pinned(ctx context.Context, shop, room string) (string, error) {
	st, err := a.Stage(ctx, shop, room)
	if err != nil || st.Product == nil {
		return "", err
	}
	return st.Product.ID, nil
}

// StageJSON returns the room's current stage encoded as it is published.
func (a *Actions) StageJSON(ctx context.Context, shop, room string) ([]byte, error) {
	st, err := a.Stage(ctx, shop, room)
	if err != nil {
		return nil, err
	}
	return json.Marshal(st)
}

// change applies f to the room's stage under the room lock: f edits the stage and returns the
// event to record (nil for none); then the stage is stored and published.
func (a *Actions) change(ctx context.Context, shop, room string, f func(st *Stage, now time.Time) (*ingest.Event, error)) (Stage, error) {
	unlock := a.lock(shop, room)
	defer unlock()
	st, err := loadStage(ctx, a, shop, room)
	if err != nil {
		return Stage{}, err
	}
	now := a.now()
	ev, err := f(&st, now)
	if err != nil {
		return Stage{}, err
	}
	if ev != nil {
		ev.Shop, ev.Room, ev.TS, ev.ID = shop, room, now.Truncate(time.Millisecond), newActionID()
		// Observe skips what is recorded here: it is applied below, under this lock.
		if err := a.Recorder.Record(context.WithValue(ctx, recordingKey{}, true), []ingest.Event{*ev}); err != nil {
			return Stage{}, fmt.Errorf("stage: record %s in %s/%s: %w", ev.Type, shop, room, err)
		}
		if st.Cue != nil && st.Cue.ID == "" {
			st.Cue.ID = ev.ID
		}
		if st.FlashSale != nil && st.FlashSale.ID == "" {
			st.FlashSale.ID = ev.ID
		}
		if st.Coupon != nil && st.Coupon.ID == "" {
			st.Coupon.ID = ev.ID
		}
	}
	st.Updated = ms(now)
	a.localize(ctx, shop, &st)
	return st, a.store(ctx, shop, st, now)
}

// store saves and publishes st, and tells the live engine its pinned product.
func (a *Actions) store(ctx context.Context, shop string, st Stage, now time.Time) error {
	a.localize(ctx, shop, &st)
	body, err := saveStage(ctx, a, shop, st, now)
	if err != nil {
		return err
	}
	if a.Pins != nil {
		pinned := ""
		if st.Product != nil {
			pinned = st.Product.ID
		}
		var err error
		if ss, ok := a.Pins.(StageSink); ok {
			err = ss.SetStage(ctx, shop, st.Room, pinned, st.PinnedAt, st.Answered)
		} else {
			err = a.Pins.SetPinned(ctx, shop, st.Room, pinned)
		}
		if err != nil {
			a.log().Error("stage: pinned product to the tick", "shop", shop, "room", st.Room, "err", err)
		}
	}
	if a.Publisher != nil {
		if err := a.Publisher.Publish(ctx, shop, st.Room, KindStage, body); err != nil {
			a.log().Error("stage: publish stage", "shop", shop, "room", st.Room, "err", err)
		}
		// The stage is the prompter's own data: the anchor's stream gets it as it is.
		if err := a.Publisher.PublishPrompter(ctx, shop, st.Room, KindStage, body); err != nil {
			a.log().Error("stage: publish stage to the prompter", "shop", shop, "room", st.Room, "err", err)
		}
	}
	return nil
}

func newActionID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return "op-" + hex.EncodeToString(b[:])
}

func extra(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}

// Pin makes product the one being presented (讲解) in room.
func (a *Actions) Pin(ctx context.Context, shop, room, product, by string) (Stage, error) {
	p, ok, err := a.Catalog.Get(ctx, shop, product)
	if err != nil {
		return Stage{}, err
	}
	if !ok {
		return Stage{}, ErrNotFound
	}
	return a.change(ctx, shop, room, func(st *Stage, now time.Time) (*ingest.Event, error) {
		prev := ""
		if st.Product != nil {
			prev = st.Product.ID
		}
		st.Product, st.PinnedAt = stageProduct(p), ms(now)
		return &ingest.Event{Type: ingest.TypePin, User: by, Product: p.ID, Text: p.Title, Amount: p.Price,
			Value: p.Stock, Extra: extra(map[string]any{"title": p.Title, "price": p.Price, "list_price": p.ListPrice, "previous": prev})}, nil
	})
}

// Unpin ends the presentation of the pinned product. Unpinning an empty stage changes nothing and
// records nothing.
func (a *Actions) Unpin(ctx context.Context, shop, room, by string) (Stage, error) {
	return a.change(ctx, shop, room, func(st *Stage, now time.Time) (*ingest.Event, error) {
		if st.Product == nil {
			return nil, nil
		}
		ev := &ingest.Event{Type: ingest.TypeUnpin, User: by, Product: st.Product.ID, Text: st.Product.Title,
			Extra: extra(map[string]any{"pinned_s": (ms(now) - st.PinnedAt) / 1000})}
		st.Product, st.PinnedAt = nil, 0
		return ev, nil
	})
}

// FlashSaleRequest is a flash sale to start.
type FlashSaleRequest struct {
	Product  string
	Price    int64 // fen
	Qty      int64
	Duration time.Duration
}

// StartFlashSale starts a flash sale with a countdown; it replaces a running one.
func (a *Actions) StartFlashSale(ctx context.Context, shop, room string, r FlashSaleRequest, by string) (Stage, error) {
	switch {
	case r.Price <= 0 || r.Price > livedesk.MaxMoneyFen:
		return Stage{}, invalid(catalog.FieldPrice, "price must be more than ¥0.00", "价格必须大于 ¥0.00")
	case r.Qty <= 0 || r.Qty > MaxFlashSaleUnits:
		return Stage{}, invalid("qty", "quantity must be 1 or more", "数量必须至少为 1")
	case r.Duration < MinFlashSale || r.Duration > MaxFlashSale:
		return Stage{}, invalid("duration", "duration must be between 10 s and 2 h", "时长必须在 10 秒到 2 小时之间")
	}
	p, ok, err := a.Catalog.Get(ctx, shop, r.Product)
	if err != nil {
		return Stage{}, err
	}
	if !ok {
		return Stage{}, ErrNotFound
	}
	return a.change(ctx, shop, room, func(st *Stage, now time.Time) (*ingest.Event, error) {
		ends := now.Add(r.Duration)
		st.FlashSale = &FlashSale{Product: p.ID, Title: p.Title, Price: r.Price, PriceText: "¥" + livedesk.FormatYuan(r.Price),
			Qty: r.Qty, Started: ms(now), Ends: ms(ends)}
		return &ingest.Event{Type: ingest.TypeFlashSale, User: by, Product: p.ID, Text: p.Title, Amount: r.Price,
			Qty: int32(r.Qty), Value: int64(r.Duration / time.Second),
			Extra: extra(map[string]any{"ends": ms(ends), "regular_price": p.Price})}, nil
	})
}

// CouponRequest is a coupon to drop in the room.
type CouponRequest struct {
	Name      string // optional label
	Discount  int64  // fen off
	Threshold int64  // fen to spend, 0 = none
	Qty       int64
}

// DropCoupon announces a coupon to the room.
func (a *Actions) DropCoupon(ctx context.Context, shop, room string, r CouponRequest, by string) (Stage, error) {
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Discount <= 0 || r.Discount > livedesk.MaxMoneyFen:
		return Stage{}, invalid("discount", "discount must be more than ¥0.00", "优惠金额必须大于 ¥0.00")
	case r.Threshold < 0 || r.Threshold > livedesk.MaxMoneyFen || (r.Threshold > 0 && r.Threshold <= r.Discount):
		return Stage{}, invalid("threshold", "threshold must be more than the discount (or 0)", "门槛必须高于优惠金额（或为 0）")
	case r.Qty <= 0 || r.Qty > MaxFlashSaleUnits:
		return Stage{}, invalid("qty", "quantity must be 1 or more", "数量必须至少为 1")
	case utf8.RuneCountInString(r.Name) > MaxCouponNameLen:
		return Stage{}, invalid("name", "name too long", "名称太长")
	}
	text := couponText(r.Discount, r.Threshold)
	if r.Name != "" {
		text = r.Name + " · " + text
	}
	return a.change(ctx, shop, room, func(st *Stage, now time.Time) (*ingest.Event, error) {
		st.Coupon = &Coupon{Text: text, Discount: r.Discount, Threshold: r.Threshold, Qty: r.Qty, At: ms(now)}
		return &ingest.Event{Type: ingest.TypeCoupon, User: by, Text: text, Amount: r.Discount, Value: r.Threshold,
			Qty: int32(r.Qty), Extra: extra(map[string]any{"name": r.Name, "threshold": r.Threshold})}, nil
	})
}

// couponText is a coupon's wording: 满<threshold>减<discount>, or 无门槛减<discount> without a
// threshold (amounts in fen).
func couponText(discount, threshold int64) string {
	if threshold > 0 {
		return "满" + livedesk.FormatYuanShort(threshold) + "减" + livedesk.FormatYuanShort(discount)
	}
	return "无门槛减" + livedesk.FormatYuanShort(discount)
}

// CueRequest is a message to the anchor; Flag and Response are set when it answers a flag with
// one of its suggested responses (Product is then the flagged product).
type CueRequest struct {
	Text     string
	Flag     string
	Rule     string
	Response string
	Product  string
}

// SendCue shows a cue on the room's prompter. When it answers a flag the response is also
// recorded against the flag (FlagResponder); a failure there is logged, the cue still goes out.
func (a *Actions) SendCue(ctx context.Context, shop, room string, r CueRequest, by string) (Stage, error) {
	r.Text = strings.TrimSpace(r.Text)
	switch {
	case r.Text == "":
		return Stage{}, invalid("text", "the cue is empty", "提示内容为空")
	case utf8.RuneCountInString(r.Text) > MaxCueLen:
		return Stage{}, invalid("text", fmt.Sprintf("longer than %d characters", MaxCueLen), fmt.Sprintf("超过 %d 个字符", MaxCueLen))
	}
	st, err := a.change(ctx, shop, room, func(st *Stage, now time.Time) (*ingest.Event, error) {
		st.Cue = &Cue{Text: r.Text, At: ms(now), By: by, Flag: r.Flag}
		x := map[string]any{}
		if r.Flag != "" {
			x["flag"], x["rule"], x["response"] = r.Flag, r.Rule, r.Response
		}
		return &ingest.Event{Type: ingest.TypeCue, User: by, Product: r.Product, Text: r.Text, Extra: extra(x)}, nil
	})
	if err != nil {
		return st, err
	}
	if r.Flag != "" && a.Flags != nil {
		if err := a.Flags.RespondFlag(ctx, shop, room, r.Flag, r.Response, by); err != nil {
			a.log().Error("stage: record flag response", "shop", shop, "room", room, "flag", r.Flag, "err", err)
		}
	}
	return st, nil
}

// AckCue marks the latest cue as seen by the anchor ("got it"). The acknowledgement is recorded
// as a cue event (so the report's timeline shows it) whose Extra is {"ack":"<cue id>",…} and
// whose text is 收到：<cue text>; applyEvent treats such an event as an acknowledgement, never as
// a new cue. Acknowledging an older cue returns ErrStaleCue; acknowledging twice is harmless and
// records nothing the second time.
func (a *Actions) AckCue(ctx context.Context, shop, room, cueID, by string) (Stage, error) {
	return a.change(ctx, shop, room, func(st *Stage, now time.Time) (*ingest.Event, error) {
		if st.Cue == nil || st.Cue.ID != cueID {
			return nil, ErrStaleCue
		}
		if st.Cue.Acked {
			return nil, nil
		}
		st.Cue.Acked, st.Cue.AckedAt, st.Cue.AckedBy = true, ms(now), by
		return &ingest.Event{Type: ingest.TypeCue, User: by, Text: AckTextPrefix + st.Cue.Text,
			Extra: extra(map[string]any{"ack": cueID, "after_ms": ms(now) - st.Cue.At})}, nil
	})
}

// AckTextPrefix starts the text of a cue acknowledgement event.
const AckTextPrefix = "收到："

// ackedCue returns the cue id a cue event acknowledges ("" when it is a cue, not an
// acknowledgement).
func ackedCue(e *ingest.Event) string {
	if e.Extra == "" || !strings.Contains(e.Extra, `"ack"`) {
		return ""
	}
	var x struct {
		Ack string `json:"ack"`
	}
	if json.Unmarshal([]byte(e.Extra), &x) != nil {
		return ""
	}
	return x.Ack
}
