package jobs

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/livedesk/livedesk"
)

// WriteRecapXLSX writes the recap as a workbook: the metrics with their averages, the sources,
// the product lists, the service figures and 次日主推. Money cells are numbers in the major unit
// of the recap's currency.
func WriteRecapXLSX(w io.Writer, r *Recap) error {
	cur := livedesk.CurrencyOf(r.Currency)
	f := excelize.NewFile()
	defer f.Close()
	money, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptrStr(cur.NumberFormat())})
	pct, _ := f.NewStyle(&excelize.Style{NumFmt: 10})
	sheet := "复盘"
	f.SetSheetName("Sheet1", sheet)
	row := 1
	put := func(vals ...any) {
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, row)
			_ = f.SetCellValue(sheet, cell, v)
		}
		row++
	}
	style := func(col int, st int) {
		cell, _ := excelize.CoordinatesToCellName(col, row-1)
		_ = f.SetCellStyle(sheet, cell, cell, st)
	}
	put(recapTitle(r), "时区 "+r.Zone, "币种 "+r.Currency, "生成 "+r.At.In(loadZone(r.Zone)).Format("2006-01-02 15:04"))
	put()
	put("指标", "数值", "7日均值", "较7日均", "30日均值", "7日有数据天数", "30日有数据天数")
	for _, k := range MetricKeys {
		m := r.Metric(k)
		put(metricZH[k], num(k, m.Value, cur), num(k, m.Avg7, cur), chg(m.Change), num(k, m.Avg30, cur), m.Days7, m.Days30)
		for _, c := range []int{2, 3, 5} {
			switch k {
			case MGMV, MAOV, MRefunds, MAdSpend:
				style(c, money)
			case MCTR, MCVR:
				style(c, pct)
			}
		}
		style(4, pct)
	}
	if r.TargetROI > 0 {
		put("目标 ROI", r.TargetROI)
	}
	put()
	put("流量来源", "进房次数", "占比", "成交订单", "GMV")
	for _, s := range r.Sources {
		put(livedesk.SourceLabel(s.Source, "zh"), s.Views, s.Share, s.Orders, cur.Major(s.GMV))
		style(3, pct)
		style(5, money)
	}
	lines := func(title string, ls []ProductLine) {
		put()
		put(title, "商品", "GMV", "付款订单", "件数", "退货", "退货率", "点击率", "转化率", "库存", "说明")
		for _, l := range ls {
			put("", l.Title, cur.Major(l.GMV), l.Paid, l.Units, l.Returns, l.ReturnRate, l.CTR, l.CVR, l.Stock, l.Reason)
			style(3, money)
			for _, c := range []int{7, 8, 9} {
				style(c, pct)
			}
		}
	}
	lines("GMV TOP3", r.TopGMV)
	lines("退货 TOP3", r.TopReturns)
	lines("退货率偏高", r.HighReturn)
	lines("高点击低转化", r.LowCVR)
	lines("次日主推", r.Push)
	s := r.Service
	put()
	put("服务", "实际", "目标", "分子", "分母")
	put(fmt.Sprintf("%d 分钟回复率", s.ReplyMinutes), s.ReplyRate/100, s.ReplyTarget/100, s.ReplyOnTime, s.ReplyIn)
	style(2, pct)
	style(3, pct)
	put("发货及时率", s.ShipRate/100, s.ShipTarget/100, s.ShipOnTime, s.ShipDue)
	style(2, pct)
	style(3, pct)
	put("新差评", len(s.LowReviews))
	put("待办任务", r.OpenTasks, "超时", r.Overdue)
	_ = f.SetColWidth(sheet, "A", "A", 18)
	_ = f.SetColWidth(sheet, "B", "B", 24)
	_ = f.SetColWidth(sheet, "K", "K", 48)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("jobs: write recap xlsx: %w", err)
	}
	return nil
}

func ptrStr(s string) *string { return &s }

func loadZone(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil {
		return l
	}
	return time.UTC
}

// num is a metric value as a spreadsheet cell: money in the major unit, "" when undefined.
func num(key string, v *float64, cur livedesk.Currency) any {
	if v == nil {
		return ""
	}
	switch key {
	case MGMV, MAOV, MRefunds, MAdSpend:
		return cur.Major(int64(*v + 0.5))
	}
	return *v
}

func chg(c *float64) any {
	if c == nil {
		return ""
	}
	return *c
}

// RetentionHeader is the retention export's header row (zh-CN).
var RetentionHeader = []string{"客户", "订单数", "消费金额", "最近购买商品", "最近下单时间"}

// WriteRetentionCSV writes the list as UTF-8 CSV with a BOM (Excel opens it in Chinese) in the
// shop's zone and currency.
func WriteRetentionCSV(w io.Writer, list []Customer, titles map[string]string, loc *time.Location, cur livedesk.Currency) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("jobs: write retention csv: %w", err)
	}
	cw := csv.NewWriter(w)
	_ = cw.Write(RetentionHeader)
	for _, c := range list {
		_ = cw.Write([]string{c.User, fmt.Sprint(c.Orders), cur.Plain(c.Spend), titleOf(titles, c.LastProduct), c.LastOrder.In(loc).Format("2006-01-02 15:04")})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("jobs: write retention csv: %w", err)
	}
	return nil
}

// WriteRetentionXLSX writes the list as a workbook.
func WriteRetentionXLSX(w io.Writer, list []Customer, titles map[string]string, loc *time.Location, cur livedesk.Currency) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "老客户"
	f.SetSheetName("Sheet1", sheet)
	money, _ := f.NewStyle(&excelize.Style{CustomNumFmt: ptrStr(cur.NumberFormat())})
	_ = f.SetSheetRow(sheet, "A1", &RetentionHeader)
	for i, c := range list {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow(sheet, cell, &[]any{c.User, c.Orders, cur.Major(c.Spend), titleOf(titles, c.LastProduct), c.LastOrder.In(loc).Format("2006-01-02 15:04")})
		mc, _ := excelize.CoordinatesToCellName(3, i+2)
		_ = f.SetCellStyle(sheet, mc, mc, money)
	}
	_ = f.SetColWidth(sheet, "A", "A", 20)
	_ = f.SetColWidth(sheet, "D", "E", 24)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("jobs: write retention xlsx: %w", err)
	}
	return nil
}

func titleOf(titles map[string]string, id string) string {
	if t := titles[id]; t != "" {
		return t
	}
	return id
}
