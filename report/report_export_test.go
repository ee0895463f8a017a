package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// TestReportExports: the workbook has the five sheets with one row per minute, product, segment;
// the CSV minute series adds up to the headline.
func TestReportExports(t *testing.T) {
	ctx := context.Background()
	_, ch := localtest.Database(t)
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	span := SessionSpan{Shop: "s1", Room: "r1", Session: "x1", Start: start, End: start.Add(15 * time.Minute)}
	makeFixture(3, span, 2000).load(t, ch)
	r, err := (&Builder{CH: ch}).Build(ctx, span)
	if err != nil {
		t.Fatal(err)
	}
	r.Flags = []FlagRow{{ID: "f1", Rule: "no_sale", Product: "p1", Raised: start.Add(time.Minute),
		Detail: `{"name":"高点击无成交","window_s":300,"when":[{"metric":"clicks","op":">","value":100,"actual":130},{"metric":"paid_orders","op":"=","value":0,"actual":0}]}`,
		Actions: []FlagAction{{At: start.Add(2 * time.Minute), Action: "responded", Detail: `{"response":"gift","kind":"cue","text":"加赠：下单送…"}`},
			{At: start.Add(3 * time.Minute), Action: "cleared"}}}}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, r, "zh", shanghai, livedesk.CurrencyOf("CNY")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"概览", "分钟数据", "商品", "讲解分段", "预警", "流量来源"}
	if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("sheets %v", got)
	}
	count := func(sheet string) int {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		return len(rows) - 1
	}
	if count("分钟数据") != len(r.Minutes) || count("商品") != len(r.Products) || count("讲解分段") != len(r.Segments) || count("预警") != 1 {
		t.Fatalf("rows: minutes %d/%d products %d/%d segments %d/%d", count("分钟数据"), len(r.Minutes), count("商品"), len(r.Products), count("讲解分段"), len(r.Segments))
	}
	first, _ := f.GetCellValue("分钟数据", "A2")
	if first != "2026-11-20 20:00" { // shop zone
		t.Fatalf("first minute %q", first)
	}
	gmv, _ := f.GetCellValue("概览", "B7", excelize.Options{RawCellValue: true})
	if v, _ := strconv.ParseFloat(gmv, 64); v*100 < float64(r.Headline.GMV)-0.5 || v*100 > float64(r.Headline.GMV)+0.5 {
		t.Fatalf("summary GMV cell %q, headline %d fen", gmv, r.Headline.GMV)
	}
	if done, _ := f.GetCellValue("预警", "D2"); done != "20:02:00 已处理 (加赠：下单送…)；20:03:00 已解除" {
		t.Fatalf("flag actions %q", done)
	}
	if rule, _ := f.GetCellValue("预警", "B2"); rule != "高点击无成交：点击数 130 > 100，支付订单数 0 = 0" {
		t.Fatalf("flag rule %q", rule)
	}
	var en bytes.Buffer
	if err := WriteXLSX(&en, r, "en", shanghai, livedesk.CurrencyOf("CNY")); err != nil {
		t.Fatal(err)
	}
	fe, err := excelize.OpenReader(&en)
	if err != nil {
		t.Fatal(err)
	}
	if rule, _ := fe.GetCellValue("Flags", "B2"); rule != "Clicks but no sale: Clicks 130 > 100, Paid orders 0 = 0" {
		t.Fatalf("English flag rule %q", rule)
	}
	if done, _ := fe.GetCellValue("Flags", "D2"); done != "20:02:00 responded (加赠：下单送…); 20:03:00 cleared" {
		t.Fatalf("English flag actions %q", done)
	}

	buf.Reset()
	if err := WriteMinutesCSV(&buf, r, "en", shanghai, livedesk.CurrencyOf("CNY")); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(r.Minutes)+1 || recs[0][0] != "Minute" || recs[0][6] != "Paid GMV" {
		t.Fatalf("csv header %v, %d rows", recs[0], len(recs))
	}
	var fen, clicks int64
	for _, rec := range recs[1:] {
		y, err := strconv.ParseFloat(rec[6], 64)
		if err != nil {
			t.Fatal(err)
		}
		fen += int64(y*100 + 0.5)
		c, _ := strconv.ParseInt(rec[4], 10, 64)
		clicks += c
	}
	var allClicks int64
	for _, p := range r.Products {
		allClicks += p.Clicks
	}
	if fen != r.Headline.GMV || clicks != allClicks {
		t.Fatalf("csv GMV %d (headline %d), clicks %d (products %d)", fen, r.Headline.GMV, clicks, allClicks)
	}
}
