package platform

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/livedesk/livedesk/ingest"
)

// fuzzNow is the fixed receive time of the fuzz targets.
var fuzzNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// checkMessage is what every mapped platform message must satisfy, whatever the body: the rest
// of livedesk stores and counts its events without parsing them again.
func checkMessage(t *testing.T, m Message) {
	t.Helper()
	if m.ID == "" || !utf8.ValidString(m.ID) {
		t.Fatalf("message without a valid identity: %+v", m)
	}
	if m.Ignored && len(m.Events) > 0 {
		t.Fatalf("an ignored message carries events: %+v", m)
	}
	known := []string{ingest.TypeOrder, ingest.TypeCSMessage, ingest.TypeStock, ingest.TypeReview, ingest.TypeCoupon}
	for _, e := range m.Events {
		if e.Shop != "s1" || e.ID == "" || len(e.ID) > 256 || !utf8.ValidString(e.ID) {
			t.Fatalf("event identity: %+v", e)
		}
		if !slices.Contains(known, e.Type) {
			t.Fatalf("event type %q", e.Type)
		}
		if e.TS.IsZero() || !ingest.InWindow(e.TS, fuzzNow) {
			t.Fatalf("event time %v out of range: %+v", e.TS, e)
		}
		if e.Amount < 0 || e.Qty < 0 || e.Value < 0 && e.Type != ingest.TypeStock {
			t.Fatalf("negative amount or quantity: %+v", e)
		}
		if e.Extra != "" && !json.Valid([]byte(e.Extra)) {
			t.Fatalf("extra is not JSON: %q", e.Extra)
		}
	}
}

// FuzzDoudianPush: any body posted to /hooks/doudian is either refused as a whole with a reason
// or mapped record by record, each message valid; never a panic.
func FuzzDoudianPush(f *testing.F) {
	big := "4881995531871913482"
	for _, rec := range [][3]string{
		{`"101"`, "m1", `{"pay_amount":1990,"s_ids":[` + big + `],"order_status":2,"pay_time":1630373504,"p_id":` + big + `,"shop_id":1}`},
		{`"200"`, "m2", `{"refund_amount":8900,"aftersale_id":7000893114000949517,"apply_time":1662085670,"p_id":` + big + `,"update_time":"2022-09-02T10:27:50+08:00"}`},
		{`102`, "m3", `{"p_id":"` + big + `","order_status":3,"update_time":1630373600}`},
		{`"0"`, "0", `2020-09-10T16:27:56.52842897+08:00`},
	} {
		f.Add(doudianPush(rec))
	}
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"not":"an array"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		msgs, err := ParseDoudian("s1", body, fuzzNow)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a reason")
			}
			return
		}
		for _, m := range msgs {
			checkMessage(t, m)
		}
	})
}

// FuzzTikTokWebhook: any body posted to /hooks/tiktok is refused with a reason or mapped to one
// valid message; never a panic.
func FuzzTikTokWebhook(f *testing.F) {
	wrap := func(typ int, data string) []byte {
		return []byte(fmt.Sprintf(`{"type":%d,"tts_notification_id":"n%d","shop_id":"7494049642642441621","timestamp":1644412885,"data":%s}`, typ, typ, data))
	}
	f.Add(wrap(1, `{"order_id":"576486316948490001","order_status":"AWAITING_SHIPMENT","update_time":1644412885}`))
	f.Add(wrap(12, `{"order_id":"5764","return_status":"RETURN_OR_REFUND_REQUEST_COMPLETE","update_time":1627587600}`))
	f.Add(wrap(14, `{"content":"{\"content\":\"444\"}","conversation_id":"7106","create_time":1681790246,"type":"TEXT","sender":{"im_user_id":"7","role":"BUYER"}}`))
	f.Add(wrap(27, `{"product_id":"1729","sku_id":"1730","inventory_distribution":{"total_quantity":10,"available_quantity":7},"update_time":1700000000}`))
	f.Add([]byte(`{"type":1,"data":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseTikTok("s1", body, fuzzNow)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a reason")
			}
			return
		}
		checkMessage(t, m)
	})
}
