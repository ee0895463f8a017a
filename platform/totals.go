package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
)

// Running totals: the platforms' dashboards give cumulative numbers (per product impressions,
// clicks, orders, GMV; per room views, online, ad spend). A TotalsDoc is such a reading at one
// time; Totals.Apply turns each increase since the previous reading into events.

// Total is an integer given as a JSON number or a decimal string ("1234"); null or absent is
// "not reported" (the previous total stands).
type Total struct {
	V   int64
	Set bool
}

// UnmarshalJSON reads a number or a string of digits.
func (c *Total) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*c = Total{}
		return nil
	}
	s := strings.Trim(string(b), `"`)
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if ferr != nil || f != float64(int64(f)) {
			return fmt.Errorf("%s is not a whole number", cutRunes(string(b), 30))
		}
		n = int64(f)
	}
	*c = Total{V: n, Set: true}
	return nil
}

// TotalsDoc is the body of POST /api/v1/totals: cumulative totals of one room at At. Money is
// integer fen. Every field may be left out (not reported this time).
type TotalsDoc struct {
	At       json.RawMessage `json:"at"` // RFC 3339 or unix milliseconds; absent: when received
	Room     RoomTotals      `json:"room"`
	Products []ProductTotals `json:"products"`
}

// RoomTotals are a room's totals: views (entries), the online gauge, ad spend in fen.
type RoomTotals struct {
	Views   Total `json:"views"`
	Online  Total `json:"online"`
	AdSpend Total `json:"ad_spend"`
}

// ProductTotals are one product's totals; GMV in fen (paid).
type ProductTotals struct {
	Product     string `json:"product"`
	Impressions Total  `json:"impressions"`
	Clicks      Total  `json:"clicks"`
	Orders      Total  `json:"orders"`
	GMV         Total  `json:"gmv"`
}

// Total keys (room_totals.key).
const (
	totViews       = "views"
	totAdSpend     = "ad_spend"
	totImpressions = "impressions"
	totClicks      = "clicks"
	totOrders      = "orders"
	totGMV         = "gmv"
)

// reading is one total of a document: key "views", "ad_spend" or "p\x1f<product>\x1f<what>".
type reading struct {
	key     string
	kind    string // one of the tot* constants
	product string
	value   int64
	// baseline: when no total is stored yet, this reading is where counting starts (no events).
	baseline bool
}

func productKey(product, what string) string { return "p\x1f" + product + "\x1f" + what }

// parseTotals decodes and checks a totals document; the error names the field and why.
func parseTotals(body []byte, received time.Time) (time.Time, []reading, int64, bool, error) {
	var doc TotalsDoc
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&doc); err != nil {
		return time.Time{}, nil, 0, false, livedesk.Invalid("body", "the body must be a totals document: "+shortJSONErr(err),
			"请求体必须是累计数据文档："+shortJSONErr(err))
	}
	at := received
	if len(doc.At) > 0 && string(doc.At) != "null" {
		var s string
		if json.Unmarshal(doc.At, &s) != nil {
			s = string(doc.At)
		}
		t := relayTime(jobj{"at": s}, "at")
		if t.IsZero() {
			return time.Time{}, nil, 0, false, livedesk.Invalid("at", "at: must be an RFC 3339 time or unix milliseconds",
				"at：必须是 RFC 3339 时间或 Unix 毫秒")
		}
		if t.After(received.Add(time.Hour)) || t.Before(relayEarliest) {
			return time.Time{}, nil, 0, false, livedesk.Invalid("at", "at: more than an hour in the future, or before 2010",
				"at：晚于当前一小时以上，或早于 2010 年")
		}
		at = t
	}
	var out []reading
	add := func(field, key, kind, product string, c Total) error {
		if !c.Set {
			return nil
		}
		if c.V < 0 {
			return livedesk.Invalid(field, field+": must not be negative", field+"：不能为负数")
		}
		out = append(out, reading{key: key, kind: kind, product: product, value: c.V})
		return nil
	}
	if err := add("room.views", totViews, totViews, "", doc.Room.Views); err != nil {
		return time.Time{}, nil, 0, false, err
	}
	if err := add("room.ad_spend", totAdSpend, totAdSpend, "", doc.Room.AdSpend); err != nil {
		return time.Time{}, nil, 0, false, err
	}
	if doc.Room.Online.Set && doc.Room.Online.V < 0 {
		return time.Time{}, nil, 0, false, livedesk.Invalid("room.online", "room.online: must not be negative", "room.online：不能为负数")
	}
	seen := map[string]bool{}
	for i, p := range doc.Products {
		f := fmt.Sprintf("products[%d]", i)
		if err := livedesk.ValidID(p.Product); err != nil {
			return time.Time{}, nil, 0, false, livedesk.Invalid(f+".product", f+".product: "+err.Error(), f+".product："+err.Error())
		}
		if seen[p.Product] {
			return time.Time{}, nil, 0, false, livedesk.Invalid(f+".product", f+".product: "+p.Product+" is listed twice",
				f+".product："+p.Product+" 重复")
		}
		seen[p.Product] = true
		for _, x := range []struct {
			what string
			c    Total
		}{{totImpressions, p.Impressions}, {totClicks, p.Clicks}, {totOrders, p.Orders}, {totGMV, p.GMV}} {
			if err := add(f+"."+x.what, productKey(p.Product, x.what), x.what, p.Product, x.c); err != nil {
				return time.Time{}, nil, 0, false, err
			}
		}
	}
	return at, out, doc.Room.Online.V, doc.Room.Online.Set, nil
}
