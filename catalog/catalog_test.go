package catalog

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func TestParseSheetYuan(t *testing.T) {
	// Spreadsheet float text is accepted only when it is a whole number of fen.
	if got, err := parseSheetYuan("19.899999999999999"); err != nil || got != 1990 {
		t.Errorf("sheet float = %d, %v", got, err)
	}
	if _, err := parseSheetYuan("19.995"); err == nil {
		t.Errorf("19.995 accepted")
	}
}

const csvSheet = "商品ID,商品标题,价格(元),划线价(元),库存,图片链接,标签,卖点,话术\n" +
	"p1,纯棉T恤,¥19.90,39.90,120,https://img.example/p1.jpg,引流款,\"纯棉不起球\n三色可选\",今天只要19块9\n" +
	"p2,<b>加绒</b>卫衣,89,129,8,,利润款,加绒|宽松,\n" +
	"p3,坏价格,19.999,,5,,,,\n" +
	",没有ID,10,,,,,,\n" +
	"p5,库存错,10,,-3,,爆款,,\n" +
	"p6,划线价低,50,40,1,ftp://x,,,\n" +
	"\n" +
	"p1,重复,10,,,,,,\n" +
	"\n\n" +
	"p7,坏价格2,1.234,,,,,,\n"

func checkImport(t *testing.T, imp Import) {
	t.Helper()
	if len(imp.Products) != 2 {
		t.Fatalf("good rows = %d (%+v), want 2", len(imp.Products), imp.Products)
	}
	p1 := imp.Products[0]
	if p1.ID != "p1" || p1.Price != 1990 || p1.ListPrice != 3990 || p1.Stock != 120 || p1.Tag != TagTraffic ||
		len(p1.Points) != 2 || p1.Points[1] != "三色可选" || p1.Script != "今天只要19块9" {
		t.Fatalf("p1 = %+v", p1)
	}
	if p2 := imp.Products[1]; p2.Title != "<b>加绒</b>卫衣" || p2.Price != 8900 || len(p2.Points) != 2 {
		t.Fatalf("p2 = %+v", p2)
	}
	want := []string{
		"4 价格(元)", "5 商品ID", "6 库存", "6 标签", "7 划线价(元)", "7 图片链接", "9 商品ID", "12 价格(元)",
	}
	var got []string
	for _, e := range imp.Errors {
		got = append(got, strings.TrimSpace(strconv.Itoa(e.Row)+" "+e.Column))
		if e.Reason == "" || e.ReasonZH == "" {
			t.Errorf("error without reason: %+v", e)
		}
	}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Fatalf("errors:\n got %v\nwant %v\n%+v", got, want, imp.Errors)
	}
}

func TestReadCSV(t *testing.T) {
	imp, err := ReadCSV(strings.NewReader("\ufeff" + csvSheet))
	if err != nil {
		t.Fatal(err)
	}
	checkImport(t, imp)

	// Excel on a Chinese Windows saves CSV as GB18030.
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(csvSheet)
	if err != nil {
		t.Fatal(err)
	}
	imp, err = ReadCSV(strings.NewReader(gb))
	if err != nil {
		t.Fatal(err)
	}
	checkImport(t, imp)

	if _, err := ReadCSV(strings.NewReader("名称,备注\nx,y\n")); !errors.Is(err, ErrImportFile) ||
		!strings.Contains(err.Error(), "商品ID") {
		t.Fatalf("missing columns: %v", err)
	}
}

// xlsxOf builds a workbook from rows; cells that parse as numbers are stored as numbers, as
// Excel does when an operator types them.
func xlsxOf(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadXLSX(t *testing.T) {
	b := xlsxOf(t, [][]any{
		{"商品ID", "商品标题", "价格（元）", "划线价", "库存", "图片链接", "标签", "卖点", "话术"},
		{"p1", "纯棉T恤", 19.9, 39.9, 120, "https://img.example/p1.jpg", "引流款", "纯棉不起球\n三色可选", "今天只要19块9"},
		{"p2", "<b>加绒</b>卫衣", 89, "129", 8, "", "利润款", "加绒|宽松", ""},
		{"p3", "坏价格", 19.999, nil, 5},
		{nil, "没有ID", 10},
		{"p5", "库存错", 10, nil, -3, nil, "爆款"},
		{"p6", "划线价低", 50, 40, 1, "ftp://x"},
		{},
		{"p1", "重复", 10},
		{},
		{},
		{"p7", "坏价格2", 1.234},
	})
	imp, err := ReadXLSX(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	checkImport(t, imp)
	if _, err := ReadXLSX(strings.NewReader("not a zip")); !errors.Is(err, ErrImportFile) {
		t.Fatalf("garbage: %v", err)
	}
}

func TestExportRoundTrip(t *testing.T) {
	ps := []Product{
		{ID: "0012", Title: "=HYPERLINK(\"x\")", Price: 1990, ListPrice: 3990, Stock: 7, Tag: TagProfit,
			Points: []string{"一", "二"}, Script: "话术, with \"quotes\"\n第二行"},
		{ID: "p2", Title: "T", Price: 1, Stock: 0},
	}
	var c, x bytes.Buffer
	if err := WriteCSV(&c, ps); err != nil {
		t.Fatal(err)
	}
	if err := WriteXLSX(&x, ps); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() (Import, error){
		"csv":  func() (Import, error) { return ReadCSV(bytes.NewReader(c.Bytes())) },
		"xlsx": func() (Import, error) { return ReadXLSX(bytes.NewReader(x.Bytes())) },
	} {
		imp, err := read()
		if err != nil || len(imp.Errors) > 0 || len(imp.Products) != 2 {
			t.Fatalf("%s: %v %+v", name, err, imp)
		}
		got := imp.Products[0]
		if got.ID != "0012" || got.Title != ps[0].Title || got.Price != 1990 || got.ListPrice != 3990 ||
			got.Stock != 7 || got.Script != ps[0].Script || strings.Join(got.Points, "/") != "一/二" {
			t.Fatalf("%s: %+v", name, got)
		}
	}
	if !strings.Contains(c.String(), "'=HYPERLINK") {
		t.Fatalf("csv formula not guarded: %s", c.String())
	}
}

func TestCatalogStore(t *testing.T) {
	_, conn := localtest.Database(t)
	ctx := context.Background()
	c := NewCatalog(conn)
	imp, err := ReadCSV(strings.NewReader(csvSheet))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx, "shopA", imp.Products); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(ctx, "shopB", []Product{{ID: "p1", Title: "other shop", Price: 100}}); err != nil {
		t.Fatal(err)
	}
	ps, err := c.List(ctx, "shopA")
	if err != nil || len(ps) != 2 || ps[0].ID != "p1" || ps[0].Stock != 120 || ps[1].Title != "<b>加绒</b>卫衣" {
		t.Fatalf("list: %v %+v", err, ps)
	}
	// Edit, then remove.
	p := ps[0]
	p.Title = "纯棉T恤 新款"
	p.Points = []string{"只有一条"}
	time.Sleep(time.Millisecond)
	if err := c.Save(ctx, "shopA", []Product{p}); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "shopA", "p2"); err != nil {
		t.Fatal(err)
	}
	ps, err = c.List(ctx, "shopA")
	if err != nil || len(ps) != 1 || ps[0].Title != "纯棉T恤 新款" || len(ps[0].Points) != 1 {
		t.Fatalf("after edit/delete: %v %+v", err, ps)
	}
	if _, ok, _ := c.Get(ctx, "shopA", "p2"); ok {
		t.Fatal("removed product still found")
	}
	if got, ok, err := c.Get(ctx, "shopB", "p1"); !ok || got.Title != "other shop" {
		t.Fatalf("shopB = %+v %v %v", got, ok, err)
	}
	// A bad product is refused as a whole.
	if err := c.Save(ctx, "shopA", []Product{{ID: "x", Title: "", Price: 1}}); err == nil {
		t.Fatal("invalid product saved")
	}

	// Stock events: one write per batch, newest level per product wins, old events never win.
	o := &StockObserver{Catalog: c}
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	o.Observe(ctx, "shopA", []ingest.Event{
		{Shop: "shopA", Type: ingest.TypeStock, Product: "p1", Value: 50, TS: t0},
		{Shop: "shopA", Type: ingest.TypeStock, Product: "p1", Value: 9, TS: t0.Add(time.Second)},
		{Shop: "shopA", Type: ingest.TypeClick, Product: "p1", TS: t0},
	})
	if got, _, _ := c.Get(ctx, "shopA", "p1"); got.Stock != 9 {
		t.Fatalf("stock = %d, want 9", got.Stock)
	}
	o.Observe(ctx, "shopA", []ingest.Event{{Shop: "shopA", Type: ingest.TypeStock, Product: "p1", Value: 70, TS: t0.Add(-time.Hour)}})
	if got, _, _ := c.Get(ctx, "shopA", "p1"); got.Stock != 9 {
		t.Fatalf("late old stock event won: %d", got.Stock)
	}
}

// TestImportInShopCurrency: a VND shop's sheet says 50000 for 50,000 đồng (no decimals), a USD
// one 19.99 for 1,999 cents; an Excel float is accepted when it is a whole minor unit.
func TestImportInShopCurrency(t *testing.T) {
	sheet := "商品ID,商品标题,价格,划线价\np1,Áo thun,\"50,000\",79000\np2,Quần,50000.5,\np3,Mũ,49999.999999999993,\n"
	imp, err := ReadCSVIn(strings.NewReader(sheet), livedesk.CurrencyOf("VND"))
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Products) != 2 || imp.Products[0].Price != 50000 || imp.Products[0].ListPrice != 79000 || imp.Products[1].Price != 50000 {
		t.Fatalf("VND products %+v", imp.Products)
	}
	if len(imp.Errors) != 1 || imp.Errors[0].Row != 3 || !strings.Contains(imp.Errors[0].Reason, "VND") {
		t.Fatalf("VND errors %+v", imp.Errors)
	}
	// Exported in đồng, read back the same.
	var out bytes.Buffer
	vnd := livedesk.CurrencyOf("VND")
	if err := WriteCSVIn(&out, []Product{{ID: "p9", Title: "Áo", Price: 129000, ListPrice: 159000}}, vnd); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCSVIn(&out, vnd)
	if err != nil || len(back.Products) != 1 || back.Products[0].Price != 129000 || back.Products[0].ListPrice != 159000 {
		t.Fatalf("VND round trip: %v %+v", err, back)
	}
	imp, err = ReadCSVIn(strings.NewReader("id,title,price\np1,Tee,19.99\n"), livedesk.CurrencyOf("USD"))
	if err != nil || len(imp.Products) != 1 || imp.Products[0].Price != 1999 {
		t.Fatalf("USD: %v %+v", err, imp)
	}
}
