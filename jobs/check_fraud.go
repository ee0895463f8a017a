package jobs

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// TypeFraudReview is the task type of a user with suspiciously many paid orders in a short span.
const TypeFraudReview = "fraud_review"

// FraudJob opens a review task for each user with at least min_orders paid orders within
// span_minutes during the last lookback_hours. The task stays open until a person closes it: the
// burst ageing out of the lookback does not clear the suspicion.
func FraudJob() *Job {
	return &Job{Name: "fraud", Title: "刷单风控", TitleEn: "Fraud check", Schedule: "*/10 * * * *",
		Params: []Param{
			{Name: "min_orders", Kind: "int", Default: "5", Label: "同一买家付款单数达到", LabelEn: "Paid orders by one user"},
			{Name: "span_minutes", Kind: "int", Default: "10", Label: "在多少分钟内", LabelEn: "Within (minutes)"},
			{Name: "lookback_hours", Kind: "int", Default: "24", Label: "检查最近几小时", LabelEn: "Look back (hours)"},
		},
		TaskTypes: []string{TypeFraudReview},
		Check:     checkFraud,
	}
}

func checkFraud(ctx context.Context, e *Env) (Findings, error) {
	lookback := time.Duration(e.Params.Int("lookback_hours")) * time.Hour
	paid, err := e.Store.PaidTimes(ctx, e.Shop, e.Now.Add(-lookback), e.Now)
	if err != nil {
		return Findings{}, err
	}
	min := int(e.Params.Int("min_orders"))
	span := time.Duration(e.Params.Int("span_minutes")) * time.Minute
	users := make([]string, 0, len(paid))
	for u := range paid {
		users = append(users, u)
	}
	sort.Strings(users)
	var f Findings
	for _, u := range users {
		n, first, last := FindBurst(paid[u], span)
		if min <= 0 || n < min {
			continue
		}
		f.Tasks = append(f.Tasks, Spec{Type: TypeFraudReview, SubjectKind: SubjectUser, SubjectID: u,
			Severity: SeverityUrgent, Role: RoleAdmin,
			Title:   fmt.Sprintf("疑似刷单：买家 %s 在 %d 分钟内付款 %d 单", u, int(span.Minutes()), n),
			TitleEn: fmt.Sprintf("Possible fraud: user %s paid %d orders within %d minutes", u, n, int(span.Minutes())),
			Detail:  fmt.Sprintf("%s – %s · 核查后可开启限购、关闭异常订单", clock(first, e.Loc), last.In(e.Loc).Format("15:04"))})
	}
	// Only done tasks are covered: an open suspicion stays open when the burst ages out, but a
	// closed one is marked cleared then, so a later burst opens a new task.
	f.Covers = func(t Task) bool { return t.Status == StatusDone }
	f.Summary = fmt.Sprintf("可疑买家 %d", len(f.Tasks))
	return f, nil
}
