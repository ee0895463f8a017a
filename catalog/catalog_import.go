package catalog

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/livedesk/livedesk"
)

// MaxImportRows caps the data rows one import file may hold.
const MaxImportRows = 5000

// maxImportBytes caps the size of one import file.
const maxImportBytes = 20 << 20

// maxUnzipBytes caps what an .xlsx file may unzip to, all its parts together. A 5,000-row sheet
// unzips to a few MB; without a cap excelize (default limit 16 GB) reads every part but the
// sheets and shared strings into memory whole, so a file of a few MB compressed at deflate's
// 1,000:1 could hold gigabytes.
const maxUnzipBytes = 64 << 20

// Column is one column of the import/export sheet: its key (a Field* constant) and the Chinese
// header operators see in Excel. Export writes Header; import also accepts the Aliases.
type Column struct {
	Field   string
	Header  string
	Aliases []string
}

// Columns is the sheet layout, in export order.
var Columns = []Column{
	{FieldID, "商品ID", []string{"id", "商品id", "商品编号", "编号", "product", "productid", "product_id"}},
	{FieldTitle, "商品标题", []string{"标题", "商品名称", "名称", "title", "name"}},
	{FieldPrice, "价格(元)", []string{"价格", "售价", "直播价", "到手价", "price"}},
	{FieldListPrice, "划线价(元)", []string{"划线价", "原价", "listprice", "list_price"}},
	{FieldStock, "库存", []string{"库存数量", "stock"}},
	{FieldImage, "图片链接", []string{"图片", "主图", "图片url", "image", "imageurl", "image_url"}},
	{FieldTag, "标签", []string{"商品类型", "类型", "tag"}},
	{FieldPoints, "卖点", []string{"卖点(每行一个)", "sellingpoints", "selling_points", "points"}},
	{FieldScript, "话术", []string{"讲解话术", "script"}},
}

// RowError is one problem in an import file: Row is the spreadsheet row number as Excel shows it
// (the header is row 1), Column the header text of the offending column ("" for the whole row).
type RowError struct {
	Row      int    `json:"row"`
	Field    string `json:"field,omitempty"`
	Column   string `json:"column,omitempty"`
	Reason   string `json:"reason"`
	ReasonZH string `json:"reason_zh"`
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Reason)
	}
	return fmt.Sprintf("row %d, %s: %s", e.Row, e.Column, e.Reason)
}

// Import is the result of reading an import file: the rows that are valid (to be saved) and one
// RowError per problem. A bad row never stops the good ones.
type Import struct {
	Products []Product
	Errors   []RowError
}

// ErrImportFile means the file as a whole could not be read (not a spreadsheet, no header, no
// id/title/price column); the wrapped message says which.
var ErrImportFile = errors.New("catalog: import")

// ReadCSV reads a product sheet saved as CSV: UTF-8 (with or without BOM) or, as Excel on a
// Chinese Windows saves it, GB18030. Prices are yuan (CNY); ReadCSVIn reads another currency.
func ReadCSV(r io.Reader) (Import, error) { return ReadCSVIn(r, livedesk.CurrencyOf("")) }

// ReadCSVIn is ReadCSV with prices in cur (a VND sheet's 50000 is 50,000 đồng).
func ReadCSVIn(r io.Reader, cur livedesk.Currency) (Import, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return Import{}, fmt.Errorf("%w: read: %w", ErrImportFile, err)
	}
	if len(b) > maxImportBytes {
		return Import{}, fmt.Errorf("%w: file larger than %d MB", ErrImportFile, maxImportBytes>>20)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if !utf8.Valid(b) {
		if d, derr := simplifiedchinese.GB18030.NewDecoder().Bytes(b); derr == nil {
			b = d
		}
	}
	cr := csv.NewReader(bytes.NewReader(b))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	// encoding/csv skips blank lines, but Excel counts them as rows: put them back so row
	// numbers in errors are the ones the operator sees. consumed = lines read so far.
	var rows [][]string
	consumed, off := 0, int64(0)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Import{}, fmt.Errorf("%w: not a readable CSV file: %w", ErrImportFile, err)
		}
		start, _ := cr.FieldPos(0)
		for blank := start - consumed - 1; blank > 0 && len(rows) <= MaxImportRows+1; blank-- {
			rows = append(rows, nil)
		}
		next := cr.InputOffset()
		consumed += bytes.Count(b[off:next], []byte("\n"))
		off = next
		rows = append(rows, cutRow(rec))
		if len(rows) > MaxImportRows+1 {
			return Import{}, fmt.Errorf("%w: more than %d rows", ErrImportFile, MaxImportRows)
		}
	}
	return parseSheet(rows, cur)
}

// ReadXLSX reads the first sheet of an Excel workbook, prices in yuan (CNY).
func ReadXLSX(r io.Reader) (Import, error) { return ReadXLSXIn(r, livedesk.CurrencyOf("")) }

// ReadXLSXIn is ReadXLSX with prices in cur.
func ReadXLSXIn(r io.Reader, cur livedesk.Currency) (Import, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxImportBytes+1))
	if err != nil {
		return Import{}, fmt.Errorf("catalog: read import: %w", err)
	}
	if len(b) > maxImportBytes {
		return Import{}, fmt.Errorf("%w: the file is larger than %d MB", ErrImportFile, maxImportBytes>>20)
	}
	// The parts' sizes are checked before excelize unzips anything: a zip's declared sizes are
	// what archive/zip lets a part grow to, so their sum bounds what the read can allocate.
	if z, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
		var total uint64
		for _, f := range z.File {
			if f.UncompressedSize64 > maxUnzipBytes-total { // no overflow: total ≤ maxUnzipBytes
				return Import{}, fmt.Errorf("%w: the workbook unzips to more than %d MB", ErrImportFile, maxUnzipBytes>>20)
			}
			total += f.UncompressedSize64
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: maxUnzipBytes, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return Import{}, fmt.Errorf("%w: not a readable .xlsx file", ErrImportFile)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Import{}, fmt.Errorf("%w: the workbook has no sheet", ErrImportFile)
	}
	rows, err := sheetRows(f, sheets[0])
	if err != nil {
		return Import{}, err
	}
	return parseSheet(rows, cur)
}

// maxImportCols is the widest row an import keeps: the sheet has nine columns, and a real
// export with notes beside it a few dozen.
const maxImportCols = 256

// cutRow returns row cut to maxImportCols cells, copied so the longer array behind it (excelize's
// padding, a long CSV record) is not kept.
func cutRow(row []string) []string {
	if len(row) <= maxImportCols {
		return row
	}
	return append(make([]string, 0, maxImportCols), row[:maxImportCols]...)
}

// sheetRows reads the rows of sheet up to its last non-empty one, each cut to maxImportCols
// cells. Unlike excelize's GetRows it never holds more than MaxImportRows+1 rows: GetRows pads
// every row to its last cell and keeps them all, so a small sheet of one-cell rows at column
// XFD would take 256 KB a row, up to a million rows.
func sheetRows(f *excelize.File, sheet string) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%w: read sheet %q: %w", ErrImportFile, sheet, err)
	}
	defer it.Close()
	var rows [][]string
	for n := 1; it.Next(); n++ {
		row, err := it.Columns()
		if err != nil {
			return nil, fmt.Errorf("%w: read sheet %q: %w", ErrImportFile, sheet, err)
		}
		if blankRow(row) {
			continue
		}
		if n > MaxImportRows+1 {
			return nil, fmt.Errorf("%w: more than %d rows", ErrImportFile, MaxImportRows)
		}
		for len(rows) < n-1 {
			rows = append(rows, nil) // blank rows keep their place: errors name Excel's row numbers
		}
		rows = append(rows, cutRow(row))
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("%w: read sheet %q: %w", ErrImportFile, sheet, err)
	}
	return rows, nil
}

// headerKey normalises a header cell for matching: lower case, no spaces, ASCII parentheses,
// no "(元)" unit.
func headerKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	s = strings.NewReplacer("（", "(", "）", ")", " ", "", "\u3000", "", "*", "").Replace(s)
	s = strings.TrimSuffix(s, "(元)")
	s = strings.TrimSuffix(s, "(¥)")
	return s
}

var headerIndex = func() map[string]Column {
	m := map[string]Column{}
	for _, c := range Columns {
		m[headerKey(c.Header)] = c
		for _, a := range c.Aliases {
			m[headerKey(a)] = c
		}
	}
	return m
}()

// parseSheet turns rows (the first one the header) into products and row errors, prices in cur.
func parseSheet(rows [][]string, cur livedesk.Currency) (Import, error) {
	hdr := -1
	for i, r := range rows { // the header is the first non-empty row
		if !blankRow(r) {
			hdr = i
			break
		}
	}
	if hdr < 0 {
		return Import{}, fmt.Errorf("%w: the file is empty", ErrImportFile)
	}
	cols := map[string]int{}
	for j, cell := range rows[hdr] {
		c, ok := headerIndex[headerKey(cell)]
		if ok {
			if _, dup := cols[c.Field]; !dup {
				cols[c.Field] = j
			}
		}
	}
	var missing []string
	for _, c := range Columns[:3] { // id, title, price
		if _, ok := cols[c.Field]; !ok {
			missing = append(missing, c.Header)
		}
	}
	if len(missing) > 0 {
		return Import{}, fmt.Errorf("%w: row %d: missing column %s (expected headers: %s)", ErrImportFile,
			hdr+1, strings.Join(missing, ", "), strings.Join(headers(), ", "))
	}
	var out Import
	seen := map[string]int{}
	for i := hdr + 1; i < len(rows); i++ {
		rowNo := i + 1
		if blankRow(rows[i]) {
			continue
		}
		p, errs := parseRow(rows[i], cols, rowNo, cur)
		if len(errs) == 0 {
			if first, dup := seen[p.ID]; dup {
				errs = append(errs, RowError{Row: rowNo, Field: FieldID, Column: header(FieldID),
					Reason: fmt.Sprintf("same 商品ID as row %d", first), ReasonZH: fmt.Sprintf("与第 %d 行的商品ID重复", first)})
			}
		}
		if len(errs) > 0 {
			out.Errors = append(out.Errors, errs...)
			continue
		}
		seen[p.ID] = rowNo
		out.Products = append(out.Products, p)
	}
	return out, nil
}

func parseRow(r []string, cols map[string]int, rowNo int, cur livedesk.Currency) (Product, []RowError) {
	cell := func(f string) string {
		j, ok := cols[f]
		if !ok || j >= len(r) {
			return ""
		}
		v := strings.TrimSpace(r[j])
		if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@", rune(v[1])) {
			v = v[1:] // the formula guard WriteCSV adds
		}
		return v
	}
	var errs []RowError
	bad := func(f, en, zh string) {
		errs = append(errs, RowError{Row: rowNo, Field: f, Column: header(f), Reason: en, ReasonZH: zh})
	}
	p := Product{ID: cell(FieldID), Title: cell(FieldTitle), Image: cell(FieldImage), Tag: cell(FieldTag),
		Script: cell(FieldScript), Points: SplitPoints(cell(FieldPoints))}
	moneyFields := []struct {
		f   string
		dst *int64
	}{{FieldPrice, &p.Price}, {FieldListPrice, &p.ListPrice}}
	for _, m := range moneyFields {
		s := cell(m.f)
		if s == "" {
			continue // required price is reported by Validate
		}
		v, err := parseSheetMoney(s, cur)
		if err != nil {
			if cur.Code != livedesk.DefaultCurrency {
				bad(m.f, fmt.Sprintf("%q is not an amount in %s (at most %d decimals)", s, cur.Code, cur.Digits),
					fmt.Sprintf("“%s”不是 %s 金额（最多 %d 位小数）", s, cur.Code, cur.Digits))
				continue
			}
			bad(m.f, fmt.Sprintf("%q is %v", s, err), fmt.Sprintf("“%s”不是金额（元，最多两位小数，如 19.90）", s))
			continue
		}
		*m.dst = v
	}
	if s := cell(FieldStock); s != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
		if err != nil || n < 0 {
			bad(FieldStock, fmt.Sprintf("%q is not a whole number of 0 or more", s), fmt.Sprintf("“%s”不是 0 或正整数", s))
		} else {
			p.Stock = n
		}
	}
	p.Normalize()
	for _, fe := range p.Validate() {
		if hasField(errs, fe.Field) {
			continue
		}
		bad(fe.Field, fe.Reason, fe.ReasonZH)
	}
	return p, errs
}

func hasField(errs []RowError, f string) bool {
	for _, e := range errs {
		if e.Field == f {
			return true
		}
	}
	return false
}

// SplitPoints splits a selling-points cell: one point per line, or separated by | ｜ ; ；.
func SplitPoints(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '|' || r == '｜' || r == ';' || r == '；'
	})
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func blankRow(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func header(field string) string {
	for _, c := range Columns {
		if c.Field == field {
			return c.Header
		}
	}
	return field
}

func headers() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Header
	}
	return out
}
