package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/livedesk/livedesk/report"
)

// TestReportSourcesAndShopCurrency: sources posted on enter and order events show on the report
// page by source, and a EUR shop in Berlin gets its page, XLSX and CSV in euros and its own zone.
func TestReportSourcesAndShopCurrency(t *testing.T) {
	ctx := context.Background()
	s := startServer(t)
	s.addUser("shopA", "boss", "admin", "pw-boss-123")
	if _, err := s.Shops.Save(ctx, "shopA", "Europe/Berlin", "EUR", "boss"); err != nil {
		t.Fatal(err)
	}
	key := s.apiKey("shopA")
	start := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	var body strings.Builder
	for i, src := range []string{"feed", "feed", "search", "推荐", ""} {
		source := ""
		if src != "" {
			source = fmt.Sprintf(`,"source":%q`, src)
		}
		fmt.Fprintf(&body, `{"id":"e%d","ts":"%s","room":"r1","type":"enter","user":"v%d"%s}`+"\n", i, start.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i, source)
	}
	fmt.Fprintf(&body, `{"id":"o1","ts":"%s","room":"r1","type":"order","user":"v0","product":"p1","order":"o1","status":"paid","amount":123456,"qty":1,"source":"feed"}`+"\n",
		start.Add(70*time.Second).Format(time.RFC3339))
	if code, res := s.post(key, []byte(body.String())); code != 200 || res["rejected"] != 0.0 {
		t.Fatalf("post: %d %v", code, res)
	}
	span := report.SessionSpan{Shop: "shopA", Room: "r1", Session: "src-1", Start: start, End: start.Add(5 * time.Minute)}
	if _, err := s.Reports.Rebuild(ctx, span); err != nil {
		t.Fatal(err)
	}
	w := newWebClient(t, s.URL())
	w.login("shopA", "boss", "pw-boss-123")
	code, _, page := w.get("/sessions/src-1/report")
	if code != 200 {
		t.Fatalf("report page: %d", code)
	}
	for _, want := range []string{`id="report-sources"`, `data-source="feed"`, "€1,234.56", "60.0%", "2026-06-01 12:00"} {
		if !strings.Contains(page, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	if strings.Contains(page, "¥") {
		i := strings.Index(page, "¥")
		t.Errorf("a EUR shop's report shows ¥: %s", page[max(0, i-300):min(len(page), i+100)])
	}
	code, _, x := w.get("/sessions/src-1/report.xlsx")
	if code != 200 {
		t.Fatalf("xlsx: %d", code)
	}
	f, err := excelize.OpenReader(strings.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("流量来源")
	if err != nil || len(rows) < 3 || rows[1][0] != "推荐" || rows[1][1] != "3" || rows[1][4] != "€1,234.56" {
		t.Fatalf("sources sheet %q %v", rows, err)
	}
	if code, _, csv := w.get("/sessions/src-1/minutes.csv"); code != 200 || !strings.Contains(csv, "2026-06-01 12:01") || !strings.Contains(csv, "1234.56") {
		t.Fatalf("csv: %d %.400s", code, csv)
	}
}
