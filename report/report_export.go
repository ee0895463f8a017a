package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/live"
	"github.com/xuri/excelize/v2"
)

// Sheet names of the XLSX export, in order.
var reportSheets = []string{"summary", "minutes", "products", "segments", "flags", "sources"}

// cash is an amount in the currency's minor unit as a spreadsheet number of its major unit
// (shown with the currency's format).
func (x *xlsxWriter) cash(minor int64) float64 { return x.cur.Major(minor) }

// rateCell is a livedesk.Ratio for a cell: its value, or "—" when the denominator was 0.
func rateCell(r livedesk.Ratio) any {
	if !r.OK {
		return "—"
	}
	return r.Value
}

// cashRate is a money livedesk.Ratio (GPM, UV value) in the major unit, or "—".
func (x *xlsxWriter) cashRate(r livedesk.Ratio) any {
	if !r.OK {
		return "—"
	}
	return r.Value * x.cur.Major(1)
}

// WriteXLSX writes the report as a workbook with the sheets summary, minutes, products,
// segments, flags and sources. Labels are in lang; times in loc (the shop's zone); money in the
// major unit of cur (the shop's currency) with its symbol and decimals.
func WriteXLSX(w io.Writer, r *Report, lang string, loc *time.Location, cur livedesk.Currency) error {
	f := excelize.NewFile()
	defer f.Close()
	x, err := newXLSXWriter(f, r, lang, loc, cur)
	if err != nil {
		return fmt.Errorf("report: report xlsx: %w", err)
	}
	sheets := []func(string) error{x.summarySheet, x.minutesSheet, x.productsSheet, x.segmentsSheet, x.flagsSheet, x.sourcesSheet}
	for i, k := range reportSheets {
		if err := sheets[i](x.label(k)); err != nil {
			return fmt.Errorf("report: report xlsx: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("report: report xlsx: %w", err)
	}
	return nil
}

// xlsxWriter writes one report into a workbook: labels in one language, times in one zone, and
// the cell styles for money, percentages and header rows.
type xlsxWriter struct {
	f                *excelize.File
	r                *Report
	lang             string
	loc              *time.Location
	cur              livedesk.Currency
	money, pct, bold int // style ids
}

// newXLSXWriter names the sheets of f (the first one renamed from Sheet1) and creates the styles.
func newXLSXWriter(f *excelize.File, r *Report, lang string, loc *time.Location, cur livedesk.Currency) (*xlsxWriter, error) {
	if cur.Code == "" {
		cur = livedesk.CurrencyOf("")
	}
	x := &xlsxWriter{f: f, r: r, lang: lang, loc: loc, cur: cur}
	if err := f.SetSheetName("Sheet1", x.label(reportSheets[0])); err != nil {
		return nil, err
	}
	for _, k := range reportSheets[1:] {
		if _, err := f.NewSheet(x.label(k)); err != nil {
			return nil, err
		}
	}
	yuan := `"` + cur.Symbol + `"` + cur.NumberFormat()
	if cur.Suffix {
		yuan = cur.NumberFormat() + `"` + cur.Symbol + `"`
	}
	pct := "0.00%"
	var err error
	if x.money, err = f.NewStyle(&excelize.Style{CustomNumFmt: &yuan}); err != nil {
		return nil, err
	}
	if x.pct, err = f.NewStyle(&excelize.Style{CustomNumFmt: &pct}); err != nil {
		return nil, err
	}
	if x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	return x, nil
}

// label is the text of label key k in the writer's language.
func (x *xlsxWriter) label(k string) string { return Label(x.lang, k) }

// tf formats t to the second in the writer's zone.
func (x *xlsxWriter) tf(t time.Time) string { return t.In(x.loc).Format("2006-01-02 15:04:05") }

// title is the catalog title of product id, or id when it has none.
func (x *xlsxWriter) title(id string) string {
	if t := x.r.Titles[id]; t != "" {
		return t
	}
	return id
}

// put writes cells as row (1-based) of sheet and styles the money and percentage columns
// (1-based) of it.
func (x *xlsxWriter) put(sheet string, row int, cells []any, moneyCols, pctCols []int) error {
	cell, err := excelize.CoordinatesToCellName(1, row)
	if err != nil {
		return err
	}
	if err := x.f.SetSheetRow(sheet, cell, &cells); err != nil {
		return err
	}
	for _, c := range moneyCols {
		if err := x.styleCell(sheet, c, row, x.money); err != nil {
			return err
		}
	}
	for _, c := range pctCols {
		if err := x.styleCell(sheet, c, row, x.pct); err != nil {
			return err
		}
	}
	return nil
}

// styleCell gives the cell at (col, row) of sheet the style id.
func (x *xlsxWriter) styleCell(sheet string, col, row, style int) error {
	n, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	return x.f.SetCellStyle(sheet, n, n, style)
}

// header writes the labels of keys as the bold first row of sheet.
func (x *xlsxWriter) header(sheet string, keys ...string) error {
	cells := make([]any, len(keys))
	for i, k := range keys {
		cells[i] = x.label(k)
	}
	if err := x.put(sheet, 1, cells, nil, nil); err != nil {
		return err
	}
	end, err := excelize.CoordinatesToCellName(len(keys), 1)
	if err != nil {
		return err
	}
	return x.f.SetCellStyle(sheet, "A1", end, x.bold)
}

// colWidths sets the width of each of sheet's columns cols (letters) to the matching widths.
func (x *xlsxWriter) colWidths(sheet string, cols []string, widths []float64) error {
	for i, col := range cols {
		if err := x.f.SetColWidth(sheet, col, col, widths[i]); err != nil {
			return err
		}
	}
	return nil
}

// summaryLine is one row of the summary sheet: label key, value, definition, and whether the
// value is styled as money or as a percentage.
type summaryLine struct {
	key, def string
	v        any
	money    bool
	pct      bool
}

// summaryLines lists the summary sheet's rows: span, headline, funnel, data quality.
func (x *xlsxWriter) summaryLines() []summaryLine {
	r, h, L, tf := x.r, x.r.Headline, x.label, x.tf
	onlineDef := L("def_avg_online")
	if h.OnlineSource == "entries_minus_leaves" {
		onlineDef = L("def_online_elm")
	}
	return []summaryLine{
		{key: "room", v: r.Span.Room}, {key: "session", v: r.Span.Session},
		{key: "start", v: tf(r.Span.Start)}, {key: "end", v: tf(r.Span.End)},
		{key: "duration", v: FormatDuration(h.DurationSec)},
		{key: "gmv", v: x.cash(h.GMV), money: true, def: L("def_gmv")},
		{key: "orders", v: h.Orders}, {key: "buyers", v: h.Buyers}, {key: "units", v: h.Units},
		{key: "views", v: h.Views, def: L("def_views")}, {key: "viewers", v: h.Viewers, def: L("def_viewers")},
		{key: "peak_online", v: h.PeakOnline}, {key: "avg_online", v: h.AvgOnline, def: onlineDef},
		{key: "gpm", v: x.cashRate(h.GPM), money: h.GPM.OK, def: L("def_gpm")},
		{key: "uv_value", v: x.cashRate(h.UVValue), money: h.UVValue.OK, def: L("def_uv_value")},
		{key: "ad_spend", v: x.cash(h.AdSpend), money: true},
		{key: "roi", v: rateCell(h.ROI), def: L("def_roi")},
		{key: "refunds", v: x.cash(h.Refunds), money: true}, {key: "refund_orders", v: h.RefundOrders},
		{key: "viewers", v: r.Funnel.Viewers, def: L("funnel")},
		{key: "funnel_exposed", v: r.Funnel.Exposed}, {key: "rate_expose", v: rateCell(r.Funnel.ExposeRate), pct: true},
		{key: "funnel_clickers", v: r.Funnel.Clickers}, {key: "rate_click", v: rateCell(r.Funnel.ClickRate), pct: true},
		{key: "funnel_buyers", v: r.Funnel.Buyers}, {key: "rate_buy", v: rateCell(r.Funnel.BuyRate), pct: true},
		{key: "rate_overall", v: rateCell(r.Funnel.Overall), pct: true},
		{key: "distinct_events", v: r.Quality.Events}, {key: "duplicates", v: r.Quality.Duplicates, def: L("def_duplicates")},
		{key: "late", v: r.Quality.Late}, {key: "empty_minutes", v: len(r.Quality.EmptyMinutes)},
		{key: "built", v: tf(r.Built)},
	}
}

// summarySheet writes the summary sheet s: metric, value, definition (what it is divided by).
func (x *xlsxWriter) summarySheet(s string) error {
	if err := x.header(s, "metric", "value", "definition"); err != nil {
		return err
	}
	for i, ln := range x.summaryLines() {
		var mc, pc []int
		if ln.money {
			mc = []int{2}
		}
		if ln.pct {
			pc = []int{2}
		}
		if err := x.put(s, i+2, []any{x.label(ln.key), ln.v, ln.def}, mc, pc); err != nil {
			return err
		}
	}
	return x.colWidths(s, []string{"A", "B", "C"}, []float64{36, 22, 60})
}

// minutesSheet writes the minute series to sheet s.
func (x *xlsxWriter) minutesSheet(s string) error {
	if err := x.header(s, "minute", "views", "online", "impressions", "clicks", "orders", "gmv", "comments", "ad_spend", "events"); err != nil {
		return err
	}
	for i, m := range x.r.Minutes {
		var online any = m.Online
		if !m.OnlineKnown {
			online = "—"
		}
		if err := x.put(s, i+2, []any{m.T.In(x.loc).Format("2006-01-02 15:04"), m.Views, online, m.Impressions, m.Clicks,
			m.Orders, x.cash(m.GMV), m.Comments, x.cash(m.AdSpend), m.Events}, []int{7, 9}, nil); err != nil {
			return err
		}
	}
	return x.colWidths(s, []string{"A"}, []float64{18})
}

// productsSheet writes the product table to sheet s.
func (x *xlsxWriter) productsSheet(s string) error {
	if err := x.header(s, "product", "title", "presented", "presented_s", "impressions", "clicks", "clickers", "ctr",
		"orders", "buyers", "units", "gmv", "cvr", "orders_per_click", "gmv_per_k_views"); err != nil {
		return err
	}
	for i, p := range x.r.Products {
		if err := x.put(s, i+2, []any{p.Product, x.title(p.Product), p.Presented, FormatDuration(p.PresentedSec), p.Impressions,
			p.Clicks, p.Clickers, rateCell(p.CTR), p.Orders, p.Buyers, p.Units, x.cash(p.GMV), rateCell(p.CVR),
			rateCell(p.OrdersPerClk), x.cashRate(p.GMVPerKViews)}, []int{12, 15}, []int{8, 13, 14}); err != nil {
			return err
		}
	}
	return nil
}

// segmentsSheet writes the presentation segments to sheet s.
func (x *xlsxWriter) segmentsSheet(s string) error {
	if err := x.header(s, "product", "title", "start", "end", "length", "clicks", "orders", "gmv", "views", "seg_gpm"); err != nil {
		return err
	}
	for i, g := range x.r.Segments {
		if err := x.put(s, i+2, []any{g.Product, x.title(g.Product), x.tf(g.Start), x.tf(g.End), FormatDuration(g.LengthSec),
			g.Clicks, g.Orders, x.cash(g.GMV), g.Views, x.cashRate(g.GPM)}, []int{8, 10}, nil); err != nil {
			return err
		}
	}
	return nil
}

// flagsSheet writes the flags with what was done about them and the five minutes before and
// after each to sheet s.
func (x *xlsxWriter) flagsSheet(s string) error {
	if err := x.header(s, "raised", "rule", "product", "done", "before5", "clicks", "orders", "gmv", "after5", "clicks", "orders", "gmv"); err != nil {
		return err
	}
	for i, fl := range x.r.Flags {
		if err := x.put(s, i+2, []any{x.tf(fl.Raised), FlagRuleText(fl, x.lang), x.title(fl.Product), FlagActionsText(fl.Actions, x.loc, x.lang), "",
			fl.Before.Clicks, fl.Before.Orders, x.cash(fl.Before.GMV), "", fl.After.Clicks, fl.After.Orders, x.cash(fl.After.GMV)},
			[]int{8, 12}, nil); err != nil {
			return err
		}
	}
	return nil
}

// FlagActionsText lists what was done about a flag in lang ("en", else zh-CN):
// "15:04:05 已确认；15:05:10 已处理（加赠：下单送…）".
func FlagActionsText(actions []FlagAction, loc *time.Location, lang string) string {
	parts := make([]string, 0, len(actions))
	for _, a := range actions {
		p := a.At.In(loc).Format("15:04:05") + " " + Label(lang, "flag_"+a.Action)
		var d struct {
			Response string `json:"response"`
			Text     string `json:"text"`
		}
		switch {
		case a.Detail == "":
		case !strings.HasPrefix(a.Detail, "{"):
			p += " (" + a.Detail + ")"
		case json.Unmarshal([]byte(a.Detail), &d) == nil && d.Text != "":
			p += " (" + d.Text + ")"
		case d.Response != "":
			p += " (" + d.Response + ")"
		}
		parts = append(parts, p)
	}
	sep := "；"
	if lang == "en" {
		sep = "; "
	}
	return strings.Join(parts, sep)
}

// FlagRuleText names a flag's rule in lang (a default rule translated, an operator's rule by
// its name), with its question topic and the numbers that made it fire when they were stored:
// "高点击无成交：点击数 130 > 100，支付订单数 0 = 0".
func FlagRuleText(fl FlagRow, lang string) string {
	text := live.RuleName(fl.Rule, fl.Name, lang)
	if fl.Topic != "" {
		text += " · " + livedesk.TopicLabel(fl.Topic, lang)
	}
	var d live.RaisedDetail
	if json.Unmarshal([]byte(fl.Detail), &d) != nil || len(d.When) == 0 {
		return text
	}
	conds := make([]string, len(d.When))
	for i, c := range d.When {
		conds[i] = live.MetricLabel(c.Metric, lang) + " " + strconv.FormatFloat(c.Actual, 'f', -1, 64) + " " + c.Op + " " +
			strconv.FormatFloat(c.Value, 'f', -1, 64)
	}
	if lang == "en" {
		return text + ": " + strings.Join(conds, ", ")
	}
	return text + "：" + strings.Join(conds, "，")
}

// FormatDuration writes seconds as h:mm:ss (or m:ss under an hour).
func FormatDuration(sec int64) string {
	if sec < 3600 {
		return fmt.Sprintf("%d:%02d", sec/60, sec%60)
	}
	return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
}

// WriteMinutesCSV writes the minute series as UTF-8 CSV with a BOM (Excel reads the Chinese
// headers right). Money in cur's major unit with its decimals ("19.90", VND "19900"); minutes in
// loc.
func WriteMinutesCSV(w io.Writer, r *Report, lang string, loc *time.Location, cur livedesk.Currency) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("report: minutes csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	keys := []string{"minute", "views", "online", "impressions", "clicks", "orders", "gmv", "comments", "ad_spend", "events"}
	head := make([]string, len(keys))
	for i, k := range keys {
		head[i] = Label(lang, k)
	}
	if err := cw.Write(head); err != nil {
		return fmt.Errorf("report: minutes csv: %w", err)
	}
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, m := range r.Minutes {
		online := ""
		if m.OnlineKnown {
			online = i64(m.Online)
		}
		if err := cw.Write([]string{m.T.In(loc).Format("2006-01-02 15:04"), i64(m.Views), online, i64(m.Impressions),
			i64(m.Clicks), i64(m.Orders), cur.Plain(m.GMV), i64(m.Comments), cur.Plain(m.AdSpend), i64(m.Events)}); err != nil {
			return fmt.Errorf("report: minutes csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: minutes csv: %w", err)
	}
	return nil
}
