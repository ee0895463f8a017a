package jobs

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// TypeRetention is the weekly 老客户维护 task: send the listed customers a 专属优惠券.
const TypeRetention = "retention"

// Customer is one customer of the retention list.
type Customer struct {
	User        string
	Orders      int64 // paid orders in the window, refunded ones included
	Spend       int64 // minor units, paid amounts less refunded ones
	LastProduct string
	LastOrder   time.Time
}

// RetentionJob lists, every Monday at 09:00, the customers who paid in the last `days` days
// (seed 000: 每周筛选 30 天内购买过的客户) as one task whose export is the list; customers whose
// every paid order was refunded are left out.
func RetentionJob() *Job {
	return &Job{Name: "retention", Title: "老客户维护（专属优惠券）", TitleEn: "Repeat customers (coupon list)", Schedule: "0 9 * * 1",
		Params: []Param{
			{Name: "days", Kind: "int", Default: "30", Label: "统计多少天内付款的客户", LabelEn: "Customers who paid within (days)"},
		},
		TaskTypes: []string{TypeRetention},
		Check:     checkRetention,
	}
}

func checkRetention(ctx context.Context, e *Env) (Findings, error) {
	days := max(int(e.Params.Int("days")), 1)
	list, err := e.Store.Retention(ctx, e.Shop, e.Now.AddDate(0, 0, -days), e.Now)
	if err != nil {
		return Findings{}, err
	}
	day := DayKey(e.Now, e.Loc)
	f := Findings{Found: len(list), Covers: func(t Task) bool { return t.SubjectID == day },
		Summary: fmt.Sprintf("%d 天内付款的客户 %d 位", days, len(list))}
	if len(list) == 0 {
		return f, nil
	}
	var spend int64
	for _, c := range list {
		spend += c.Spend
	}
	f.Tasks = []Spec{{Type: TypeRetention, SubjectKind: SubjectShop, SubjectID: day, Severity: SeverityInfo, Role: RoleOperator,
		Due:     EndOfDay(e.Now.Add(48*time.Hour), e.Loc),
		Title:   fmt.Sprintf("%s 老客户维护：给 %d 位 %d 天内付款的客户发送专属优惠券", day, len(list), days),
		TitleEn: fmt.Sprintf("%s repeat customers: send %d customers who paid in the last %d days a personal coupon", day, len(list), days),
		Detail:  fmt.Sprintf("共 %d 位客户，消费合计 %s；名单可在复盘页导出 CSV / XLSX", len(list), e.Money(spend))}}
	return f, nil
}

// Retention returns the customers of shop with a paid order in [from, to): order count, spend
// net of refunds, last product and last order time, most recent first. A customer whose every
// paid order in the window was refunded (by to) is left out.
func (s *Store) Retention(ctx context.Context, shop string, from, to time.Time) ([]Customer, error) {
	rows, err := s.conn.Query(ctx, `SELECT u, count(), sum(a) - sumIf(a, refunded), argMax(p, t), max(t), countIf(NOT refunded)
		FROM (SELECT order_id, anyIf(user, user != '') AS u, max(amount) AS a, anyIf(product, product != '') AS p,
				minIf(ts, status = 'paid') AS t, countIf(status = 'refunded') > 0 AS refunded,
				countIf(status = 'paid' AND ts >= ?) > 0 AS paid
			FROM events WHERE shop = ? AND type = 'order' AND ts >= ? AND ts < ? GROUP BY order_id)
		WHERE paid AND u != '' GROUP BY u`, from.UTC(), shop, from.Add(-30*24*time.Hour).UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("jobs: read retention list: %w", err)
	}
	defer rows.Close()
	var out []Customer
	for rows.Next() {
		var c Customer
		var n, kept uint64
		if err := rows.Scan(&c.User, &n, &c.Spend, &c.LastProduct, &c.LastOrder, &kept); err != nil {
			return nil, fmt.Errorf("jobs: scan retention list: %w", err)
		}
		if kept == 0 {
			continue
		}
		c.Orders, c.LastOrder = int64(n), c.LastOrder.UTC()
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].LastOrder.Equal(out[j].LastOrder) {
			return out[i].LastOrder.After(out[j].LastOrder)
		}
		return out[i].User < out[j].User
	})
	return out, rows.Err()
}
