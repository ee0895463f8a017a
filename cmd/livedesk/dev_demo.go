package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/compliance"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/ingest/sim"
	"github.com/livedesk/livedesk/jobs"
)

// demoSessions is how many earlier sessions the demo shop has (the report compares with 7).
const demoSessions = 7

// devCatalog imports the demo shop's product sheet through the catalog import (the products
// page's path: read the sheet, save the valid rows, refresh the prompters), once: a shop that
// has products keeps them. The sheet is left in the data directory to look at.
func devCatalog(ctx context.Context, d *devEnv) error {
	if d.Empty {
		return nil
	}
	have, err := d.Main.Catalog.List(ctx, d.Shop)
	if err != nil || len(have) > 0 {
		return err
	}
	sheet := sim.CatalogCSV()
	path := filepath.Join(d.Dir, "demo-catalog.csv")
	if err := os.WriteFile(path, sheet, 0o644); err != nil {
		return fmt.Errorf("dev: demo catalog: %w", err)
	}
	imp, err := catalog.ReadCSV(bytes.NewReader(sheet))
	if err != nil {
		return fmt.Errorf("dev: demo catalog: %w", err)
	}
	if len(imp.Errors) > 0 {
		return fmt.Errorf("dev: demo catalog: %v", imp.Errors[0])
	}
	if err := d.Main.Catalog.Save(ctx, d.Shop, imp.Products); err != nil {
		return err
	}
	ids := make([]string, len(imp.Products))
	for i, p := range imp.Products {
		ids[i] = p.ID
	}
	d.Main.Stage.ProductsChanged(ctx, d.Shop, ids)
	fmt.Fprintf(d.out, "demo shop: imported %d products from %s\n", len(imp.Products), path)
	return nil
}

// devDemo gives a fresh demo shop its history through the public API, in the background: seven
// earlier sessions (their events posted with past timestamps, then each recorded, which builds
// its report), the shop's day around them (fulfilment, refunds, reviews, customer service,
// coupons, an unpaid tail, one suspicious buyer), then one run of every job so the tasks inbox,
// the runs and the recaps have content at once. A room that already has sessions is left alone.
func devDemo(ctx context.Context, d *devEnv) error {
	if d.Empty {
		return nil
	}
	ss, err := d.Main.Engine.Sessions(ctx, d.Shop, d.Room, 1)
	if err != nil || len(ss) > 0 {
		return err
	}
	fmt.Fprintf(d.out, "demo shop: posting %d earlier sessions and a shop day in the background …\n", demoSessions)
	go func() {
		if err := buildDemo(ctx, d); err != nil && ctx.Err() == nil {
			fmt.Fprintf(os.Stderr, "make run: demo shop: %v\n", err)
		}
	}()
	return nil
}

// buildDemo does devDemo's work; each step is a call a real client could make.
func buildDemo(ctx context.Context, d *devEnv) error {
	c := &demoClient{sim.Client{URL: d.Main.URL(), Key: d.APIKey, HTTP: &http.Client{Timeout: 2 * time.Minute}}}
	now := time.Now()
	past := sim.PastSessions(d.Shop, d.Room, uint64(d.Seed), now, d.Main.Config.Location, demoSessions, d.Past)
	var pastEvents []ingest.Event
	for _, p := range past {
		if _, err := c.PostEvents(ctx, p.Events, 5000); err != nil {
			return err
		}
		// Acknowledged events may still be in the spool: the report and the jobs read ClickHouse.
		if err := d.Main.Writer.Sync(ctx); err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]time.Time{"started": p.Start, "ended": p.End})
		if err := c.call(ctx, http.MethodPost, "/api/v1/rooms/"+d.Room+"/sessions", body); err != nil {
			return err
		}
		pastEvents = append(pastEvents, p.Events...)
	}
	day := sim.ShopDay(d.Shop, d.Room, uint64(d.Seed), now, pastEvents)
	if _, err := c.PostEvents(ctx, day, 5000); err != nil {
		return err
	}
	if err := d.Main.Writer.Sync(ctx); err != nil {
		return err
	}
	// The shop's documents, as an admin enters them on /compliance: one licence due for renewal
	// within the month, one brand authorisation in its last week.
	if d.Main.Compliance != nil {
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		for _, q := range []compliance.Qualification{
			{Name: "食品经营许可证", Number: "JY13301060012345", Expires: today.AddDate(0, 0, 20)},
			{Name: "品牌授权书（真丝系列）", Number: "BA-2025-0718", Expires: today.AddDate(0, 0, 5)},
		} {
			if _, err := d.Main.Compliance.SaveQualification(ctx, d.Shop, q, "demo"); err != nil {
				return err
			}
		}
	}
	for _, j := range jobs.Default().All() {
		if err := c.call(ctx, http.MethodPost, "/api/v1/jobs/"+j.Name+"/run", nil); err != nil {
			return err
		}
	}
	fmt.Fprintf(d.out, "demo shop: %d earlier sessions (%d events) and a shop day (%d events) posted; every job ran once\n",
		len(past), len(pastEvents), len(day))
	return nil
}

// demoClient is the simulator's API client plus plain JSON calls.
type demoClient struct{ sim.Client }

func (c *demoClient) call(ctx context.Context, method, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return nil
}
