package stage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
)

// KindStage is the hub message kind that carries a room's Stage.
const KindStage = "stage"

// StagePoints is how many selling points the prompter shows.
const StagePoints = 3

// LowStock is the stock level under which the prompter says 即将售罄.
const LowStock = 10

// Stage is what a room's prompter shows, set by the operator's actions: the product being
// presented, the running flash sale, the latest coupon and the latest cue with its
// acknowledgement. It is published as kind "stage" (JSON below) after every change and stored in
// room_stage so it survives a restart. Times are unix milliseconds; money is fen, with the ¥ text
// alongside so pages never do money arithmetic.
//
//	{"room":"r1","product":{"id":"p1","title":"纯棉T恤","price":1990,"price_text":"¥19.90",
//	  "list_price":3990,"list_price_text":"¥39.90","points":["纯棉","三色"],"stock":8,"low_stock":true,
//	  "image":"","tag":"引流款"},"pinned_at":1763812800000,
//	 "flash_sale":{"id":"op-…","product":"p1","title":"纯棉T恤","price":990,"price_text":"¥9.90",
//	  "qty":100,"started":1763812800000,"ends":1763812980000},
//	 "coupon":{"id":"op-…","text":"满99减10","discount":1000,"threshold":9900,"qty":200,"at":1763812800000},
//	 "cue":{"id":"op-…","text":"强调尺码","at":1763812800000,"by":"ops1","acked":true,
//	  "acked_at":1763812803000,"acked_by":"anchor1"},"answered":{"size":1763812790000},
//	 "updated":1763812803000}
type Stage struct {
	Room      string        `json:"room"`
	Product   *StageProduct `json:"product"`
	PinnedAt  int64         `json:"pinned_at"`
	FlashSale *FlashSale    `json:"flash_sale"`
	Coupon    *Coupon       `json:"coupon"`
	Cue       *Cue          `json:"cue"`
	// Answered is when each buyer question topic (TopicSize …) was last answered on air, unix ms;
	// the prompter counts a topic's questions only after it. Absent topics were never answered.
	Answered map[string]int64 `json:"answered,omitempty"`
	Updated  int64            `json:"updated"`
}

// StageProduct is the pinned product as the prompter shows it.
type StageProduct struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Price         int64    `json:"price"`
	PriceText     string   `json:"price_text"`
	ListPrice     int64    `json:"list_price"`
	ListPriceText string   `json:"list_price_text"` // "" when there is no list price
	Points        []string `json:"points"`          // the first StagePoints selling points
	Stock         int64    `json:"stock"`
	LowStock      bool     `json:"low_stock"` // stock < LowStock (即将售罄)
	Image         string   `json:"image"`
	Tag           string   `json:"tag"`
}

// FlashSale is a running (or just ended) flash sale; the page counts down to Ends.
type FlashSale struct {
	ID        string `json:"id"`
	Product   string `json:"product"`
	Title     string `json:"title"`
	Price     int64  `json:"price"`
	PriceText string `json:"price_text"`
	Qty       int64  `json:"qty"`
	Started   int64  `json:"started"`
	Ends      int64  `json:"ends"`
}

// Coupon is the latest coupon dropped in the room.
type Coupon struct {
	ID        string `json:"id"`
	Text      string `json:"text"`      // e.g. 满99减10 or 无门槛减5, with the operator's name if any
	Discount  int64  `json:"discount"`  // fen off
	Threshold int64  `json:"threshold"` // fen spent to qualify, 0 = none
	Qty       int64  `json:"qty"`
	At        int64  `json:"at"`
}

// Cue is the operator's latest message to the anchor.
type Cue struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	At      int64  `json:"at"`
	By      string `json:"by"`
	Flag    string `json:"flag,omitempty"` // the flag this cue responds to
	Acked   bool   `json:"acked"`
	AckedAt int64  `json:"acked_at,omitempty"`
	AckedBy string `json:"acked_by,omitempty"`
}

// stageProduct builds the prompter's view of p.
func stageProduct(p catalog.Product) *StageProduct {
	pts := p.Points
	if len(pts) > StagePoints {
		pts = pts[:StagePoints]
	}
	sp := &StageProduct{ID: p.ID, Title: p.Title, Price: p.Price, PriceText: "¥" + livedesk.FormatYuan(p.Price),
		ListPrice: p.ListPrice, Points: append([]string{}, pts...), Image: p.Image, Tag: p.Tag}
	if p.ListPrice > 0 {
		sp.ListPriceText = "¥" + livedesk.FormatYuan(p.ListPrice)
	}
	sp.setStock(p.Stock)
	return sp
}

func (sp *StageProduct) setStock(n int64) {
	sp.Stock = n
	sp.LowStock = n < LowStock
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// loadStage reads the room's stage from ClickHouse; an empty stage when the room has none.
func loadStage(ctx context.Context, a *Actions, shop, room string) (Stage, error) {
	rows, err := a.CH.Query(ctx, "SELECT body FROM room_stage FINAL WHERE shop = ? AND room = ?", shop, room)
	if err != nil {
		return Stage{}, fmt.Errorf("stage: load stage %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	st := Stage{Room: room}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return Stage{}, fmt.Errorf("stage: load stage %s/%s: %w", shop, room, err)
		}
		if err := json.Unmarshal([]byte(body), &st); err != nil {
			return Stage{}, fmt.Errorf("stage: load stage %s/%s: %w", shop, room, err)
		}
	}
	if err := rows.Err(); err != nil {
		return Stage{}, fmt.Errorf("stage: load stage %s/%s: %w", shop, room, err)
	}
	st.Room = room
	a.localize(ctx, shop, &st)
	return st, nil
}

// saveStage stores st as the room's newest stage and returns its JSON.
func saveStage(ctx context.Context, a *Actions, shop string, st Stage, now time.Time) ([]byte, error) {
	body, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("stage: save stage: %w", err)
	}
	batch, err := a.CH.PrepareBatch(ctx, "INSERT INTO room_stage (shop, room, body, version)")
	if err != nil {
		return nil, fmt.Errorf("stage: save stage %s/%s: %w", shop, st.Room, err)
	}
	defer batch.Close()
	if err := batch.Append(shop, st.Room, string(body), uint64(now.UnixNano())); err != nil {
		return nil, fmt.Errorf("stage: save stage %s/%s: %w", shop, st.Room, err)
	}
	if err := batch.Send(); err != nil {
		return nil, fmt.Errorf("stage: save stage %s/%s: %w", shop, st.Room, err)
	}
	return body, nil
}
