package catalog

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/livedesk/livedesk"
)

// checkImportResult is what every import must satisfy, whatever the file: a whole-file error
// says which problem, or every product passes Validate and every row error names a row.
func checkImportResult(t *testing.T, imp Import, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrImportFile) || err.Error() == "" {
			t.Fatalf("a file error that is not ErrImportFile: %v", err)
		}
		return
	}
	seen := map[string]bool{}
	for _, p := range imp.Products {
		if errs := p.Validate(); len(errs) > 0 {
			t.Fatalf("imported an invalid product %+v: %v", p, errs)
		}
		if seen[p.ID] {
			t.Fatalf("product %q imported twice", p.ID)
		}
		seen[p.ID] = true
	}
	for _, e := range imp.Errors {
		if e.Row < 1 || e.Reason == "" || e.ReasonZH == "" {
			t.Fatalf("row error without a row or reason: %+v", e)
		}
	}
}

// FuzzImportCSV: any upload to the products import as CSV.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("\ufeff" + csvSheet))
	f.Add([]byte("商品ID,商品标题,价格\np1,\"多行\n标题\",19.9\n"))
	f.Add([]byte("id,title,price\n,,\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		imp, err := ReadCSV(bytes.NewReader(b))
		checkImportResult(t, imp, err)
	})
}

// FuzzImportXLSX: any upload to the products import as XLSX (a zip of XML parts).
func FuzzImportXLSX(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, []Product{{ID: "p1", Title: "纯棉T恤", Price: 1990, ListPrice: 3990, Stock: 120,
		Tag: TagTraffic, Points: []string{"纯棉", "不起球"}, Script: "今天只要19块9"}}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		imp, err := ReadXLSX(bytes.NewReader(b))
		checkImportResult(t, imp, err)
	})
}

// FuzzImportSheet: the rows of any sheet (what ReadXLSX and ReadCSV hand over after decoding
// the file), as cells separated by \x1f and rows by \x1e — livedesk's own part of an import, at
// a speed the fuzzer can search (excelize's unzip and XML per input keep FuzzImportXLSX at a
// few hundred executions per second).
func FuzzImportSheet(f *testing.F) {
	f.Add("商品ID\x1f商品标题\x1f价格(元)\x1f划线价(元)\x1f库存\x1f标签\x1f卖点\x1ep1\x1f纯棉T恤\x1f19.9\x1f39.9\x1f120\x1f引流款\x1f纯棉|不起球\x1ep1\x1f重复\x1f1")
	f.Add("id\x1ftitle\x1fprice\x1e\x1f\x1f\x1ep2\x1f<b>x</b>\x1f¥1,299.00")
	f.Fuzz(func(t *testing.T, s string) {
		var rows [][]string
		for _, r := range strings.Split(s, "\x1e") {
			rows = append(rows, strings.Split(r, "\x1f"))
		}
		imp, err := parseSheet(rows, livedesk.CurrencyOf(""))
		checkImportResult(t, imp, err)
	})
}
