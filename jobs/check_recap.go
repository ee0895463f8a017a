package jobs

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
)

// Task types of the recaps.
const (
	TypeReturnRate = "return_rate" // a product's return rate over the threshold: check the detail page against the goods
	TypeDetailPage = "detail_page" // CTR over, CVR under the thresholds: fix the detail page
)

// recapParams are the thresholds both recaps use (seed 000: 退货率>10%, 点击率>5% 但转化率<1%,
// 回复率≥80%, 发货及时率≥95%, 投流 ROI 目标).
func recapParams() []Param {
	return []Param{
		{Name: "target_roi", Kind: "number", Default: "3", Label: "目标 ROI", LabelEn: "Target ROI"},
		{Name: "return_pct", Kind: "percent", Default: "10", Label: "退货率高于 % 建任务", LabelEn: "Task when return rate above %"},
		{Name: "return_days", Kind: "int", Default: "7", Label: "退货率统计天数", LabelEn: "Return rate over (days)"},
		{Name: "return_min_orders", Kind: "int", Default: "10", Label: "退货率至少按多少单计算", LabelEn: "Return rate needs at least (orders)"},
		{Name: "ctr_pct", Kind: "percent", Default: "5", Label: "点击率高于 %", LabelEn: "CTR above %"},
		{Name: "cvr_pct", Kind: "percent", Default: "1", Label: "且转化率低于 % 时优化详情页", LabelEn: "and CVR below % → fix the detail page"},
		{Name: "min_clickers", Kind: "int", Default: "100", Label: "转化率至少按多少点击人数计算", LabelEn: "CVR needs at least (clicking users)"},
		{Name: "reply_minutes", Kind: "int", Default: "3", Label: "客服几分钟内回复算及时", LabelEn: "CS answered within (minutes)"},
		{Name: "reply_target", Kind: "percent", Default: "80", Label: "回复率目标 %", LabelEn: "Reply rate target %"},
		{Name: "ship_hours", Kind: "int", Default: "48", Label: "发货时限（小时）", LabelEn: "Ship within (hours)"},
		{Name: "ship_target", Kind: "percent", Default: "95", Label: "发货及时率目标 %", LabelEn: "On-time shipping target %"},
		{Name: "low_rating", Kind: "int", Default: "2", Label: "评分不高于几星算差评", LabelEn: "Negative at or below (stars)"},
	}
}

// MorningRecapJob recaps yesterday at 08:30 shop time and raises the product tasks (return
// rate, detail page) from yesterday's full day.
func MorningRecapJob() *Job {
	return &Job{Name: "morning_recap", Title: "晨间复盘（昨日）", TitleEn: "Morning recap (yesterday)", Schedule: "30 8 * * *",
		Params: recapParams(), TaskTypes: []string{TypeReturnRate, TypeDetailPage},
		Check: func(ctx context.Context, e *Env) (Findings, error) {
			today := StartOfDay(e.Now, e.Loc)
			yesterday := StartOfDay(today.Add(-12*time.Hour), e.Loc)
			return runRecap(ctx, e, RecapMorning, yesterday, today, true)
		},
	}
}

// EveningRecapJob recaps today until now at 21:00 shop time; it lists the products but leaves
// their tasks to the morning recap's full day.
func EveningRecapJob() *Job {
	return &Job{Name: "evening_recap", Title: "晚间复盘（今日）", TitleEn: "Evening recap (today)", Schedule: "0 21 * * *",
		Params: recapParams(),
		Check: func(ctx context.Context, e *Env) (Findings, error) {
			return runRecap(ctx, e, RecapEvening, StartOfDay(e.Now, e.Loc), e.Now, false)
		},
	}
}

func runRecap(ctx context.Context, e *Env, kind string, from, to time.Time, tasks bool) (Findings, error) {
	r, err := BuildRecap(ctx, e, kind, from, to)
	if err != nil {
		return Findings{}, err
	}
	if err := e.Store.SaveRecap(ctx, r); err != nil {
		return Findings{}, err
	}
	f := Findings{Found: int(r.Counts.Paid), Summary: RecapSummary(r, e.Currency)}
	text := RecapText(r, e.Currency)
	f.Notify = []Notification{{Kind: "recap", Severity: SeverityInfo, Title: recapTitle(r), Text: text, At: e.Now}}
	if tasks {
		f.Tasks = recapTasks(r, e)
	}
	return f, nil
}

// BuildRecap computes the recap of [from, to) for e's shop.
func BuildRecap(ctx context.Context, e *Env, kind string, from, to time.Time) (*Recap, error) {
	p := e.Params
	r := &Recap{Shop: e.Shop, Kind: kind, Day: DayKey(from, e.Loc), From: from, To: to, At: e.Now, Zone: e.Loc.String(),
		Currency: e.Currency.Code, TargetROI: p.Float("target_roi")}
	histFrom := StartOfDay(time.Date(from.In(e.Loc).Year(), from.In(e.Loc).Month(), from.In(e.Loc).Day()-30, 12, 0, 0, 0, e.Loc), e.Loc)
	days, err := e.Store.DailyCounts(ctx, e.Shop, e.Loc, histFrom, to)
	if err != nil {
		return nil, err
	}
	r.Counts = days[r.Day]
	r.Counts.Day = r.Day
	for i := 1; i <= 30; i++ {
		l := from.In(e.Loc)
		d := time.Date(l.Year(), l.Month(), l.Day()-i, 12, 0, 0, 0, e.Loc).Format("2006-01-02")
		c := days[d]
		c.Day = d
		r.History = append(r.History, c)
	}
	r.Metrics = Metrics(r.Counts, r.History)
	r.Movers = Movers(r.Metrics, 3)
	if r.Sources, err = e.Store.Sources(ctx, e.Shop, from, to); err != nil {
		return nil, err
	}
	if err := recapProducts(ctx, e, r); err != nil {
		return nil, err
	}
	if err := recapService(ctx, e, r); err != nil {
		return nil, err
	}
	if r.OpenTasks, r.Overdue, err = e.Store.OpenCounts(ctx, e.Shop, e.Now); err != nil {
		return nil, err
	}
	return r, nil
}

func recapProducts(ctx context.Context, e *Env, r *Recap) error {
	p := e.Params
	wdays := max(int(p.Int("return_days")), 1)
	l := r.To.In(e.Loc)
	if r.Kind == RecapEvening {
		l = l.AddDate(0, 0, 1)
	}
	wfrom := StartOfDay(time.Date(l.Year(), l.Month(), l.Day()-wdays, 12, 0, 0, 0, e.Loc), e.Loc)
	prods, err := e.Store.ProductDay(ctx, e.Shop, r.From, r.To, wfrom)
	if err != nil {
		return err
	}
	titles, stock := map[string]string{}, map[string]int64{}
	if e.Catalog != nil {
		ps, err := e.Catalog.Products(ctx, e.Shop)
		if err != nil {
			return err
		}
		for _, pr := range ps {
			titles[pr.ID], stock[pr.ID] = pr.Title, pr.Stock
		}
	}
	if len(stock) == 0 {
		levels, err := e.Store.Stock(ctx, e.Shop, e.Now)
		if err != nil {
			return err
		}
		for _, s := range levels {
			stock[s.Product] = s.Stock
		}
	}
	var all []ProductLine
	for id, pl := range prods {
		pl.Title = titles[id]
		if pl.Title == "" {
			pl.Title = id
		}
		pl.ReturnsDays = wdays
		if pl.WindowPaid > 0 {
			pl.ReturnRate = float64(pl.WindowRet) / float64(pl.WindowPaid)
		}
		if pl.Impressions > 0 {
			pl.CTR, pl.CTRDefined = float64(pl.Clicks)/float64(pl.Impressions), true
		}
		if pl.Clickers > 0 {
			pl.CVR, pl.CVRDefined = float64(pl.Buyers)/float64(pl.Clickers), true
		}
		pl.Stock, pl.StockKnown = stock[id]
		all = append(all, *pl)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Product < all[j].Product })
	r.TopGMV = topBy(all, func(a ProductLine) int64 { return a.GMV }, 3)
	r.TopReturns = topBy(all, func(a ProductLine) int64 { return a.Returns }, 3)
	retPct, minOrders := float64(p.Int("return_pct"))/100, p.Int("return_min_orders")
	ctr, cvr, minClickers := float64(p.Int("ctr_pct"))/100, float64(p.Int("cvr_pct"))/100, p.Int("min_clickers")
	for _, pl := range all {
		if pl.WindowPaid >= max(minOrders, 1) && pl.ReturnRate > retPct {
			r.HighReturn = append(r.HighReturn, pl)
		}
		if pl.CTRDefined && pl.CTR > ctr && pl.Clickers >= max(minClickers, 1) && pl.CVR < cvr {
			r.LowCVR = append(r.LowCVR, pl)
		}
	}
	var sales []livedesk.PushSales
	for _, pl := range all {
		sales = append(sales, livedesk.PushSales{Product: pl.Product, GMV: pl.GMV, Orders: pl.Paid, Units: pl.Units})
	}
	byID := map[string]ProductLine{}
	for _, pl := range all {
		byID[pl.Product] = pl
	}
	for _, c := range livedesk.PickPush(sales, stock, 20, 3) {
		pl := byID[c.Product]
		pl.Short = c.Short
		sold := fmt.Sprintf("成交 %s，第 %d 名，%d 单 %d 件", e.Money(c.GMV), c.Rank, c.Orders, c.Units)
		soldEn := fmt.Sprintf("sold %s (#%d), %d orders, %d items", e.Money(c.GMV), c.Rank, c.Orders, c.Units)
		switch {
		case !c.StockKnown:
			pl.Reason, pl.ReasonEn = sold+"；库存未知，开播前请核对", soldEn+"; stock unknown, check it before the stream"
		case !c.Short:
			pl.Reason = fmt.Sprintf("%s；库存 %d 件，够再卖 %.1f 天", sold, c.Stock, float64(c.Stock)/float64(max(c.Units, 1)))
			pl.ReasonEn = fmt.Sprintf("%s; %d in stock, enough for %.1f more days like this", soldEn, c.Stock, float64(c.Stock)/float64(max(c.Units, 1)))
		default:
			pl.Reason = fmt.Sprintf("%s；但库存仅 %d 件（需至少 %d），先补货再主推", sold, c.Stock, c.Need)
			pl.ReasonEn = fmt.Sprintf("%s; only %d in stock (needs %d): restock first", soldEn, c.Stock, c.Need)
		}
		r.Push = append(r.Push, pl)
	}
	return nil
}

// topBy returns up to n lines with the largest positive key, ties by product id.
func topBy(all []ProductLine, key func(ProductLine) int64, n int) []ProductLine {
	var out []ProductLine
	for _, a := range all {
		if key(a) > 0 {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) > key(out[j]) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func recapService(ctx context.Context, e *Env, r *Recap) error {
	p := e.Params
	limit := time.Duration(p.Int("reply_minutes")) * time.Minute
	msgs, err := e.Store.Messages(ctx, e.Shop, r.From, r.To.Add(limit))
	if err != nil {
		return err
	}
	var inDay []Message
	for _, m := range msgs {
		if m.Direction == "out" || m.TS.Before(r.To) {
			inDay = append(inDay, m)
		}
	}
	st := ReplyRate(inDay, e.Loc, 0, 24*time.Hour, limit, r.To.Add(limit))
	sv := Service{ReplyIn: st.Incoming, ReplyOnTime: st.OnTime, ReplyRate: st.Rate(), ReplyTarget: float64(p.Int("reply_target")),
		ReplyMinutes: int(limit.Minutes()), ShipTarget: float64(p.Int("ship_target")), LowRating: int(p.Int("low_rating"))}
	orders, err := e.Store.Orders(ctx, e.Shop, r.From.Add(-orderLookback), r.To)
	if err != nil {
		return err
	}
	ship := ShipRate(orders, r.From, r.To, time.Duration(p.Int("ship_hours"))*time.Hour)
	sv.ShipDue, sv.ShipOnTime, sv.ShipRate = ship.Due, ship.OnTime, ship.Rate()
	reviews, err := e.Store.Reviews(ctx, e.Shop, r.From, r.To)
	if err != nil {
		return err
	}
	for _, rv := range reviews {
		if int(rv.Rating) <= sv.LowRating && !rv.At.Before(r.From) && rv.At.Before(r.To) {
			sv.LowReviews = append(sv.LowReviews, rv)
		}
	}
	sort.Slice(sv.LowReviews, func(i, j int) bool { return sv.LowReviews[i].At.Before(sv.LowReviews[j].At) })
	r.Service = sv
	return nil
}

// recapTasks raises a task per product over the return rate and per product whose detail page
// loses the clicks it earns.
func recapTasks(r *Recap, e *Env) []Spec {
	var out []Spec
	due := EndOfDay(e.Now, e.Loc)
	for _, pl := range r.HighReturn {
		out = append(out, Spec{Type: TypeReturnRate, SubjectKind: SubjectProduct, SubjectID: pl.Product, Severity: SeverityWarn,
			Role: RoleAdmin, Due: due,
			Title:   fmt.Sprintf("「%s」近 %d 天退货率 %.1f%%，检查详情页描述与实物是否相符", pl.Title, pl.ReturnsDays, pl.ReturnRate*100),
			TitleEn: fmt.Sprintf("“%s” return rate %.1f%% over %d days: check the detail page against the goods (size, colour)", pl.Title, pl.ReturnRate*100, pl.ReturnsDays),
			Detail:  fmt.Sprintf("退货/退款 %d 单 ÷ 付款 %d 单（近 %d 天）", pl.WindowRet, pl.WindowPaid, pl.ReturnsDays)})
	}
	for _, pl := range r.LowCVR {
		out = append(out, Spec{Type: TypeDetailPage, SubjectKind: SubjectProduct, SubjectID: pl.Product, Severity: SeverityWarn,
			Role: RoleAdmin, Due: due,
			Title:   fmt.Sprintf("「%s」点击率 %.1f%% 但转化率 %.1f%%，优化详情页", pl.Title, pl.CTR*100, pl.CVR*100),
			TitleEn: fmt.Sprintf("“%s” CTR %.1f%% but CVR %.1f%%: fix the detail page", pl.Title, pl.CTR*100, pl.CVR*100),
			Detail:  fmt.Sprintf("%s：点击 %d ÷ 曝光 %d；成交人数 %d ÷ 点击人数 %d", r.Day, pl.Clicks, pl.Impressions, pl.Buyers, pl.Clickers)})
	}
	return out
}

func recapTitle(r *Recap) string {
	if r.Kind == RecapMorning {
		return "晨间复盘 · 昨日 " + r.Day
	}
	return "晚间复盘 · 今日 " + r.Day
}

var metricZH = map[string]string{MViews: "观看次数", MViewers: "观看人数", MCTR: "点击率", MCVR: "转化率", MGMV: "GMV",
	MPaid: "付款订单", MAOV: "客单价", MRefunds: "退款金额", MRefundCnt: "退款订单", MAdSpend: "投流消耗", MROI: "ROI"}

// MetricLabel names a metric in zh-CN.
func MetricLabel(key string) string { return metricZH[key] }

// FormatMetric writes a metric value for people in the shop's currency ("—" when undefined).
func FormatMetric(key string, v *float64, cur livedesk.Currency) string {
	if v == nil {
		return "—"
	}
	switch key {
	case MCTR, MCVR:
		return fmt.Sprintf("%.2f%%", *v*100)
	case MROI:
		return fmt.Sprintf("%.2f", *v)
	case MGMV, MAOV, MRefunds, MAdSpend:
		return cur.Format(int64(math.Round(*v)))
	}
	if *v == math.Trunc(*v) {
		return livedesk.Int(int64(*v))
	}
	return fmt.Sprintf("%.1f", *v)
}

// FormatChange writes a change as "+12%" / "-8%" ("" when undefined).
func FormatChange(c *float64) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("%+.0f%%", *c*100)
}

// RecapSummary is the one line of the runs list.
func RecapSummary(r *Recap, cur livedesk.Currency) string {
	return fmt.Sprintf("%s GMV %s · 付款 %d 单 · 退款 %s · 观看 %d", r.Day, cur.Format(r.Counts.GMV), r.Counts.Paid,
		cur.Format(r.Counts.Refunds), r.Counts.Views)
}

// RecapText is the recap as the group-bot message (zh-CN, plain text).
func RecapText(r *Recap, cur livedesk.Currency) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s（%s）\n", recapTitle(r), r.Zone)
	for _, k := range MetricKeys {
		m := r.Metric(k)
		fmt.Fprintf(&b, "%s %s", metricZH[k], FormatMetric(k, m.Value, cur))
		if m.Avg7 != nil {
			fmt.Fprintf(&b, "（7日均 %s %s", FormatMetric(k, m.Avg7, cur), FormatChange(m.Change))
			if m.Avg30 != nil {
				fmt.Fprintf(&b, "，30日均 %s", FormatMetric(k, m.Avg30, cur))
			}
			b.WriteString("）")
		}
		if k == MROI && r.TargetROI > 0 {
			if m.Value != nil && *m.Value < r.TargetROI {
				fmt.Fprintf(&b, " ⚠ 低于目标 %.2f", r.TargetROI)
			} else {
				fmt.Fprintf(&b, " 目标 %.2f", r.TargetROI)
			}
		}
		b.WriteString("\n")
	}
	if len(r.Movers) > 0 {
		b.WriteString("变化最大：")
		for i, k := range r.Movers {
			if i > 0 {
				b.WriteString("、")
			}
			fmt.Fprintf(&b, "%s %s", metricZH[k], FormatChange(r.Metric(k).Change))
		}
		b.WriteString("\n")
	}
	if len(r.Sources) > 0 {
		b.WriteString("流量来源：")
		for i, s := range r.Sources {
			if i > 0 {
				b.WriteString(" · ")
			}
			fmt.Fprintf(&b, "%s %.0f%%", livedesk.SourceLabel(s.Source, "zh"), s.Share*100)
			if s.GMV > 0 {
				fmt.Fprintf(&b, "（GMV %s）", cur.Format(s.GMV))
			}
		}
		b.WriteString("\n")
	}
	list := func(title string, ls []ProductLine, f func(ProductLine) string) {
		if len(ls) == 0 {
			return
		}
		b.WriteString(title)
		for i, l := range ls {
			if i > 0 {
				b.WriteString("；")
			}
			b.WriteString(l.Title + " " + f(l))
		}
		b.WriteString("\n")
	}
	list("GMV TOP3：", r.TopGMV, func(l ProductLine) string { return cur.Format(l.GMV) })
	list("退货 TOP3：", r.TopReturns, func(l ProductLine) string { return fmt.Sprintf("%d 单", l.Returns) })
	list("退货率偏高：", r.HighReturn, func(l ProductLine) string { return fmt.Sprintf("%.1f%%", l.ReturnRate*100) })
	list("高点击低转化（优化详情页）：", r.LowCVR, func(l ProductLine) string {
		return fmt.Sprintf("点击率 %.1f%% 转化率 %.1f%%", l.CTR*100, l.CVR*100)
	})
	s := r.Service
	fmt.Fprintf(&b, "服务：%d 分钟回复率 %.1f%%（%d/%d，目标 %.0f%%）· 发货及时率 %.1f%%（%d/%d，目标 %.0f%%）· 新差评 %d\n",
		s.ReplyMinutes, s.ReplyRate, s.ReplyOnTime, s.ReplyIn, s.ReplyTarget, s.ShipRate, s.ShipOnTime, s.ShipDue, s.ShipTarget, len(s.LowReviews))
	list("次日主推：", r.Push, func(l ProductLine) string { return "（" + l.Reason + "）" })
	fmt.Fprintf(&b, "待办任务 %d（超时 %d）", r.OpenTasks, r.Overdue)
	return b.String()
}

// sortShares turns the per-source counts into shares of total, most entries first.
func sortShares(by map[string]*SourceShare, total int64) []SourceShare {
	out := make([]SourceShare, 0, len(by))
	for _, s := range by {
		if total > 0 {
			s.Share = float64(s.Views) / float64(total)
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Views != out[j].Views {
			return out[i].Views > out[j].Views
		}
		return out[i].Source < out[j].Source
	})
	return out
}

// Default returns the registry of every daily-workflow job with the seed workflow's defaults.
func Default() *Registry {
	return NewRegistry(UnpaidJob(), ShippingJob(), StockJob(), CouponJob(), RefundJob(), ReviewJob(),
		KeywordJob(), ReplyJob(), FraudJob(), MorningRecapJob(), EveningRecapJob(), RetentionJob(),
		ComplianceJob(), QualificationJob())
}
