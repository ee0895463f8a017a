package platform

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// The computed vectors of shared/notes/platform-adapters.md §1.2 and §2.2.
func TestSignatureVectors(t *testing.T) {
	if got := DoudianSign("app-123", "secret-456", []byte(`[{"tag":"100","msg_id":"9001","data":"{}"}]`)); got != "3ee847c2061b3f576f0379f44d1be6dd" {
		t.Fatalf("doudian sign %s", got)
	}
	body := `{"type":1,"tts_notification_id":"7327112393057371910","shop_id":"7494049642642441621","timestamp":1644412885,"data":{"order_id":"576486316948490001","order_status":"UNPAID","is_on_hold_order":false,"update_time":1644412885}}`
	if got := TikTokSign("tts-app-key", "tts-secret", []byte(body)); got != "ea33f4be048c3e2558fad953e8881793092130f762cb739b9e6b67796f6a109b" {
		t.Fatalf("tiktok sign %s", got)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`[{"tag":"100","msg_id":"9001","data":"{}"}]`)
	sign := "3ee847c2061b3f576f0379f44d1be6dd"
	for _, c := range []struct {
		name, appID, sign string
		body              []byte
		ok                bool
	}{
		{"good", "app-123", sign, body, true},
		{"upper case sign", "app-123", strings.ToUpper(sign), body, true},
		{"missing sign", "app-123", "", body, false},
		{"wrong app-id", "app-999", sign, body, false},
		{"missing app-id", "", sign, body, false},
		{"body changed by a byte", "app-123", sign, append([]byte(" "), body...), false},
		{"short sign", "app-123", sign[:10], body, false},
	} {
		if got := VerifyDoudian("app-123", "secret-456", c.body, c.appID, c.sign); got != c.ok {
			t.Errorf("doudian %s: %v", c.name, got)
		}
	}
	tb := []byte(`{"type":1}`)
	good := TikTokSign("k", "s", tb)
	for _, c := range []struct {
		name, auth string
		ok         bool
	}{{"good", good, true}, {"upper", strings.ToUpper(good), true}, {"bearer", "Bearer " + good, false}, {"empty", "", false},
		{"other secret", TikTokSign("k", "s2", tb), false}} {
		if got := VerifyTikTok("k", "s", tb, c.auth); got != c.ok {
			t.Errorf("tiktok %s: %v", c.name, got)
		}
	}
}

func TestDecimalToFen(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"12.34", 1234, false}, {"0.05", 5, false}, {"199", 19900, false}, {"19.9", 1990, false}, {".5", 50, false},
		{"0.10", 10, false}, {"1.230", 123, false}, {"0.1", 10, false}, {"1000000.01", 100000001, false},
		{"1.234", 0, true}, {"", 0, true}, {"-1.00", 0, true}, {"1e3", 0, true}, {"abc", 0, true}, {".", 0, true},
		{"1,00", 0, true}, {"99999999999999999.00", 0, true},
	} {
		got, err := DecimalToFen(c.in)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%q: got %d, %v", c.in, got, err)
		}
	}
}

// doudianPush wraps data objects as the wire does: data is a JSON string.
func doudianPush(recs ...[3]string) []byte {
	var parts []string
	for _, r := range recs {
		d, _ := json.Marshal(r[2])
		parts = append(parts, fmt.Sprintf(`{"tag":%s,"msg_id":"%s","data":%s}`, r[0], r[1], d))
	}
	return []byte("[" + strings.Join(parts, ",") + "]")
}

func TestDoudianTagMapping(t *testing.T) {
	const big = "4881995531871913482" // > 2^53
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		tag, data, status string
		amount            int64
		ignored           bool
	}{
		{`"100"`, `{"p_id":` + big + `,"s_ids":[` + big + `],"shop_id":1,"order_status":1,"order_type":0,"create_time":1640774086,"biz":2}`, ingest.StatusCreated, 0, false},
		{`"101"`, `{"pay_amount":1990,"s_ids":[` + big + `],"order_status":2,"order_type":0,"pay_time":1630373504,"p_id":` + big + `,"shop_id":1,"pay_type":1,"biz":2}`, ingest.StatusPaid, 1990, false},
		{`102`, `{"p_id":"` + big + `","order_status":3,"update_time":1630373600,"logistics_msg":{"express_company_id":"x","logistics_code":"y"}}`, ingest.StatusShipped, 0, false},
		{`"108"`, `{"p_id":` + big + `,"update_time":1630373600}`, ingest.StatusShipped, 0, false},
		{`"103"`, `{"p_id":` + big + `,"order_status":5,"complete_time":1630373700}`, ingest.StatusDelivered, 0, false},
		{`"106"`, `{"p_id":` + big + `,"order_status":4,"cancel_reason":"r","cancel_time":1630373700}`, ingest.StatusCancelled, 0, false},
		{`"109"`, `{"p_id":` + big + `,"total_amount":2990,"post_amount":0,"update_time":1630373700}`, ingest.StatusCreated, 2990, false},
		{`"200"`, `{"refund_amount":8900,"aftersale_id":7000893114000949517,"aftersale_status":6,"aftersale_type":1,"apply_time":1662085670,"s_id":` + big + `,"p_id":` + big + `,"update_time":"2022-09-02T10:27:50+08:00"}`, ingest.StatusRefundRequested, 8900, false},
		{`"204"`, `{"p_id":` + big + `,"aftersale_id":"7","refuse_time":1618991959}`, ingest.StatusRefundRejected, 0, false},
		{`"205"`, `{"p_id":` + big + `,"aftersale_id":"7","refuse_time":1618991959}`, ingest.StatusRefundRejected, 0, false},
		{`"206"`, `{"p_id":4705288465508532862,"s_id":4705288465508532862,"shop_id":95250,"aftersale_id":"xxxxxx","aftersale_status":6,"aftersale_type":1,"refund_amount":13200,"refund_post_amount":0,"reason_code":15,"success_time":1618991959,"refund_voucher_num":0}`, ingest.StatusRefunded, 13200, false},
		{`"207"`, `{"p_id":` + big + `,"aftersale_id":"7","close_time":1618991959}`, ingest.StatusRefundRejected, 0, false},
		{`"104"`, `{"p_id":` + big + `}`, "", 0, true},
		{`"400"`, `{"product_id":1}`, "", 0, true},
	} {
		msgs, err := ParseDoudian("s1", doudianPush([3]string{c.tag, "m1", c.data}), now)
		if err != nil {
			t.Fatalf("%s: %v", c.tag, err)
		}
		m := msgs[0]
		if m.Ignored != c.ignored {
			t.Fatalf("%s: ignored %v", c.tag, m.Ignored)
		}
		if c.ignored {
			if len(m.Events) != 0 {
				t.Fatalf("%s: events for an ignored tag", c.tag)
			}
			continue
		}
		e := m.Events[0]
		if e.Status != c.status || e.Amount != c.amount || e.Type != ingest.TypeOrder || e.Shop != "s1" {
			t.Fatalf("%s: %+v", c.tag, e)
		}
		if e.Order != big && e.Order != "4705288465508532862" {
			t.Fatalf("%s: order id lost precision: %s", c.tag, e.Order)
		}
		if !strings.HasPrefix(e.ID, "dd:"+e.Order+":"+strings.Trim(c.tag, `"`)+":") || !strings.Contains(e.Extra, `"platform":"doudian"`) {
			t.Fatalf("%s: id %s extra %s", c.tag, e.ID, e.Extra)
		}
		if (m.Enrich != "") != (c.status == ingest.StatusPaid) {
			t.Fatalf("%s: enrich %q", c.tag, m.Enrich)
		}
	}
}

func TestDoudianRedactsBuyer(t *testing.T) {
	msgs, err := ParseDoudian("s1", doudianPush([3]string{`"102"`, "1",
		`{"p_id":4881995531871913482,"receiver_msg":{"addr":"北京市某路1号","name":"张三","tel":"13800000000"},"update_time":1630373600}`}), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := msgs[0].Events[0]
	if strings.Contains(e.Extra, "13800000000") || strings.Contains(msgs[0].Raw, "张三") || !strings.Contains(e.Extra, "4881995531871913482") {
		t.Fatalf("extra %s raw %s", e.Extra, msgs[0].Raw)
	}
}

func TestDoudianPingAndMalformed(t *testing.T) {
	msgs, err := ParseDoudian("s1", []byte(`[{"tag":"0","msg_id":"0","data":"2020-09-10T16:27:56.52842897+08:00"}]`), time.Now())
	if err != nil || len(msgs) != 1 || !msgs[0].Ping || len(msgs[0].Events) != 0 {
		t.Fatalf("ping: %+v %v", msgs, err)
	}
	for _, body := range []string{`{}`, `[{"tag":"101"`, `"x"`} {
		if _, err := ParseDoudian("s1", []byte(body), time.Now()); err == nil {
			t.Errorf("accepted %s", body)
		}
	}
	// Bad records are skipped with a reason; their neighbours are kept.
	for _, rec := range []string{`{"tag":"101","msg_id":"1","data":"{not json"}`, `{"tag":{},"data":"{}"}`,
		`{"tag":"101","msg_id":"1","data":"{\"pay_amount\":1.5,\"p_id\":1}"}`, `{"tag":"101","msg_id":"1","data":"{}"}`} {
		msgs, err := ParseDoudian("s1", []byte(`[`+rec+`,{"tag":"100","msg_id":"2","data":"{\"p_id\":5}"}]`), time.Now())
		if err != nil || len(msgs) != 2 || msgs[0].Err == "" || !msgs[0].Ignored || len(msgs[1].Events) != 1 {
			t.Errorf("%s: %+v %v", rec, msgs, err)
		}
	}
}

func TestTikTokMapping(t *testing.T) {
	now := time.Unix(1700000000, 0)
	wrap := func(typ int, data string) []byte {
		return []byte(fmt.Sprintf(`{"type":%d,"tts_notification_id":"n%d","shop_id":"7494049642642441621","timestamp":1644412885,"data":%s}`, typ, typ, data))
	}
	for _, c := range []struct {
		typ       int
		data      string
		typeOut   string
		status    string
		ignored   bool
		direction string
	}{
		{1, `{"order_id":"576486316948490001","order_status":"UNPAID","is_on_hold_order":false,"update_time":1644412885}`, ingest.TypeOrder, ingest.StatusCreated, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"ON_HOLD","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusPaid, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"AWAITING_SHIPMENT","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusPaid, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"AWAITING_COLLECTION","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusShipped, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"IN_TRANSIT","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusShipped, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"DELIVERED","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusDelivered, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"COMPLETED","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusDelivered, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"CANCEL","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusCancelled, false, ""},
		{1, `{"order_id":"576486316948490001","order_status":"CANCELLED","update_time":1644412885}`, ingest.TypeOrder, ingest.StatusCancelled, false, ""},
		{11, `{"order_id":"5764","cancellations_role":"BUYER","cancel_status":"CANCELLATION_REQUEST_COMPLETE","cancel_id":"c1","create_time":1627587600}`, ingest.TypeOrder, ingest.StatusCancelled, false, ""},
		{11, `{"order_id":"5764","cancel_status":"CANCELLATION_REQUEST_PENDING","create_time":1627587600}`, "", "", true, ""},
		{12, `{"order_id":"5764","return_role":"BUYER","return_type":"REFUND","return_status":"RETURN_OR_REFUND_REQUEST_PENDING","return_id":"r1","create_time":1627587600,"update_time":1627587600}`, ingest.TypeOrder, ingest.StatusRefundRequested, false, ""},
		{12, `{"order_id":"5764","return_status":"REFUND_OR_RETURN_REQUEST_REJECT","update_time":1627587600}`, ingest.TypeOrder, ingest.StatusRefundRejected, false, ""},
		{12, `{"order_id":"5764","return_status":"RETURN_OR_REFUND_REQUEST_COMPLETE","update_time":1627587600}`, ingest.TypeOrder, ingest.StatusRefunded, false, ""},
		{13, `{"conversation_id":"710688832392260838","create_time":1681790246}`, ingest.TypeCSMessage, "", false, "in"},
		{14, `{"content":"{\"content\":\"444\"}","conversation_id":"710688832392260838","create_time":1681790246,"is_visible":true,"message_id":"722323407926368819","index":"7494560109732334274","type":"TEXT","sender":{"im_user_id":"707885565181165594","role":"BUYER"}}`, ingest.TypeCSMessage, "", false, "in"},
		{14, `{"content":"{\"content\":\"ok\"}","conversation_id":"7106","create_time":1681790246,"type":"TEXT","sender":{"im_user_id":"1","role":"CUSTOMER_SERVICE"}}`, ingest.TypeCSMessage, "", false, "out"},
		{14, `{"content":"x","conversation_id":"7106","type":"TEXT","sender":{"im_user_id":"1","role":"ROBOT"}}`, "", "", true, ""},
		{27, `{"product_id":"1729","sku_id":"1730","current_inventory_status":"LOW","inventory_distribution":{"total_quantity":10,"available_quantity":7},"update_time":1700000000}`, ingest.TypeStock, "", false, ""},
		{5, `{"product_id":"1"}`, "", "", true, ""},
	} {
		m, err := ParseTikTok("s1", wrap(c.typ, c.data), now)
		if err != nil {
			t.Fatalf("type %d: %v", c.typ, err)
		}
		if m.Ignored != c.ignored {
			t.Fatalf("type %d %s: ignored %v", c.typ, c.data, m.Ignored)
		}
		if c.ignored {
			continue
		}
		e := m.Events[0]
		if e.Type != c.typeOut || e.Status != c.status || e.Direction != c.direction || e.ID != fmt.Sprintf("tt:n%d", c.typ) {
			t.Fatalf("type %d: %+v", c.typ, e)
		}
		if c.typ == 14 && c.direction == "in" && (e.Text != "444" || e.User != "707885565181165594") {
			t.Fatalf("message: %+v", e)
		}
		if c.typ == 27 && (e.Product != "1729" || e.Value != 7) {
			t.Fatalf("stock: %+v", e)
		}
	}
	// The doc's own type-12 example misses a comma: 400 material.
	bad := []byte(`{"type":12,"tts_notification_id":"n","shop_id":"1","timestamp":1,"data":{"order_id":"1","create_time": 1627587600 "update_time":1}}`)
	if _, err := ParseTikTok("s1", bad, now); err == nil || !strings.Contains(err.Error(), "body") {
		t.Fatalf("malformed: %v", err)
	}
	if _, err := ParseTikTok("s1", []byte(`{"type":1,"data":{}}`), now); err == nil || !strings.Contains(err.Error(), "tts_notification_id") {
		t.Fatalf("no id: %v", err)
	}
}

func TestSealer(t *testing.T) {
	s, err := NewSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Seal("top-secret", aad("s1", Doudian))
	if err != nil || strings.Contains(c, "top-secret") {
		t.Fatalf("%s %v", c, err)
	}
	if p, err := s.Open(c, aad("s1", Doudian)); err != nil || p != "top-secret" {
		t.Fatalf("%s %v", p, err)
	}
	if _, err := s.Open(c, aad("s2", Doudian)); err == nil {
		t.Fatal("opened under another shop")
	}
	other, _ := NewSealer([]byte(strings.Repeat("x", 32)))
	if _, err := other.Open(c, aad("s1", Doudian)); err == nil {
		t.Fatal("opened with another server secret")
	}
}
