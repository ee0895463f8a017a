package report

import (
	"time"

	"github.com/livedesk/livedesk"
)

// The post-stream report (复盘) of one stream session. Every figure is computed from the events
// table for the session's span [Start, End) with exactly one count per event id (see
// report_build.go for how duplicates are removed), and every rate carries its numerator and
// denominator so the page can say what it is divided by. Money is integer fen.

// SessionSpan names one stream session and the time it covers, [Start, End).
type SessionSpan struct {
	Shop    string    `json:"shop"`
	Room    string    `json:"room"`
	Session string    `json:"session"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// Report is one built report. It is stored as JSON (session_reports.body).
type Report struct {
	Span        SessionSpan      `json:"span"`
	Built       time.Time        `json:"built"`
	BuildMillis int64            `json:"build_ms"`
	Steps       map[string]int64 `json:"steps_ms"`     // how long each query took (they run concurrently)
	MaxReceived time.Time        `json:"max_received"` // latest receive time of an event in the span
	Headline    Headline         `json:"headline"`
	Funnel      Funnel           `json:"funnel"`
	Minutes     []Minute         `json:"minutes"`
	Markers     []Marker         `json:"markers"`
	Products    []ProductRow     `json:"products"`
	Segments    []Segment        `json:"segments"`
	Flags       []FlagRow        `json:"flags"`
	Questions   []TopicRow       `json:"questions"`
	Push        []PushPick       `json:"push"`
	Compare     Compare          `json:"compare"`
	Quality     Quality          `json:"quality"`
	Sources     *Sources         `json:"sources,omitempty"` // traffic sources (nil in reports built before them)
	Notes       []string         `json:"notes,omitempty"`   // parts that could not be built, in words
	Titles      ProductTitles    `json:"titles"`            // product id → title from the catalog
}

// ProductTitles maps a product id to its catalog title.
type ProductTitles map[string]string

// Headline is the session's summary (DESIGN.md, "Metric definitions").
type Headline struct {
	DurationSec  int64          `json:"duration_s"`
	GMV          int64          `json:"gmv"`           // paid GMV, fen: sum of paid amounts, one per order
	Orders       int64          `json:"orders"`        // distinct paid orders
	Buyers       int64          `json:"buyers"`        // distinct users with a paid order
	Units        int64          `json:"units"`         // items in paid orders
	Views        int64          `json:"views"`         // room entries
	Viewers      int64          `json:"viewers"`       // distinct users who entered
	PeakOnline   int64          `json:"peak_online"`   // highest online reading (or entries − leaves)
	AvgOnline    float64        `json:"avg_online"`    // mean of the per-minute online values
	OnlineSource string         `json:"online_source"` // "gauge" or "entries_minus_leaves" or "none"
	Leaves       int64          `json:"leaves"`        // leave events, or derived from the gauge (report_leaves.go)
	LeavesSource string         `json:"leaves_source"` // "events", "online_gauge" (derived: relays send none) or "none"
	GPM          livedesk.Ratio `json:"gpm"`           // GMV ÷ views × 1000 (fen)
	UVValue      livedesk.Ratio `json:"uv_value"`      // GMV ÷ viewers (fen)
	AdSpend      int64          `json:"ad_spend"`      // fen
	ROI          livedesk.Ratio `json:"roi"`           // GMV ÷ ad spend
	Refunds      int64          `json:"refunds"`       // refunded amount recorded in the span, fen (not netted)
	RefundOrders int64          `json:"refund_orders"` // distinct orders refunded in the span
}

// Funnel is the session in people: each step counts distinct users who did it in the span.
type Funnel struct {
	Viewers    int64          `json:"viewers"`  // entered the room
	Exposed    int64          `json:"exposed"`  // saw a product (impression)
	Clickers   int64          `json:"clickers"` // clicked a product
	Buyers     int64          `json:"buyers"`   // paid an order
	ExposeRate livedesk.Ratio `json:"expose_rate"`
	ClickRate  livedesk.Ratio `json:"click_rate"`
	BuyRate    livedesk.Ratio `json:"buy_rate"`
	Overall    livedesk.Ratio `json:"overall"` // buyers ÷ viewers
}

// Minute is one minute of the session (shop-independent UTC start; pages show the shop zone).
type Minute struct {
	T           time.Time `json:"t"`
	Views       int64     `json:"views"`
	Online      int64     `json:"online"`    // last online reading in the minute, carried forward
	OnlineKnown bool      `json:"online_ok"` // false before the first reading
	Impressions int64     `json:"impressions"`
	Clicks      int64     `json:"clicks"`
	Orders      int64     `json:"orders"`
	GMV         int64     `json:"gmv"`
	Comments    int64     `json:"comments"`
	AdSpend     int64     `json:"ad_spend"`
	Events      int64     `json:"events"` // every event in the minute, once per id
}

// Marker kinds on the minute charts.
const (
	MarkerPin       = "pin"
	MarkerUnpin     = "unpin"
	MarkerCue       = "cue"
	MarkerFlashSale = "flash_sale"
	MarkerCoupon    = "coupon"
	MarkerFlag      = "flag"
)

// Marker is one operator action or flag on the timeline.
type Marker struct {
	T       time.Time `json:"t"`
	Kind    string    `json:"kind"`
	Product string    `json:"product,omitempty"`
	Text    string    `json:"text,omitempty"`
	// Rule is a flag marker's rule id (Text is then the rule's name as stored).
	Rule string `json:"rule,omitempty"`
}

// ProductRow is one product's session figures.
type ProductRow struct {
	Product      string         `json:"product"`
	Presented    int64          `json:"presented"`        // pins (讲解次数)
	PresentedSec int64          `json:"presented_s"`      // total seconds pinned (讲解时长)
	Impressions  int64          `json:"impressions"`      // product exposure events
	Clicks       int64          `json:"clicks"`           // click events
	Clickers     int64          `json:"clickers"`         // distinct users who clicked it
	Orders       int64          `json:"orders"`           // distinct paid orders
	Buyers       int64          `json:"buyers"`           // distinct users with a paid order of it
	Units        int64          `json:"units"`            // items paid
	GMV          int64          `json:"gmv"`              // fen
	CTR          livedesk.Ratio `json:"ctr"`              // clicks ÷ impressions
	CVR          livedesk.Ratio `json:"cvr"`              // buyers ÷ clickers
	OrdersPerClk livedesk.Ratio `json:"orders_per_click"` // orders ÷ clicks
	GMVPerKViews livedesk.Ratio `json:"gmv_per_k_views"`  // product GMV ÷ session views × 1000 (fen)
}

// Segment is one presentation: from a pin to the next pin (or the unpin, or the session end).
// Clicks, orders and GMV are the presented product's; GPM divides its GMV by the room's views
// during the segment.
type Segment struct {
	Product   string         `json:"product"`
	Start     time.Time      `json:"start"`
	End       time.Time      `json:"end"`
	LengthSec int64          `json:"length_s"`
	Clicks    int64          `json:"clicks"`
	Orders    int64          `json:"orders"`
	GMV       int64          `json:"gmv"`
	Views     int64          `json:"views"`
	GPM       livedesk.Ratio `json:"gpm"` // GMV ÷ views during the segment × 1000
}

// FlagRow is one raised flag, what was done about it and the 5 minutes before and after.
type FlagRow struct {
	ID      string       `json:"id"`
	Rule    string       `json:"rule"`
	Name    string       `json:"name,omitempty"`  // the rule's name when it fired (operator rules)
	Topic   string       `json:"topic,omitempty"` // the question topic of a per-topic rule
	Product string       `json:"product,omitempty"`
	Raised  time.Time    `json:"raised"`
	Detail  string       `json:"detail,omitempty"`
	Actions []FlagAction `json:"actions"`
	Before  Outcome      `json:"before"` // [raised − 5 min, raised)
	After   Outcome      `json:"after"`  // [raised, raised + 5 min)
}

// FlagAction is one thing done about a flag.
type FlagAction struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// Outcome is a product's figures over a 5-minute window (the whole room when the flag names no
// product).
type Outcome struct {
	Clicks int64 `json:"clicks"`
	Orders int64 `json:"orders"`
	GMV    int64 `json:"gmv"`
}

// TopicRow is one buyer-question topic: how many distinct comments asked it, and examples.
type TopicRow struct {
	Topic    string   `json:"topic"`
	Count    int64    `json:"count"`
	Examples []string `json:"examples"`
}

// PushPick is one product to lead with tomorrow (次日主推) and why, in both languages.
type PushPick struct {
	Product    string `json:"product"`
	GMV        int64  `json:"gmv"`
	Orders     int64  `json:"orders"`
	Units      int64  `json:"units"`
	Stock      int64  `json:"stock"`
	StockKnown bool   `json:"stock_ok"`
	ReasonZH   string `json:"reason_zh"`
	ReasonEN   string `json:"reason_en"`
}

// Compare sets the headline against the room's previous sessions (at most 7).
type Compare struct {
	Sessions []string     `json:"sessions"` // the previous sessions' ids, newest first
	Rows     []CompareRow `json:"rows"`
}

// CompareRow is one headline metric: this session, the previous sessions' mean, the difference.
type CompareRow struct {
	Metric   string         `json:"metric"`
	Current  float64        `json:"current"`
	Average  float64        `json:"average"`
	Delta    float64        `json:"delta"`     // current − average
	DeltaPct livedesk.Ratio `json:"delta_pct"` // delta ÷ average
	Money    bool           `json:"money"`     // fen
}

// Quality says how trustworthy the numbers are.
type Quality struct {
	Rows         int64       `json:"rows"`          // rows stored in the span, copies included
	Events       int64       `json:"events"`        // distinct events (one per id) in the span
	Duplicates   int64       `json:"duplicates"`    // rows − events: stored copies counted once
	Late         int64       `json:"late"`          // distinct events received after the session ended
	Minutes      int64       `json:"minutes"`       // minutes in the span
	EmptyMinutes []time.Time `json:"empty_minutes"` // minutes with no event at all
	TextsCapped  bool        `json:"texts_capped"`  // questions were classified on the most frequent texts only
}
