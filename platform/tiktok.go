package platform

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// TikTokSign is the TikTok Shop webhook signature: lowercase hex HMAC-SHA256(key = app_secret,
// message = app_key + raw body).
func TikTokSign(appKey, secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(appKey))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyTikTok checks the Authorization header (case-insensitive, constant time).
func VerifyTikTok(appKey, secret string, body []byte, authorization string) bool {
	got := strings.ToLower(strings.TrimSpace(authorization))
	return subtle.ConstantTimeCompare([]byte(got), []byte(TikTokSign(appKey, secret, body))) == 1
}

// tiktokStatus maps the webhook's order_status (type 1) onto livedesk's statuses.
var tiktokStatus = map[string]string{
	"UNPAID":              ingest.StatusCreated,
	"ON_HOLD":             ingest.StatusPaid, // paid, in the buyer's remorse window
	"AWAITING_SHIPMENT":   ingest.StatusPaid,
	"AWAITING_COLLECTION": ingest.StatusShipped,
	"IN_TRANSIT":          ingest.StatusShipped,
	"DELIVERED":           ingest.StatusDelivered,
	"COMPLETED":           ingest.StatusDelivered,
	"CANCEL":              ingest.StatusCancelled, // the webhook's spelling
	"CANCELLED":           ingest.StatusCancelled, // the Order API's
}

var tiktokCancel = map[string]string{
	"CANCELLATION_REQUEST_SUCCESS":  ingest.StatusCancelled,
	"CANCELLATION_REQUEST_COMPLETE": ingest.StatusCancelled,
}

var tiktokReturn = map[string]string{
	"RETURN_OR_REFUND_REQUEST_PENDING":  ingest.StatusRefundRequested,
	"REFUND_OR_RETURN_REQUEST_REJECT":   ingest.StatusRefundRejected,
	"REJECT_RECEIVE_PACKAGE":            ingest.StatusRefundRejected,
	"RETURN_OR_REFUND_REQUEST_SUCCESS":  ingest.StatusRefunded,
	"RETURN_OR_REFUND_REQUEST_COMPLETE": ingest.StatusRefunded,
}

// ErrMalformed marks a body that is not a webhook notification; its text says why.
var ErrMalformed = errors.New("malformed")

// ParseTikTok decodes one webhook notification and maps it.
func ParseTikTok(shop string, body []byte, now time.Time) (Message, error) {
	var n struct {
		Type      json.Number     `json:"type"`
		ID        json.RawMessage `json:"tts_notification_id"`
		ShopID    json.RawMessage `json:"shop_id"`
		Timestamp json.Number     `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return Message{}, fmt.Errorf("%w: body: must be a JSON object {type, tts_notification_id, shop_id, timestamp, data}: %v", ErrMalformed, err)
	}
	if d.More() {
		return Message{}, fmt.Errorf("%w: body: one JSON object expected, found more after it", ErrMalformed)
	}
	id, _ := scalar(n.ID)
	if id == "" {
		return Message{}, fmt.Errorf("%w: tts_notification_id: required", ErrMalformed)
	}
	typ := n.Type.String()
	if typ == "" {
		return Message{}, fmt.Errorf("%w: type: required", ErrMalformed)
	}
	data := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(n.Data)) > 0 && string(bytes.TrimSpace(n.Data)) != "null" {
		dd := json.NewDecoder(bytes.NewReader(n.Data))
		dd.UseNumber()
		if err := dd.Decode(&data); err != nil {
			return Message{}, fmt.Errorf("%w: data: must be a JSON object: %v", ErrMalformed, err)
		}
	}
	m := Message{Kind: typ, ID: "tt:" + id, Raw: string(n.Data)}
	ts := now
	for _, k := range []string{"update_time", "create_time"} {
		if t, ok := parseTime(field(data, k), now); ok {
			ts = t
			break
		}
	}
	if ts.Equal(now) {
		if t, ok := parseTime(n.Timestamp.String(), now); ok {
			ts = t
		}
	}
	extra, _ := json.Marshal(map[string]any{"platform": TikTok, "type": typ, "tts_notification_id": id, "raw": json.RawMessage(n.Data)})
	ev := ingest.Event{Shop: shop, ID: "tt:" + id, TS: ts.UTC().Truncate(time.Millisecond), Extra: string(extra)}
	order := field(data, "order_id")
	switch typ {
	case "1", "11", "12":
		var st string
		switch typ {
		case "1":
			st = tiktokStatus[field(data, "order_status")]
		case "11":
			st = tiktokCancel[field(data, "cancel_status")]
		case "12":
			st = tiktokReturn[field(data, "return_status")]
		}
		if st == "" {
			m.Ignored = true
			return m, nil
		}
		if order == "" {
			return Message{}, fmt.Errorf("%w: data.order_id: required for type %s", ErrMalformed, typ)
		}
		ev.Type, ev.Order, ev.Status, ev.Qty = ingest.TypeOrder, order, st, 1
		if typ == "1" && st == ingest.StatusPaid {
			m.Enrich = order
		}
	case "13", "14":
		conv := field(data, "conversation_id")
		if conv == "" {
			return Message{}, fmt.Errorf("%w: data.conversation_id: required for type %s", ErrMalformed, typ)
		}
		ev.Type, ev.Conversation, ev.Direction = ingest.TypeCSMessage, conv, "in"
		if typ == "13" {
			ev.Text = "（新会话）"
			break
		}
		var sender struct {
			ID   json.RawMessage `json:"im_user_id"`
			Role string          `json:"role"`
		}
		_ = json.Unmarshal(data["sender"], &sender)
		switch sender.Role {
		case "BUYER":
		case "SHOP", "CUSTOMER_SERVICE":
			ev.Direction = "out"
		default: // SYSTEM, ROBOT: nobody to answer, nobody answering
			m.Ignored = true
			return m, nil
		}
		ev.User, _ = scalar(sender.ID)
		ev.Text = messageText(field(data, "type"), field(data, "content"))
	case "27":
		product := field(data, "product_id")
		if product == "" {
			return Message{}, fmt.Errorf("%w: data.product_id: required for type 27", ErrMalformed)
		}
		var inv struct {
			Available json.Number `json:"available_quantity"`
		}
		d := json.NewDecoder(bytes.NewReader(data["inventory_distribution"]))
		d.UseNumber()
		_ = d.Decode(&inv)
		q, err := inv.Available.Int64()
		if err != nil || q < 0 {
			return Message{}, fmt.Errorf("%w: data.inventory_distribution.available_quantity: must be a non-negative whole number", ErrMalformed)
		}
		ev.Type, ev.Product, ev.Value = ingest.TypeStock, product, q
	default:
		m.Ignored = true
		return m, nil
	}
	m.Events = []ingest.Event{ev}
	return m, nil
}

// messageText is what an operator reads of a customer-service message: a TEXT message's
// content is itself a JSON string {"content": "…"}.
func messageText(typ, content string) string {
	if typ == "TEXT" || typ == "" {
		var c struct {
			Content string `json:"content"`
		}
		if json.Unmarshal([]byte(content), &c) == nil && c.Content != "" {
			return c.Content
		}
		if content != "" {
			return content
		}
	}
	return "[" + typ + "]"
}
