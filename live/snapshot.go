package live

import "github.com/livedesk/livedesk"

// Snapshot is the whole state of one room's control room, built once per second by the room's
// tick leader, JSON-encoded once and published as kind "tick" (see Hub.Publish). Every websocket
// client of the room receives the same bytes; pages render only from this.
//
// Conventions:
//   - times are unix milliseconds (UTC); the page formats them in the shop's zone;
//   - money is integer fen (分); the page shows ¥ with two decimals;
//   - every rate is a livedesk.Ratio with its numerator and denominator so the page can say what
//     it is divided by; its value is null when the denominator is 0 (show "—");
//   - all metrics are scoped to the current session (from Session.Started); when the room is
//     idle they cover the plain last minutes so the page is never blank.
//
// Example (abridged):
//
//	{"room":"r1","server_time":1763812861000,
//	 "session":{"id":"r1-20261122T0930-3f2a","state":"live","started":1763811000000,"clock_s":1861,"auto":false},
//	 "current":{"start":1763812860000,"end":1763812920000,"views":31,"viewers":29,"online":412,
//	   "entries":31,"leaves":12,"impressions":220,"exposed":180,"clicks":44,"clickers":40,"orders":3,
//	   "buyers":3,"gmv":26700,"refunds":0,"refund_fen":0,"comments":9,"follows":2,"likes":40,
//	   "shares":1,"ad_spend":5000,"ctr":{"value":0.2,"num":44,"den":220},"cvr":{"value":0.075,"num":3,"den":40},
//	   "order_rate":{"value":0.068,"num":3,"den":44},"gpm":{"value":861290.3,"num":26700,"den":31},
//	   "uv_value":{"value":920.7,"num":26700,"den":29},"roi":{"value":5.34,"num":26700,"den":5000}},
//	 "session_totals":{...}, "last5":{...}, "prev5":{...},
//	 "tiles":[{"key":"gmv","unit":"fen","value":1834500,"last5":120300,"prev5":98000,"delta":22300,"delta_pct":0.2276}],
//	 "products":[{"product":"p7","impressions":900,"clicks":130,"clickers":120,"orders":0,"buyers":0,
//	   "gmv":0,"ctr":{"value":0.144,"num":130,"den":900},"cvr":{"value":0,"num":0,"den":120},
//	   "stock":42,"pinned":true,"flag":"raised"}],
//	 "flags":[{"id":"no_sale:p7:1763812850000","rule":"no_sale","product":"p7","state":"raised",
//	   "raised":1763812850000,"detail":{"clicks":130,"orders":0,"window_s":300,"threshold":100},
//	   "responses":[{"key":"pitch","text":"调整讲解话术"},{"key":"gift","text":"加赠：下单送…"},
//	     {"key":"next","text":"换下一款"},{"key":"check","text":"检查价格和库存"}]}],
//	 "comments":[{"ts":1763812859000,"user":"u9","text":"有S码吗？","topic":"size"}],
//	 "questions":[{"topic":"size","label":"尺码","count":12,"last5":4,"example":"有S码吗？"}],
//	 "ads":{"spend":450000,"gmv":1834500,"roi":{"value":4.08,"num":1834500,"den":450000},
//	   "last5_spend":30000,"last5_roi":{"value":4.01,"num":120300,"den":30000},"target_roi":3,"below_target":false},
//	 "pinned":"p7","window_s":300}
type Snapshot struct {
	Room       string      `json:"room"`
	ServerTime int64       `json:"server_time"` // unix ms when the snapshot was built
	Session    SessionInfo `json:"session"`

	// Current is the open minute, re-read every second.
	Current Metrics `json:"current"`
	// The closed minutes of the session are NOT in the tick: they go out as their own message
	// kind (KindMinutes, MinuteSeries) when a minute closes or is corrected, so the tick stays
	// small however long the stream runs.
	// SessionTotals covers the session from its start to now (idle: the last hour).
	SessionTotals Metrics `json:"session_totals"`
	// Last5 is the trailing window (WindowS seconds, default 300) ending now; Prev5 the one before.
	Last5 Metrics `json:"last5"`
	Prev5 Metrics `json:"prev5"`
	// Tiles are the headline numbers in display order, each with its last-5 vs prev-5 delta.
	Tiles []Tile `json:"tiles"`
	// Products are the per-product windows over Last5, sorted by clicks, most first.
	Products []ProductWindow `json:"products"`
	// Flags are the active (raised, acknowledged or snoozed) flags, newest first.
	Flags []Flag `json:"flags"`
	// Comments are the most recent comments, newest first (at most 50).
	Comments []Comment `json:"comments"`
	// Questions counts buyer questions by topic over the session, in fixed topic order.
	Questions []TopicCount `json:"questions"`
	// Sources are the shares of entries by traffic source over Last5 and the session.
	Sources SourceShares `json:"sources"`
	Ads     Ads          `json:"ads"`
	// Pinned is the product being presented (讲解), "" when none.
	Pinned string `json:"pinned"`
	// WindowS is the length of the sliding window in seconds (room setting).
	WindowS int `json:"window_s"`
	// Estimated names the fields that are live estimates (Redis HyperLogLog, about 0.8% standard
	// error) in current, session_totals, last5, prev5, tiles and products: the distinct-user
	// counts (viewers, exposed, clickers, buyers) and the rates built on them (cvr, uv_value).
	// Everything else is an exact count of the events seen so far; closed minutes with
	// "exact":true (MinuteSeries) are exact in every field.
	Estimated []string `json:"estimated"`
}

// estimatedFields is Snapshot.Estimated.
var estimatedFields = []string{"viewers", "exposed", "clickers", "buyers", "cvr", "uv_value"}

// Session states.
const (
	StateLive = "live"
	StateIdle = "idle"
)

// SessionInfo describes the room's current stream session (开播 … 下播).
type SessionInfo struct {
	ID      string `json:"id"`      // "" when idle
	State   string `json:"state"`   // StateLive or StateIdle
	Started int64  `json:"started"` // unix ms, 0 when idle
	ClockS  int64  `json:"clock_s"` // seconds since Started (the session clock)
	Auto    bool   `json:"auto"`    // started automatically by the first live event
}

// Metrics are the room's numbers over one span [Start, End). Definitions are DESIGN.md's:
// views = entries counted; viewers = distinct users who entered; online = the last gauge reported
// in the span, else entries − leaves since the session start; sales are paid orders only and
// refunds are shown beside GMV, never netted.
type Metrics struct {
	Start       int64 `json:"start"` // unix ms
	End         int64 `json:"end"`   // unix ms, exclusive
	Views       int64 `json:"views"`
	Viewers     int64 `json:"viewers"`
	Online      int64 `json:"online"`
	Entries     int64 `json:"entries"`
	Leaves      int64 `json:"leaves"`
	Impressions int64 `json:"impressions"`
	Exposed     int64 `json:"exposed"` // distinct users shown a product
	Clicks      int64 `json:"clicks"`
	Clickers    int64 `json:"clickers"` // distinct users who clicked
	Orders      int64 `json:"orders"`   // paid orders
	Buyers      int64 `json:"buyers"`   // distinct users with a paid order
	GMV         int64 `json:"gmv"`      // fen, paid amounts
	Refunds     int64 `json:"refunds"`  // refunded orders
	RefundFen   int64 `json:"refund_fen"`
	Comments    int64 `json:"comments"`
	Follows     int64 `json:"follows"`
	Likes       int64 `json:"likes"`
	Shares      int64 `json:"shares"`
	AdSpend     int64 `json:"ad_spend"` // fen

	CTR       livedesk.Ratio `json:"ctr"`        // clicks ÷ impressions
	CVR       livedesk.Ratio `json:"cvr"`        // buyers ÷ clickers
	OrderRate livedesk.Ratio `json:"order_rate"` // paid orders ÷ clicks (labelled "orders/clicks")
	GPM       livedesk.Ratio `json:"gpm"`        // GMV ÷ views × 1000, fen
	UVValue   livedesk.Ratio `json:"uv_value"`   // GMV ÷ viewers, fen
	ROI       livedesk.Ratio `json:"roi"`        // GMV ÷ ad spend

	// PeopleNA names the people counts (viewers, clickers, buyers) that are not available in the
	// span because some of its entries, clicks or orders came from running totals, which carry
	// no user; those counts (and CVR, UV value) are then not shown rather than estimated.
	PeopleNA []string `json:"people_na,omitempty"`

	// Exact is true for a closed minute computed from ClickHouse over the raw events (each event
	// id once, distinct users exact); false for the open minute, windows and totals, and for a
	// closed minute still in its few seconds of grace (then read from Redis).
	Exact bool `json:"exact,omitempty"`
}

// Tile units.
const (
	UnitCount = "count"
	UnitFen   = "fen"
	UnitRatio = "ratio"
)

// Tile is one headline number: its session value and the last window against the one before.
// Keys: gmv, orders, buyers, views, viewers, online, clicks, ctr, cvr, gpm, uv_value, roi, ad_spend.
// For rates Value/Last5/Prev5 are the rate values (GPM and UV value in fen) and Den* give what
// they were divided by. DeltaPct is nil when Prev5 is 0.
type Tile struct {
	Key      string   `json:"key"`
	Unit     string   `json:"unit"` // UnitCount, UnitFen or UnitRatio
	Value    float64  `json:"value"`
	Last5    float64  `json:"last5"`
	Prev5    float64  `json:"prev5"`
	Delta    float64  `json:"delta"` // Last5 − Prev5
	DeltaPct *float64 `json:"delta_pct"`
	// Den is the denominator of Value for rate tiles (e.g. impressions for CTR), 0 otherwise.
	Den int64 `json:"den,omitempty"`
	// NA is true when the tile's people count is not available (Metrics.PeopleNA): the page
	// shows "not available" instead of Value.
	NA bool `json:"na,omitempty"`
}

// ProductWindow is one product over the sliding window.
type ProductWindow struct {
	Product     string         `json:"product"`
	Impressions int64          `json:"impressions"`
	Clicks      int64          `json:"clicks"`
	Clickers    int64          `json:"clickers"`
	Orders      int64          `json:"orders"` // paid
	Buyers      int64          `json:"buyers"`
	GMV         int64          `json:"gmv"` // fen
	CTR         livedesk.Ratio `json:"ctr"` // clicks ÷ impressions
	CVR         livedesk.Ratio `json:"cvr"` // buyers ÷ clickers
	// PeopleNA names clickers and/or buyers when they are not available (running totals).
	PeopleNA []string `json:"people_na,omitempty"`
	// Stock is the last stock level reported by a stock event, nil when unknown.
	Stock  *int64 `json:"stock"`
	Pinned bool   `json:"pinned"`
	// Flag is the state of this product's most urgent active flag: "", FlagRaised,
	// FlagAcknowledged or FlagSnoozed.
	Flag string `json:"flag"`
}

// Flag rules.
const (
	RuleNoSale     = "no_sale"     // > N clicks and no paid order in the window
	RuleOnlineDrop = "online_drop" // average online down > X% against the previous window
	RuleLowROI     = "low_roi"     // window ROI below the room's target
	RuleLowStock   = "low_stock"   // the pinned product's stock below the threshold
)

// Flag states (and flag_events actions, with FlagCleared and FlagResponded).
const (
	FlagRaised       = "raised"
	FlagAcknowledged = "acknowledged"
	FlagSnoozed      = "snoozed"
	FlagCleared      = "cleared"
	FlagResponded    = "responded"
)

// Flag is one active alert for the operator.
type Flag struct {
	ID           string `json:"id"`
	Rule         string `json:"rule"`
	Product      string `json:"product,omitempty"`
	State        string `json:"state"`  // FlagRaised, FlagAcknowledged, FlagSnoozed or FlagResponded
	Raised       int64  `json:"raised"` // unix ms
	SnoozedUntil int64  `json:"snoozed_until,omitempty"`
	// Detail holds the numbers that made the rule fire (e.g. clicks, orders, window_s,
	// threshold; online_last, online_prev; roi_milli, target_milli; stock).
	Detail    map[string]int64 `json:"detail"`
	Responses []Response       `json:"responses"`
	// Name is the rule's name as the operator wrote it (built-in rules: their zh-CN name; pages
	// show built-in rules by Rule in the user's language).
	Name string `json:"name"`
	// Topic is the question topic of a ScopeTopic rule's flag.
	Topic string `json:"topic,omitempty"`
	// When are the conditions with the numbers that made the rule fire.
	When []FiredCond `json:"when"`
	// WindowS is the rule's window.
	WindowS int `json:"window_s"`
	// Responded is the key of the response chosen (state FlagResponded).
	Responded string `json:"responded,omitempty"`
	// Notify says the rule sends its flags to the shop's group bot.
	Notify bool `json:"notify,omitempty"`
}

// FiredCond is one condition of a raised flag with the value it saw.
type FiredCond struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
	Actual float64 `json:"actual"`
	Topic  string  `json:"topic,omitempty"`
}

// Response is a suggested response to a flag: a cue (Text goes to the prompter) or an action
// with its parameters (pin the next or a named product, a flash sale, a coupon) whose Text is
// also cued. Product "" means the flag's product (or the pinned one).
type Response struct {
	Key          string `json:"key"` // unique in the rule: pitch, gift, next, check, restock, ads, …
	Text         string `json:"text"`
	Kind         string `json:"kind,omitempty"` // RespCue ("" = cue), RespPinNext, RespPin, RespFlashSale, RespCoupon
	Product      string `json:"product,omitempty"`
	PriceFen     int64  `json:"price_fen,omitempty"`
	Qty          int64  `json:"qty,omitempty"`
	DurationS    int64  `json:"duration_s,omitempty"`
	DiscountFen  int64  `json:"discount_fen,omitempty"`
	ThresholdFen int64  `json:"threshold_fen,omitempty"`
}

// Comment is one viewer comment. Topic is the buyer-question topic, "" when it is not a question.
type Comment struct {
	TS    int64  `json:"ts"`
	User  string `json:"user"` // who wrote it: a relay's nickname, or the posted user
	Text  string `json:"text"`
	Topic string `json:"topic"`
	// Product is the product a question is about (named by number or title words, else the
	// pinned one; livedesk.ProductRef), "" when not clear; ProductTitle its catalog title.
	Product      string `json:"product,omitempty"`
	ProductTitle string `json:"product_title,omitempty"`
	// OnPinned: the question names no product, so it is about the pinned one (set as Product
	// when the tick reads it).
	OnPinned bool `json:"on_pinned,omitempty"`
}

// TopicCount is how many buyer questions of one topic were asked in the session and in the window.
type TopicCount struct {
	Topic   string `json:"topic"`
	Label   string `json:"label"` // zh-CN
	Count   int64  `json:"count"`
	Last5   int64  `json:"last5"`
	Example string `json:"example"` // the latest question of the topic, "" when none
	// Product and ProductTitle are the product the example is about ("" when not clear).
	Product      string `json:"product,omitempty"`
	ProductTitle string `json:"product_title,omitempty"`
}

// Ads is the paid-traffic summary.
type Ads struct {
	Spend       int64          `json:"spend"` // fen, session
	GMV         int64          `json:"gmv"`   // fen, session
	ROI         livedesk.Ratio `json:"roi"`
	Last5Spend  int64          `json:"last5_spend"`
	Last5ROI    livedesk.Ratio `json:"last5_roi"`
	TargetROI   float64        `json:"target_roi"` // room setting, 0 = none
	BelowTarget bool           `json:"below_target"`
}
