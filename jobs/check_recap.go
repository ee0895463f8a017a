package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/livedesk/livedesk"
)

// MorningRecapJob sends yesterday's numbers at 08:30 shop time.
func MorningRecapJob() *Job {
	return &Job{Name: "morning_recap", Title: "晨间复盘（昨日）", TitleEn: "Morning recap (yesterday)", Schedule: "30 8 * * *",
		Check: func(ctx context.Context, e *Env) (Findings, error) {
			today := StartOfDay(e.Now, e.Loc)
			yesterday := StartOfDay(today.Add(-12*time.Hour), e.Loc)
			return recap(ctx, e, "晨间复盘 · 昨日", yesterday, today)
		},
	}
}

// EveningRecapJob sends today's numbers so far at 21:00 shop time.
func EveningRecapJob() *Job {
	return &Job{Name: "evening_recap", Title: "晚间复盘（今日）", TitleEn: "Evening recap (today)", Schedule: "0 21 * * *",
		Check: func(ctx context.Context, e *Env) (Findings, error) {
			return recap(ctx, e, "晚间复盘 · 今日", StartOfDay(e.Now, e.Loc), e.Now)
		},
	}
}

// recap sums [from, to) and the open tasks into one notification.
func recap(ctx context.Context, e *Env, title string, from, to time.Time) (Findings, error) {
	t, err := e.Store.Totals(ctx, e.Shop, from, to)
	if err != nil {
		return Findings{}, err
	}
	open, overdue, err := e.Store.OpenCounts(ctx, e.Shop, e.Now)
	if err != nil {
		return Findings{}, err
	}
	text := fmt.Sprintf("%s %s\nGMV（已付款）%s · 付款订单 %d\n退款申请 %d · 已退款 %s\n待办任务 %d（超时 %d）",
		title, from.In(e.Loc).Format("2006-01-02"), livedesk.Money(t.GMV), t.Paid, t.Refunds, livedesk.Money(t.RefundedFen), open, overdue)
	return Findings{Found: int(t.Paid), Summary: text,
		Notify: []Notification{{Kind: "recap", Severity: SeverityInfo, Title: title, Text: text, At: e.Now}}}, nil
}

// Default returns the registry of every daily-workflow job with the seed workflow's defaults.
func Default() *Registry {
	return NewRegistry(UnpaidJob(), ShippingJob(), StockJob(), CouponJob(), RefundJob(), ReviewJob(),
		KeywordJob(), ReplyJob(), FraudJob(), MorningRecapJob(), EveningRecapJob())
}
