package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Task types of the stock checks.
const (
	TypeRestock         = "restock"          // stock under the safety stock
	TypeCouponReplenish = "coupon_replenish" // coupons left under the threshold
)

// SoldOutLabel marks a product whose stock is under soldout_below on every screen.
const SoldOutLabel = "即将售罄"

// LowStock is one product of the 即将售罄 list.
type LowStock struct {
	Product string `json:"product"`
	Stock   int64  `json:"stock"`
	Label   string `json:"label"`
}

// StockMessage is the body of the hub "stock" message: the shop's whole 即将售罄 list, so a page
// replaces its list with it (an empty list clears every marker).
type StockMessage struct {
	Below    int64      `json:"below"`
	Products []LowStock `json:"products"`
}

// StockJob marks products under soldout_below 即将售罄 (published to every page and readable with
// SoldOut) and opens a restock task for products under safety_stock.
func StockJob() *Job {
	return &Job{Name: "stock", Title: "库存预警", TitleEn: "Stock alerts", Schedule: "*/5 * * * *",
		Params: []Param{
			{Name: "soldout_below", Kind: "int", Default: "10", Label: "库存低于多少标记“即将售罄”", LabelEn: "Mark 即将售罄 below"},
			{Name: "safety_stock", Kind: "int", Default: "20", Label: "安全库存（低于则补货）", LabelEn: "Safety stock (restock below)"},
		},
		TaskTypes: []string{TypeRestock},
		Check:     checkStock,
	}
}

func checkStock(ctx context.Context, e *Env) (Findings, error) {
	levels, err := e.Store.Stock(ctx, e.Shop, e.Now)
	if err != nil {
		return Findings{}, err
	}
	soldout, safety := e.Params.Int("soldout_below"), e.Params.Int("safety_stock")
	var f Findings
	msg := StockMessage{Below: soldout, Products: soldOut(levels, soldout)}
	for _, l := range levels {
		if l.Stock >= safety {
			continue
		}
		sev := SeverityWarn
		if l.Stock < soldout {
			sev = SeverityUrgent
		}
		f.Tasks = append(f.Tasks, Spec{Type: TypeRestock, SubjectKind: SubjectProduct, SubjectID: l.Product,
			Severity: sev, Role: RoleAdmin,
			Title:   fmt.Sprintf("补货：商品 %s 库存 %d，低于安全库存 %d", e.Product(l.Product), l.Stock, safety),
			TitleEn: fmt.Sprintf("Restock %s: %d left, under the safety stock of %d", e.Product(l.Product), l.Stock, safety),
			Detail:  fmt.Sprintf("最近库存上报 %s；低于 %d 时各屏显示“%s”", clock(l.At, e.Loc), soldout, SoldOutLabel)})
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return Findings{}, err
	}
	f.Publish = append(f.Publish, Publication{Kind: StockKind, Body: body})
	f.Summary = fmt.Sprintf("低于安全库存 %d 个商品，即将售罄 %d 个", len(f.Tasks), len(msg.Products))
	return f, nil
}

// SoldOut returns the products of shop whose latest stock at now is under below (the 即将售罄
// list), for pages that render it server-side, e.g. the control room's product table.
func (s *Store) SoldOut(ctx context.Context, shop string, below int64, now time.Time) ([]LowStock, error) {
	levels, err := s.Stock(ctx, shop, now)
	if err != nil {
		return nil, err
	}
	return soldOut(levels, below), nil
}

// soldOut is the 即将售罄 list of levels: the products under below, never nil (so it encodes as
// [] and a page clears its markers).
func soldOut(levels []StockLevel, below int64) []LowStock {
	out := []LowStock{}
	for _, l := range levels {
		if l.Stock < below {
			out = append(out, LowStock{Product: l.Product, Stock: l.Stock, Label: SoldOutLabel})
		}
	}
	return out
}

// CouponJob opens a replenish task for each coupon whose remaining count is under min_left.
func CouponJob() *Job {
	return &Job{Name: "coupons", Title: "优惠券余量", TitleEn: "Coupon stock", Schedule: "*/15 * * * *",
		Params: []Param{
			{Name: "min_left", Kind: "int", Default: "20", Label: "剩余张数低于多少补充", LabelEn: "Replenish when fewer left than"},
		},
		TaskTypes: []string{TypeCouponReplenish},
		Check:     checkCoupons,
	}
}

func checkCoupons(ctx context.Context, e *Env) (Findings, error) {
	coupons, err := e.Store.Coupons(ctx, e.Shop, e.Now)
	if err != nil {
		return Findings{}, err
	}
	min := e.Params.Int("min_left")
	var f Findings
	for _, c := range coupons {
		if c.Left >= min {
			continue
		}
		name := c.Name
		if name == "" {
			name = c.Coupon
		}
		f.Tasks = append(f.Tasks, Spec{Type: TypeCouponReplenish, SubjectKind: SubjectCoupon, SubjectID: c.Coupon,
			Severity: SeverityWarn, Role: RoleOperator,
			Title:   fmt.Sprintf("补充优惠券“%s”：剩余 %d 张", name, c.Left),
			TitleEn: fmt.Sprintf("Replenish coupon %q: %d left", name, c.Left),
			Detail:  fmt.Sprintf("券 %s · 最近上报 %s · 阈值 %d 张", c.Coupon, clock(c.At, e.Loc), min)})
	}
	f.Summary = fmt.Sprintf("余量不足的优惠券 %d 种", len(f.Tasks))
	return f, nil
}
