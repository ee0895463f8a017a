package platform

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

func newTotals(t *testing.T) (*Totals, *recorder) {
	_, conn := localtest.Database(t)
	_, rc := localtest.Redis(t)
	rec := &recorder{}
	return &Totals{Events: rec, CH: conn, Redis: rc, Now: func() time.Time { return relayNow }}, rec
}

// count returns how many recorded events have type typ (and product, when given), and their
// amounts summed.
func (r *recorder) count(typ, product string) (n int, amount int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Type == typ && (product == "" || e.Product == product) {
			n++
			amount += e.Amount
		}
	}
	return n, amount
}

func TestTotalsIncreasesResetsAndGaps(t *testing.T) {
	tot, rec := newTotals(t)
	ctx := context.Background()
	apply := func(body string) TotalsResult {
		t.Helper()
		res, err := tot.Apply(ctx, "shop1", "room1", []byte(body))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return res
	}
	// First document: everything counted from zero; numbers may be strings.
	res := apply(`{"at":"2023-10-20T20:00:00+08:00","room":{"views":100,"online":"40","ad_spend":"5000"},
		"products":[{"product":"p1","impressions":1000,"clicks":"30","orders":3,"gmv":5970}]}`)
	if res.Accepted != 100+1+1000+30+3+1 {
		t.Fatalf("first document: %+v", res)
	}
	if n, _ := rec.count(ingest.TypeEnter, ""); n != 100 {
		t.Errorf("entries %d", n)
	}
	if n, amt := rec.count(ingest.TypeOrder, "p1"); n != 3 || amt != 5970 {
		t.Errorf("orders %d amount %d", n, amt)
	}
	if _, amt := rec.count(ingest.TypeAdSpend, ""); amt != 5000 {
		t.Errorf("ad spend %d", amt)
	}
	for _, e := range rec.events {
		if e.User != "" || e.Extra != totalsExtra || !e.TS.Equal(time.Date(2023, 10, 20, 12, 0, 0, 0, time.UTC)) {
			t.Fatalf("event from totals: %+v", e)
		}
	}
	// The same document again (a resend): the same ids, nothing new.
	res = apply(`{"at":"2023-10-20T20:00:00+08:00","room":{"views":100,"ad_spend":"5000"},
		"products":[{"product":"p1","impressions":1000,"clicks":"30","orders":3,"gmv":5970}]}`)
	if res.Accepted != 0 {
		t.Fatalf("resent document: %+v", res)
	}
	// A gap (documents missed) only makes the increase larger; a total left out keeps its value;
	// GMV without new orders waits for them.
	res = apply(`{"at":1697804000000,"products":[{"product":"p1","clicks":45,"gmv":7960}]}`)
	if res.Accepted != 15 {
		t.Fatalf("gap: %+v", res)
	}
	res = apply(`{"at":1697804060000,"products":[{"product":"p1","orders":4,"gmv":7960}]}`)
	if n, amt := rec.count(ingest.TypeOrder, "p1"); res.Accepted != 1 || n != 4 || amt != 7960 {
		t.Fatalf("order after GMV: %+v, %d orders %d fen", res, n, amt)
	}
	// A reset: views went down — counted from zero again, never negative, with new ids.
	res = apply(`{"at":1697804120000,"room":{"views":20,"ad_spend":6000}}`)
	if len(res.Resets) != 1 || res.Resets[0] != "room.views" || res.Accepted != 21 {
		t.Fatalf("reset: %+v", res)
	}
	if n, _ := rec.count(ingest.TypeEnter, ""); n != 120 {
		t.Errorf("entries after reset %d, want 120", n)
	}
	if _, amt := rec.count(ingest.TypeAdSpend, ""); amt != 6000 {
		t.Errorf("ad spend after increase %d", amt)
	}
	// The previous totals survive a restart: a new Totals over the same ClickHouse continues.
	tot2 := &Totals{Events: rec, CH: tot.CH, Redis: tot.Redis, Now: tot.Now}
	if res, err := tot2.Apply(ctx, "shop1", "room1", []byte(`{"at":1697804180000,"room":{"views":25}}`)); err != nil || res.Accepted != 5 {
		t.Fatalf("after restart: %+v %v", res, err)
	}
}

func TestTotalsCapDefersTheRest(t *testing.T) {
	tot, rec := newTotals(t)
	tot.MaxUnits = 50
	ctx := context.Background()
	res, err := tot.Apply(ctx, "s", "r", []byte(`{"products":[{"product":"p","impressions":120}]}`))
	if err != nil || res.Accepted != 50 || len(res.Deferred) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	for i := 0; i < 2; i++ {
		if _, err := tot.Apply(ctx, "s", "r", []byte(`{"products":[{"product":"p","impressions":120}]}`)); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := rec.count(ingest.TypeImpression, "p"); n != 120 {
		t.Fatalf("impressions %d", n)
	}
}

func TestTotalsRejects(t *testing.T) {
	tot, _ := newTotals(t)
	for _, c := range []struct{ room, body, field string }{
		{"r", `{"room":{"views":-1}}`, "room.views"},
		{"r", `{"room":{"views":"1.5"}}`, "body"},
		{"r", `{"products":[{"product":"a/b","clicks":1}]}`, "products[0].product"},
		{"r", `{"products":[{"product":"p","clicks":1},{"product":"p","clicks":2}]}`, "products[1].product"},
		{"r", `{"at":"yesterday"}`, "at"},
		{"r", `{"at":"2099-01-01T00:00:00Z"}`, "at"},
		{"r", `{"rooms":{}}`, "body"},
		{"bad room/", `{}`, "room"},
	} {
		_, err := tot.Apply(context.Background(), "s", c.room, []byte(c.body))
		e := livedesk.ErrorOf(err)
		if e == nil || e.Code != livedesk.EINVALID || e.Field != c.field {
			t.Errorf("%s: %v, want invalid %s", c.body, err, c.field)
		}
	}
}

func TestRelayServiceKeepsRawAndCountsResendsOnce(t *testing.T) {
	_, conn := localtest.Database(t)
	rec := &recorder{}
	r := &Relay{Events: rec, CH: conn, Now: func() time.Time { return relayNow }}
	ctx := context.Background()
	var body strings.Builder
	for _, l := range readFixture(t, "douyin_protojson.ndjson") {
		body.Write(l)
		body.WriteByte('\n')
	}
	body.WriteString("{not json\n\n{\"hello\":1}\n")
	res, err := r.Ingest(ctx, "shop1", RelayDouyin, "room1", []byte(body.String()))
	if err != nil {
		t.Fatal(err)
	}
	if res.Lines != 12 || res.Raw != 3 || res.Rejected != 2 || res.Accepted != 1+2+2+3+1+1+1 {
		t.Fatalf("%+v", res)
	}
	if res.Errors[0].Line != 11 || !strings.Contains(res.Errors[0].Reason, "invalid JSON") || res.Errors[1].Line != 13 {
		t.Fatalf("errors %+v", res.Errors)
	}
	again, err := r.Ingest(ctx, "shop1", RelayDouyin, "room1", []byte(body.String()))
	if err != nil || again.Accepted != 0 || again.Duplicates != res.Accepted {
		t.Fatalf("resent: %+v %v", again, err)
	}
	counts, err := r.RawCounts(ctx, "shop1", "room1", relayNow.Add(-24*time.Hour*365*5))
	if err != nil || counts["WebcastGiftMessage"] != 1 || counts["WebcastControlMessage"] != 1 || counts["system:live_status"] != 1 {
		t.Fatalf("raw counts %v %v", counts, err)
	}
	if _, err := r.Ingest(ctx, "shop1", "kuaishou", "room1", []byte("{}")); livedesk.ErrorOf(err) == nil {
		t.Fatalf("unknown platform: %v", err)
	}
}
