package jobs

import (
	"context"
	"fmt"
	"time"
)

// Task types of the order checks.
const (
	TypeUnpaidRemind = "unpaid_remind" // created, not paid after remind_after_min
	TypeUnpaidClose  = "unpaid_close"  // not paid after close_after_hours: close it, stock is released
	TypeShip         = "ship"          // paid, not shipped after warn_hours (urgent after breach_hours)
	TypeShipRate     = "ship_rate"     // the day's on-time shipping rate under target
	TypeRefund       = "refund"        // refund request due by 24:00 of its day
)

// orderLookback bounds how far back order checks read events; older orders drop out (and their
// tasks close) after this.
const orderLookback = 30 * 24 * time.Hour

func clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("01-02 15:04") }

func pending(o OrderState) bool {
	return o.Paid.IsZero() && o.Status == "created"
}

// UnpaidJob reminds about orders created and not paid, and at close_after_hours asks for the
// order to be closed, which releases its stock.
func UnpaidJob() *Job {
	return &Job{Name: "unpaid", Title: "未付款订单催付与关单", TitleEn: "Unpaid orders", Schedule: "*/5 * * * *",
		Params: []Param{
			{Name: "remind_after_min", Kind: "int", Default: "30", Label: "下单后多少分钟未付款催付", LabelEn: "Remind after (minutes unpaid)"},
			{Name: "close_after_hours", Kind: "int", Default: "48", Label: "多少小时未付款关单并释放库存", LabelEn: "Close and release stock after (hours)"},
		},
		TaskTypes: []string{TypeUnpaidRemind, TypeUnpaidClose},
		Check:     checkUnpaid,
	}
}

func checkUnpaid(ctx context.Context, e *Env) (Findings, error) {
	orders, err := e.Store.Orders(ctx, e.Shop, e.Now.Add(-orderLookback), e.Now)
	if err != nil {
		return Findings{}, err
	}
	remind := time.Duration(e.Params.Int("remind_after_min")) * time.Minute
	closeAfter := time.Duration(e.Params.Int("close_after_hours")) * time.Hour
	var f Findings
	var releasing int
	for _, o := range orders {
		if !pending(o) {
			continue
		}
		age := e.Now.Sub(o.Created)
		switch {
		case age >= closeAfter:
			releasing++
			f.Tasks = append(f.Tasks, Spec{Type: TypeUnpaidClose, SubjectKind: SubjectOrder, SubjectID: o.Order,
				Severity: SeverityWarn, Role: RoleOperator, Due: o.Created.Add(closeAfter),
				Title:   fmt.Sprintf("关闭超时未付款订单 %s，释放库存", o.Order),
				TitleEn: fmt.Sprintf("Close unpaid order %s and release its stock", o.Order),
				Detail:  fmt.Sprintf("下单 %s · 商品 %s ×%s · 买家 %s · 超过 %d 小时未付款，库存释放", clock(o.Created, e.Loc), e.Product(o.Product), e.Money(o.Amount), o.User, int(closeAfter.Hours()))})
		case age >= remind:
			f.Tasks = append(f.Tasks, Spec{Type: TypeUnpaidRemind, SubjectKind: SubjectOrder, SubjectID: o.Order,
				Severity: SeverityInfo, Role: RoleOperator, Due: o.Created.Add(closeAfter),
				Title:   fmt.Sprintf("催付：订单 %s 下单后未付款", o.Order),
				TitleEn: fmt.Sprintf("Remind buyer to pay order %s", o.Order),
				Detail:  fmt.Sprintf("下单 %s · 商品 %s · 金额 %s · 买家 %s", clock(o.Created, e.Loc), e.Product(o.Product), e.Money(o.Amount), o.User)})
		}
	}
	f.Summary = fmt.Sprintf("未付款待催 %d，超时关单（释放库存）%d", len(f.Tasks)-releasing, releasing)
	return f, nil
}

// ShippingJob watches paid orders not shipped: a warning at warn_hours, a breach (urgent) at
// breach_hours; it also computes the day's on-time shipping rate against target_pct.
func ShippingJob() *Job {
	return &Job{Name: "shipping", Title: "发货时效", TitleEn: "Shipping SLA", Schedule: "*/30 * * * *",
		Params: []Param{
			{Name: "warn_hours", Kind: "int", Default: "24", Label: "付款后多少小时未发货预警", LabelEn: "Warn after (hours unshipped)"},
			{Name: "breach_hours", Kind: "int", Default: "48", Label: "发货时限（小时）", LabelEn: "Ship within (hours)"},
			{Name: "target_pct", Kind: "percent", Default: "95", Label: "发货及时率目标 %", LabelEn: "On-time shipping target %"},
		},
		TaskTypes: []string{TypeShip, TypeShipRate},
		Check:     checkShipping,
	}
}

// ShipDay is the on-time count of one shop day: orders shipped that day, plus orders whose
// deadline passed that day unshipped; on time = shipped within the limit of payment.
type ShipDay struct {
	Due, OnTime int
}

// Rate is OnTime ÷ Due in percent (100 when nothing was due).
func (d ShipDay) Rate() float64 {
	if d.Due == 0 {
		return 100
	}
	return float64(d.OnTime) * 100 / float64(d.Due)
}

// ShipRate counts day [start, now] for orders with the shipping limit.
func ShipRate(orders []OrderState, start, now time.Time, limit time.Duration) ShipDay {
	var d ShipDay
	for _, o := range orders {
		if o.Paid.IsZero() {
			continue
		}
		deadline := o.Paid.Add(limit)
		switch {
		case !o.Shipped.IsZero() && !o.Shipped.Before(start) && !o.Shipped.After(now):
			d.Due++
			if !o.Shipped.After(deadline) {
				d.OnTime++
			}
		case o.Shipped.IsZero() && shippable(o) && !deadline.Before(start) && deadline.Before(now):
			d.Due++
		}
	}
	return d
}

// shippable: paid, and neither cancelled nor refunded since.
func shippable(o OrderState) bool {
	return !o.Paid.IsZero() && o.Status != "cancelled" && o.Status != "refunded"
}

func checkShipping(ctx context.Context, e *Env) (Findings, error) {
	orders, err := e.Store.Orders(ctx, e.Shop, e.Now.Add(-orderLookback), e.Now)
	if err != nil {
		return Findings{}, err
	}
	warn := time.Duration(e.Params.Int("warn_hours")) * time.Hour
	breach := time.Duration(e.Params.Int("breach_hours")) * time.Hour
	var f Findings
	late := 0
	for _, o := range orders {
		if !o.Shipped.IsZero() || !shippable(o) {
			continue
		}
		age := e.Now.Sub(o.Paid)
		if age < warn {
			continue
		}
		sev, title, titleEn := SeverityWarn, "发货预警：订单 %s 付款超 %d 小时未发货", "Ship soon: order %s unshipped %d h after payment"
		hours := int(warn.Hours())
		if age >= breach {
			late++
			sev, title, titleEn = SeverityUrgent, "发货超时：订单 %s 付款超 %d 小时未发货", "Late: order %s unshipped %d h after payment"
			hours = int(breach.Hours())
		}
		f.Tasks = append(f.Tasks, Spec{Type: TypeShip, SubjectKind: SubjectOrder, SubjectID: o.Order, Severity: sev,
			Role: RoleOperator, Due: o.Paid.Add(breach),
			Title: fmt.Sprintf(title, o.Order, hours), TitleEn: fmt.Sprintf(titleEn, o.Order, hours),
			Detail: fmt.Sprintf("付款 %s · 商品 %s · 金额 %s · 最晚发货 %s", clock(o.Paid, e.Loc), e.Product(o.Product), e.Money(o.Amount), clock(o.Paid.Add(breach), e.Loc))})
	}
	start := StartOfDay(e.Now, e.Loc)
	day := ShipRate(orders, start, e.Now, breach)
	target := float64(e.Params.Int("target_pct"))
	dayKey := DayKey(e.Now, e.Loc)
	if day.Due > 0 && day.Rate() < target {
		f.Tasks = append(f.Tasks, Spec{Type: TypeShipRate, SubjectKind: SubjectShop, SubjectID: dayKey,
			Severity: SeverityWarn, Role: RoleAdmin, Due: EndOfDay(e.Now, e.Loc),
			Title:   fmt.Sprintf("%s 发货及时率 %.1f%% 低于目标 %.0f%%", dayKey, day.Rate(), target),
			TitleEn: fmt.Sprintf("%s on-time shipping %.1f%% below the %.0f%% target", dayKey, day.Rate(), target),
			Detail:  fmt.Sprintf("应发 %d 单，按时 %d 单（付款后 %d 小时内）", day.Due, day.OnTime, int(breach.Hours()))})
	}
	// The rate task speaks only for today: earlier days' rate tasks stay until someone closes them.
	f.Covers = func(t Task) bool { return t.Type == TypeShip || t.SubjectID == dayKey }
	f.Found = len(f.Tasks)
	f.Summary = fmt.Sprintf("待发货预警 %d，超时 %d；今日发货及时率 %.1f%%（%d/%d）", len(f.Tasks)-late-boolInt(day.Due > 0 && day.Rate() < target), late, day.Rate(), day.OnTime, day.Due)
	return f, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RefundJob makes each open refund request a task due by 24:00 of the day it came in (shop
// time); an overdue one escalates to urgent for the admin.
func RefundJob() *Job {
	return &Job{Name: "refunds", Title: "退款当日处理", TitleEn: "Refunds due today", Schedule: "*/15 * * * *",
		TaskTypes: []string{TypeRefund},
		Check:     checkRefunds,
	}
}

func checkRefunds(ctx context.Context, e *Env) (Findings, error) {
	orders, err := e.Store.Orders(ctx, e.Shop, e.Now.Add(-orderLookback), e.Now)
	if err != nil {
		return Findings{}, err
	}
	var f Findings
	overdue := 0
	for _, o := range orders {
		if o.Status != "refund_requested" {
			continue
		}
		due := EndOfDay(o.RefundReq, e.Loc)
		s := Spec{Type: TypeRefund, SubjectKind: SubjectOrder, SubjectID: o.Order, Severity: SeverityWarn,
			Role: RoleOperator, Due: due,
			Title:   fmt.Sprintf("处理退款申请：订单 %s（今日 24:00 前）", o.Order),
			TitleEn: fmt.Sprintf("Handle the refund request of order %s by midnight", o.Order),
			Detail:  fmt.Sprintf("申请 %s · 商品 %s · 金额 %s · 拒绝时需备注原因", clock(o.RefundReq, e.Loc), e.Product(o.Product), e.Money(o.Amount))}
		if !e.Now.Before(due) {
			overdue++
			s.Severity, s.Role = SeverityUrgent, RoleAdmin
			s.Title = fmt.Sprintf("退款超时未处理：订单 %s（已升级）", o.Order)
			s.TitleEn = fmt.Sprintf("Overdue refund request: order %s (escalated)", o.Order)
		}
		f.Tasks = append(f.Tasks, s)
	}
	f.Summary = fmt.Sprintf("待处理退款 %d，其中超时升级 %d", len(f.Tasks), overdue)
	return f, nil
}
