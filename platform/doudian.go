package platform

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// DoudianSign is the 抖店 push signature: lowercase hex MD5(app_key + raw body + app_secret).
func DoudianSign(appKey, secret string, body []byte) string {
	h := md5.New()
	h.Write([]byte(appKey))
	h.Write(body)
	h.Write([]byte(secret))
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyDoudian checks the headers event-sign (case-insensitive, constant time, over the raw
// bytes) and app-id against the integration.
func VerifyDoudian(appKey, secret string, body []byte, appID, eventSign string) bool {
	want := DoudianSign(appKey, secret, body)
	got := strings.ToLower(strings.TrimSpace(eventSign))
	keyOK := subtle.ConstantTimeCompare([]byte(appID), []byte(appKey)) == 1
	signOK := subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	return keyOK && signOK
}

// doudianRecord is one element of a push body.
type doudianRecord struct {
	Tag   json.RawMessage `json:"tag"`
	MsgID json.RawMessage `json:"msg_id"`
	Data  json.RawMessage `json:"data"`
}

// Message is one platform message mapped onto livedesk events. Kind is what it is counted as
// (the tag or type); Ignored messages are counted but make no event; Enrich names an order to
// fetch details of once it is stored.
type Message struct {
	Kind    string
	ID      string // the platform's identity of the message (counted once per identity)
	Events  []ingest.Event
	Ignored bool
	Ping    bool
	Enrich  string // platform order id, "" for none
	Raw     string // the message as received (for the last-message view)
	Err     string // why a record was skipped (Doudian: the rest of its push is kept)
}

// doudianStatus maps the tags livedesk understands to an order status.
var doudianStatus = map[string]string{
	"100": ingest.StatusCreated,
	"101": ingest.StatusPaid,
	"102": ingest.StatusShipped,
	"108": ingest.StatusShipped,
	"103": ingest.StatusDelivered, // 交易完成: the buyer confirmed receipt (or COD after 15 days)
	"106": ingest.StatusCancelled,
	"109": ingest.StatusCreated, // 订单金额修改: the unpaid order's amount, restated
	"200": ingest.StatusRefundRequested,
	"204": ingest.StatusRefundRejected,
	"205": ingest.StatusRefundRejected,
	"206": ingest.StatusRefunded,
	"207": ingest.StatusRefundRejected, // 售后关闭: the request ended without a refund
}

// doudianTime is the field holding each tag's own time (unix seconds; update_time of refunds
// is RFC 3339), which makes the event id stable across redeliveries.
var doudianTime = map[string][]string{
	"100": {"create_time"}, "101": {"pay_time"}, "102": {"update_time"}, "108": {"update_time"},
	"103": {"complete_time"}, "106": {"cancel_time"}, "109": {"update_time", "modify_time"},
	"200": {"apply_time", "update_time"}, "204": {"refuse_time", "update_time"}, "205": {"refuse_time", "update_time"},
	"206": {"success_time", "update_time"}, "207": {"close_time", "update_time"},
}

// ParseDoudian decodes a push body (a JSON array of {tag, msg_id, data} with data a JSON string)
// and maps each record. An error means the body as a whole is malformed; it says why. A record
// that cannot be mapped comes back ignored, with Err saying why.
func ParseDoudian(shop string, body []byte, now time.Time) ([]Message, error) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var recs []doudianRecord
	if err := d.Decode(&recs); err != nil {
		return nil, fmt.Errorf("body: must be a JSON array of {tag, msg_id, data}: %v", err)
	}
	out := make([]Message, 0, len(recs))
	for i, r := range recs {
		m, err := mapDoudian(shop, r, now)
		if err != nil {
			// One bad record must not make the platform redeliver its neighbours forever:
			// it is skipped, counted as ignored and shown on the page as an error.
			tag, _ := scalar(r.Tag)
			msgID, _ := scalar(r.MsgID)
			m = Message{Kind: tag, ID: "dd:tag:" + tag + ":" + msgID, Ignored: true, Raw: string(r.Data),
				Err: fmt.Sprintf("record %d (tag %s, msg_id %s): %v", i+1, tag, msgID, err)}
		}
		out = append(out, m)
	}
	return out, nil
}

func mapDoudian(shop string, r doudianRecord, now time.Time) (Message, error) {
	tag, err := scalar(r.Tag)
	if err != nil || tag == "" {
		return Message{}, fmt.Errorf("tag: must be a string or a number")
	}
	msgID, _ := scalar(r.MsgID)
	m := Message{Kind: tag, ID: "dd:tag:" + tag + ":" + msgID}
	if tag == "0" {
		m.Ping = true
		return m, nil
	}
	// data is a JSON string holding the object (decoded a second time); an object is tolerated.
	dataRaw := []byte(r.Data)
	var s string
	if len(dataRaw) > 0 && dataRaw[0] == '"' {
		if err := json.Unmarshal(dataRaw, &s); err != nil {
			return Message{}, fmt.Errorf("data: %v", err)
		}
		dataRaw = []byte(s)
	}
	data := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(dataRaw)) > 0 {
		dd := json.NewDecoder(bytes.NewReader(dataRaw))
		dd.UseNumber()
		if err := dd.Decode(&data); err != nil {
			return Message{}, fmt.Errorf("data: must be a JSON object (as a string): %v", err)
		}
	}
	dataRaw = redact(data, dataRaw)
	m.Raw = string(dataRaw)
	status, ok := doudianStatus[tag]
	if !ok {
		m.Ignored = true
		return m, nil
	}
	order := field(data, "p_id")
	if order == "" {
		order = field(data, "shop_order_id")
	}
	if order == "" {
		return Message{}, fmt.Errorf("data.p_id: required for tag %s", tag)
	}
	ts, stamp := time.Time{}, ""
	for _, k := range doudianTime[tag] {
		if v := field(data, k); v != "" {
			if t, ok := parseTime(v, now); ok {
				ts, stamp = t, v
				break
			}
		}
	}
	if stamp == "" {
		stamp = msgID
	}
	if ts.IsZero() {
		ts = now
	}
	id := fmt.Sprintf("dd:%s:%s:%s", order, tag, stamp)
	if tag[0] == '2' { // one order can carry several after-sales: each has its own events
		if a := field(data, "aftersale_id"); a != "" {
			id = fmt.Sprintf("dd:%s:%s:%s:%s", order, tag, a, stamp)
		}
	}
	var amount int64
	switch tag {
	case "101":
		amount, err = intField(data, "pay_amount")
	case "109":
		amount, err = intField(data, "total_amount")
	case "200", "206":
		amount, err = intField(data, "refund_amount")
	}
	if err != nil {
		return Message{}, err
	}
	extra, _ := json.Marshal(map[string]any{"platform": Doudian, "tag": tag, "msg_id": msgID, "raw": json.RawMessage(dataRaw)})
	m.Events = []ingest.Event{{Shop: shop, ID: id, Type: ingest.TypeOrder, TS: ts.UTC().Truncate(time.Millisecond),
		Order: order, Status: status, Amount: amount, Qty: 1, Extra: string(extra)}}
	if tag == "101" {
		m.Enrich = order
	}
	return m, nil
}

// piiFields are the buyer's address and phone some pushes carry (102: receiver_msg); they are
// needed by no livedesk feature, so the audit copy in extra and the page drop them.
var piiFields = []string{"receiver_msg", "post_receiver", "post_tel", "post_addr", "encrypt_post_receiver", "encrypt_post_tel"}

// redact returns raw without the buyer's personal fields (raw itself when it has none).
func redact(data map[string]json.RawMessage, raw []byte) []byte {
	found := false
	for _, k := range piiFields {
		if _, ok := data[k]; ok {
			delete(data, k)
			found = true
		}
	}
	if !found {
		return raw
	}
	b, err := json.Marshal(data) // RawMessage values: numbers keep their digits
	if err != nil {
		return nil
	}
	return b
}

// scalar returns a JSON string's value or a JSON number's literal digits (never via float64).
func scalar(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return "", err
	}
	return n.String(), nil
}

func field(m map[string]json.RawMessage, k string) string {
	s, _ := scalar(m[k])
	return s
}

func intField(m map[string]json.RawMessage, k string) (int64, error) {
	s := field(m, k)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("data.%s: must be a non-negative whole number of fen, got %q", k, s)
	}
	return n, nil
}

// parseTime reads unix seconds (or milliseconds) or RFC 3339; a time outside the event window
// (ingest.InWindow, for a message received at now) is no time.
func parseTime(v string, now time.Time) (time.Time, bool) {
	var t time.Time
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			t = time.UnixMilli(n)
		} else {
			t = time.Unix(n, 0)
		}
	} else if p, err := time.Parse(time.RFC3339, v); err == nil {
		t = p
	} else {
		return time.Time{}, false
	}
	return t, ingest.InWindow(t, now)
}
