package catalog

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/livedesk/livedesk"
	"github.com/xuri/excelize/v2"
)

// exportRow is one product as the cells of Columns. Selling points go one per line in their
// cell (Alt+Enter in Excel), which SplitPoints reads back.
// Prices are plain numbers of cur (what ReadCSVIn reads back).
func exportRow(p Product, cur livedesk.Currency) []string {
	lp := ""
	if p.ListPrice > 0 {
		lp = cur.Plain(p.ListPrice)
	}
	return []string{p.ID, p.Title, cur.Plain(p.Price), lp, strconv.FormatInt(p.Stock, 10), p.Image, p.Tag,
		strings.Join(p.Points, "\n"), p.Script}
}

// WriteCSV writes products as UTF-8 CSV with a BOM (so Excel opens the Chinese headers right)
// in the layout ReadCSV reads back, prices in yuan.
func WriteCSV(w io.Writer, ps []Product) error { return WriteCSVIn(w, ps, livedesk.CurrencyOf("")) }

// WriteCSVIn is WriteCSV with prices in cur (ReadCSVIn reads it back).
func WriteCSVIn(w io.Writer, ps []Product, cur livedesk.Currency) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("catalog: export csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(headers()); err != nil {
		return fmt.Errorf("catalog: export csv: %w", err)
	}
	for _, p := range ps {
		row := exportRow(p, cur)
		for i, c := range row { // a cell starting with = + - @ would run as a formula in Excel
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) && i != 2 && i != 3 {
				row[i] = "'" + c
			}
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("catalog: export csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("catalog: export csv: %w", err)
	}
	return nil
}

// WriteXLSX writes products as one sheet named 商品 in the layout ReadXLSX reads back. Every
// cell is text, so ids such as 0012 and amounts such as 19.90 keep their exact form.
func WriteXLSX(w io.Writer, ps []Product) error { return WriteXLSXIn(w, ps, livedesk.CurrencyOf("")) }

// WriteXLSXIn is WriteXLSX with prices in cur (ReadXLSXIn reads it back).
func WriteXLSXIn(w io.Writer, ps []Product, cur livedesk.Currency) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "商品"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	if err := sw.SetColWidth(1, 1, 14); err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	if err := sw.SetColWidth(2, 2, 36); err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	if err := sw.SetColWidth(8, 9, 40); err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	row := func(n int, cells []string, style int) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = excelize.Cell{Value: c, StyleID: style}
		}
		ref, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, vals)
	}
	if err := row(1, headers(), bold); err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	for i, p := range ps {
		if err := row(i+2, exportRow(p, cur), wrap); err != nil {
			return fmt.Errorf("catalog: export xlsx: %w", err)
		}
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("catalog: export xlsx: %w", err)
	}
	return nil
}
