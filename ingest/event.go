// Package ingest owns the event model and everything between an HTTP (or websocket) body and
// durable storage: parsing and validation, dedup, the ClickHouse group-commit writer with its
// on-disk spool, API keys, and the intake handlers.
//
// Delivery guarantee: an event is acknowledged only after it is committed to ClickHouse or
// fsynced to the spool, which is replayed into ClickHouse exactly once when it is reachable. An
// event id seen before (per shop, 48 h) is acknowledged as a duplicate and neither stored nor
// counted again.
package ingest

import (
	"context"
	"time"
)

// Event types accepted on the wire (DESIGN.md, "Event wire format").
const (
	TypeEnter      = "enter"
	TypeLeave      = "leave"
	TypeOnline     = "online"
	TypeImpression = "impression"
	TypeClick      = "click"
	TypeOrder      = "order"
	TypeComment    = "comment"
	TypeFollow     = "follow"
	TypeLike       = "like"
	TypeShare      = "share"
	TypeAdSpend    = "ad_spend"
	TypePin        = "pin"
	TypeUnpin      = "unpin"
	TypeCue        = "cue"
	TypeFlashSale  = "flash_sale"
	TypeCoupon     = "coupon"
	TypeStock      = "stock"
	TypeReview     = "review"
	TypeCSMessage  = "cs_message"
)

// Order statuses.
const (
	StatusCreated         = "created"
	StatusPaid            = "paid"
	StatusShipped         = "shipped"
	StatusDelivered       = "delivered"
	StatusCancelled       = "cancelled"
	StatusRefundRequested = "refund_requested"
	StatusRefunded        = "refunded"
	StatusRefundRejected  = "refund_rejected"
)

// Event is one accepted event. Money (Amount) is integer fen. Shop always comes from the API key,
// never from the body. Extra holds the body's unknown fields as a JSON object ("" when none).
type Event struct {
	Shop         string
	ID           string
	Type         string
	TS           time.Time // UTC, millisecond precision
	Received     time.Time // UTC, when the server accepted it
	Room         string
	User         string
	Product      string
	Order        string
	Status       string
	Amount       int64
	Qty          int32
	Value        int64
	Text         string
	Rating       uint8
	Conversation string
	Direction    string
	Source       string // traffic source (livedesk.Sources), enter and order events; "" = not given
	Extra        string
}

// Observer is told about every batch of newly accepted events once they are durable and
// deduplicated; the live engine implements it to update its Redis windows. Observe must not
// block for long: it runs on the ingest path.
type Observer interface {
	Observe(ctx context.Context, shop string, events []Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ctx context.Context, shop string, events []Event)

// Observe calls f.
func (f ObserverFunc) Observe(ctx context.Context, shop string, events []Event) { f(ctx, shop, events) }
