package catalog

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rezip returns the workbook b with the parts in replace swapped in (or added), each deflated.
func rezip(t *testing.T, b []byte, replace map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	put := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	done := map[string]bool{}
	for _, f := range zr.File {
		data, ok := replace[f.Name]
		if !ok {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, _ = io.ReadAll(rc)
			rc.Close()
		}
		put(f.Name, data)
		done[f.Name] = true
	}
	for name, data := range replace {
		if !done[name] {
			put(name, data)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// sheetXML is a worksheet whose rows are given as cell XML by row number.
func sheetXML(rows func(w io.Writer)) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	rows(&b)
	b.WriteString(`</sheetData></worksheet>`)
	return b.Bytes()
}

func inline(ref, text string) string {
	return fmt.Sprintf(`<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, text)
}

// allocated runs f and returns the bytes it allocated on the heap (all goroutines, so the test
// runs alone in its package's process at that moment: not parallel).
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// heldBy returns how much more heap is in use, after a collection, while f's result is alive.
func heldBy(f func() any) int64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	v := f()
	runtime.GC()
	runtime.ReadMemStats(&b)
	runtime.KeepAlive(v)
	return int64(b.HeapAlloc) - int64(a.HeapAlloc)
}

// TestImportXLSXBounds: a workbook that unzips to more than maxUnzipBytes is refused before
// anything is unzipped, and a sheet of rows padded to column XFD costs memory by the cells the
// import keeps, not by excelize's padding (GetRows held 256 KB a row: 1.5 GB for these rows).
func TestImportXLSXBounds(t *testing.T) {
	var base bytes.Buffer
	if err := WriteXLSX(&base, []Product{{ID: "p1", Title: "纯棉T恤", Price: 1990}}); err != nil {
		t.Fatal(err)
	}
	sheet := "xl/worksheets/sheet1.xml"

	t.Run("zip bomb", func(t *testing.T) {
		bomb := rezip(t, base.Bytes(), map[string][]byte{"xl/media/pad.bin": make([]byte, 200<<20)})
		if len(bomb) > 1<<20 {
			t.Fatalf("the bomb is %d bytes compressed; the test wants a small file", len(bomb))
		}
		var err error
		n := allocated(func() { _, err = ReadXLSX(bytes.NewReader(bomb)) })
		if !errors.Is(err, ErrImportFile) || !strings.Contains(err.Error(), "unzips to more than 64 MB") {
			t.Fatalf("err = %v, want the unzip limit named", err)
		}
		if n > 32<<20 {
			t.Fatalf("refusing the bomb allocated %d MB", n>>20)
		}
	})

	wide := func(rows int) []byte {
		return rezip(t, base.Bytes(), map[string][]byte{sheet: sheetXML(func(w io.Writer) {
			fmt.Fprintf(w, `<row r="1">%s%s%s</row>`, inline("A1", "商品ID"), inline("B1", "商品标题"), inline("C1", "价格"))
			for r := 2; r <= rows+1; r++ {
				fmt.Fprintf(w, `<row r="%d">%s%s%s%s</row>`, r, inline(fmt.Sprintf("A%d", r), fmt.Sprintf("p%d", r)),
					inline(fmt.Sprintf("B%d", r), "标题"), inline(fmt.Sprintf("C%d", r), "9.9"), inline(fmt.Sprintf("XFD%d", r), "x"))
			}
		})})
	}

	t.Run("wide rows kept", func(t *testing.T) {
		b := wide(2000)
		imp, err := ReadXLSX(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(imp.Products) != 2000 || imp.Products[1999].ID != "p2001" || imp.Products[0].Price != 990 {
			t.Fatalf("imported %d products, last %+v", len(imp.Products), imp.Products[len(imp.Products)-1])
		}
		// What the rows hold once read: GetRows kept 2,000 × 16,384 cells (500 MB).
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		held := heldBy(func() any {
			rows, err := sheetRows(f, f.GetSheetList()[0])
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if cap(r) > maxImportCols {
					t.Fatalf("a row of %d cells is kept", cap(r))
				}
			}
			return rows
		})
		if held > 64<<20 {
			t.Fatalf("the rows hold %d MB", held>>20)
		}
	})

	t.Run("too many rows", func(t *testing.T) {
		_, err := ReadXLSX(bytes.NewReader(wide(MaxImportRows + 1)))
		if !errors.Is(err, ErrImportFile) || !strings.Contains(err.Error(), "more than 5000 rows") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("blank rows keep excel numbers", func(t *testing.T) {
		b := rezip(t, base.Bytes(), map[string][]byte{sheet: sheetXML(func(w io.Writer) {
			fmt.Fprintf(w, `<row r="1">%s%s%s</row>`, inline("A1", "商品ID"), inline("B1", "商品标题"), inline("C1", "价格"))
			fmt.Fprintf(w, `<row r="4">%s%s%s</row>`, inline("A4", "p4"), inline("B4", "标题"), inline("C4", "abc"))
			fmt.Fprintf(w, `<row r="9000" s="1"/>`) // a styled empty row, as Excel leaves them
		})})
		imp, err := ReadXLSX(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(imp.Errors) != 1 || imp.Errors[0].Row != 4 {
			t.Fatalf("errors %+v, want one on row 4", imp.Errors)
		}
	})
}
