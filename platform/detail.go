package platform

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// DoudianAPISign signs an open-API call (sign_method hmac-sha256): hex HMAC-SHA256(app_secret,
// app_secret + "app_key" + key + "method" + method + "param_json" + param_json + "timestamp" +
// timestamp + "v" + "2" + app_secret), param_json with its keys sorted.
func DoudianAPISign(appKey, secret, method, paramJSON, timestamp string) string {
	s := secret + "app_key" + appKey + "method" + method + "param_json" + paramJSON + "timestamp" + timestamp + "v" + "2" + secret
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

// TikTokAPISign signs an open-API call: hex HMAC-SHA256(app_secret, app_secret + path + every
// query parameter but sign and access_token as key+value sorted by key + body + app_secret).
func TikTokAPISign(secret, path string, query url.Values, body []byte) string {
	keys := make([]string, 0, len(query))
	for k := range query {
		if k != "sign" && k != "access_token" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString(secret)
	b.WriteString(path)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(query.Get(k))
	}
	b.Write(body)
	b.WriteString(secret)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(b.Bytes())
	return hex.EncodeToString(m.Sum(nil))
}

// call sends req and decodes a 200 JSON answer into out; 429 becomes *rateLimited.
func call(client *http.Client, req *http.Request, out any) error {
	res, err := client.Do(req)
	if err != nil {
		// Not the *url.Error's text: its URL carries the app key and the call's signature.
		var ue *url.Error
		if errors.As(err, &ue) {
			if ue.Timeout() {
				return fmt.Errorf("order detail: no answer within the timeout: %w", ue.Err)
			}
			return fmt.Errorf("order detail: request failed: %w", ue.Err)
		}
		return fmt.Errorf("order detail: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("order detail: read: %w", err)
	}
	if res.StatusCode == http.StatusTooManyRequests {
		after, _ := strconv.Atoi(res.Header.Get("Retry-After"))
		return &rateLimited{after: time.Duration(after) * time.Second}
	}
	if res.StatusCode == http.StatusUnauthorized {
		return &tokenError{"refused by the platform (HTTP 401)"}
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("order detail: HTTP %d", res.StatusCode)
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(out); err != nil {
		return fmt.Errorf("order detail: answer is not the documented JSON: %v", err)
	}
	return nil
}

// doudianDetail calls order.orderDetail and returns one paid event per SKU order.
// The access token travels as the access_token query parameter, outside the signature.
func doudianDetail(ctx context.Context, client *http.Client, in Integration, token string, j enrichJob, now time.Time) ([]ingest.Event, error) {
	const method = "order.orderDetail"
	param, _ := json.Marshal(map[string]string{"shop_order_id": j.Order})
	ts := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
	q := url.Values{"app_key": {in.AppKey}, "method": {method}, "param_json": {string(param)},
		"timestamp": {ts}, "v": {"2"}, "sign_method": {"hmac-sha256"},
		"sign": {DoudianAPISign(in.AppKey, in.Secret, method, string(param), ts)}, "access_token": {token}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.APIURL+"/order/orderDetail?"+q.Encode(),
		bytes.NewReader(param))
	if err != nil {
		return nil, fmt.Errorf("order detail: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	var res struct {
		Code    json.Number `json:"code"`
		Msg     string      `json:"msg"`
		SubCode string      `json:"sub_code"`
		Data    struct {
			Detail struct {
				OrderID json.Number `json:"order_id"`
				Items   []struct {
					OrderID   json.RawMessage `json:"order_id"`
					ProductID json.RawMessage `json:"product_id"`
					ItemNum   json.Number     `json:"item_num"`
					PayAmount json.Number     `json:"pay_amount"`
					RoomID    json.RawMessage `json:"room_id"`
					AuthorID  json.RawMessage `json:"author_id"`
				} `json:"sku_order_list"`
			} `json:"shop_order_detail"`
		} `json:"data"`
	}
	if err := call(client, req, &res); err != nil {
		return nil, err
	}
	if doudianTokenRefused(res.Code.String(), res.SubCode) {
		return nil, &tokenError{fmt.Sprintf("refused by 抖店 (code %s %s): %s", res.Code, res.SubCode, res.Msg)}
	}
	if res.Code.String() != "10000" {
		return nil, fmt.Errorf("order detail: platform answered code %s: %s", res.Code, res.Msg)
	}
	var out []ingest.Event
	for i, it := range res.Data.Detail.Items {
		sku, _ := scalar(it.OrderID)
		product, _ := scalar(it.ProductID)
		room, _ := scalar(it.RoomID)
		if room == "0" {
			room = "" // not from a live stream
		}
		qty, err := it.ItemNum.Int64()
		if err != nil || qty <= 0 {
			qty = 1
		}
		amount, err := it.PayAmount.Int64()
		if err != nil || amount < 0 {
			return nil, fmt.Errorf("order detail: sku_order_list[%d].pay_amount: not whole fen: %q", i, it.PayAmount)
		}
		if sku == "" {
			sku = strconv.Itoa(i)
		}
		extra, _ := json.Marshal(map[string]any{"platform": Doudian, "enriched": true, "sku_order_id": sku})
		out = append(out, ingest.Event{Shop: j.Shop, ID: "dd:" + j.Order + ":item:" + sku + ":paid", Type: ingest.TypeOrder,
			TS: j.PaidAt, Order: j.Order, Status: ingest.StatusPaid, Product: product, Qty: int32(min(qty, 1<<30)),
			Amount: amount, Room: room, Extra: string(extra)})
	}
	return out, nil
}

// tiktokDetail calls Get Order Detail (202309) and returns the order's paid total (no room, no
// product: the job totals' amount) and one paid event per line item.
// The access token travels as the x-tts-access-token header; shop_cipher (cross-border shops)
// is a signed query parameter.
func tiktokDetail(ctx context.Context, client *http.Client, in Integration, token string, j enrichJob, now time.Time) ([]ingest.Event, error) {
	const path = "/order/202309/orders"
	q := url.Values{"app_key": {in.AppKey}, "timestamp": {strconv.FormatInt(now.Unix(), 10)}, "ids": {j.Order}}
	if in.ShopCipher != "" {
		q.Set("shop_cipher", in.ShopCipher)
	}
	q.Set("sign", TikTokAPISign(in.Secret, path, q, nil))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.APIURL+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("order detail: %w", err)
	}
	req.Header.Set("x-tts-access-token", token)
	var res struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
		Data    struct {
			Orders []struct {
				ID      string `json:"id"`
				Payment struct {
					Total    string `json:"total_amount"`
					Currency string `json:"currency"`
				} `json:"payment"`
				Items []struct {
					ID        string `json:"id"`
					ProductID string `json:"product_id"`
					SkuID     string `json:"sku_id"`
					SalePrice string `json:"sale_price"`
				} `json:"line_items"`
			} `json:"orders"`
		} `json:"data"`
	}
	if err := call(client, req, &res); err != nil {
		return nil, err
	}
	if tiktokTokenRefused[res.Code.String()] {
		return nil, &tokenError{fmt.Sprintf("refused by TikTok Shop (code %s): %s", res.Code, res.Message)}
	}
	if res.Code.String() != "0" {
		return nil, fmt.Errorf("order detail: platform answered code %s: %s", res.Code, res.Message)
	}
	if len(res.Data.Orders) == 0 {
		return nil, fmt.Errorf("order detail: order %s not in the answer", j.Order)
	}
	o := res.Data.Orders[0]
	total, err := DecimalToFen(o.Payment.Total)
	if err != nil {
		return nil, fmt.Errorf("order detail: payment.total_amount: %v", err)
	}
	extra, _ := json.Marshal(map[string]any{"platform": TikTok, "enriched": true, "currency": o.Payment.Currency})
	out := []ingest.Event{{Shop: j.Shop, ID: "tt:" + j.Order + ":paid:total", Type: ingest.TypeOrder, TS: j.PaidAt,
		Order: j.Order, Status: ingest.StatusPaid, Amount: total, Qty: 1, Extra: string(extra)}}
	for i, it := range o.Items {
		amount, err := DecimalToFen(it.SalePrice)
		if err != nil {
			return nil, fmt.Errorf("order detail: line_items[%d].sale_price: %v", i, err)
		}
		id := it.ID
		if id == "" {
			id = strconv.Itoa(i)
		}
		ex, _ := json.Marshal(map[string]any{"platform": TikTok, "enriched": true, "line_item_id": id, "sku_id": it.SkuID,
			"currency": o.Payment.Currency})
		out = append(out, ingest.Event{Shop: j.Shop, ID: "tt:" + j.Order + ":item:" + id + ":paid", Type: ingest.TypeOrder,
			TS: j.PaidAt, Order: j.Order, Status: ingest.StatusPaid, Product: it.ProductID, Qty: 1, Amount: amount,
			Extra: string(ex)})
	}
	return out, nil
}

// doudianTokenRefused reports a 抖店 answer refusing the access token: code 30001 (access_token
// invalid or expired) or a sub_code naming the access token (isv.access-token-expired,
// isv.access-token-no-existed).
func doudianTokenRefused(code, subCode string) bool {
	return code == "30001" || strings.Contains(subCode, "access-token") || strings.Contains(subCode, "access_token")
}

// tiktokTokenRefused are TikTok Shop answer codes for an invalid or expired access token.
var tiktokTokenRefused = map[string]bool{"105001": true, "105002": true}
