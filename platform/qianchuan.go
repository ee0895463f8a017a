package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/outbound"
)

// 巨量千川 (Qianchuan) ad spend. A shop links its advertiser account and Douyin account
// (integration set --platform qianchuan); while a session of the linked room is live, the
// QianchuanPoller reads the live report once a minute and turns increases of stat_cost into
// ad_spend events (through Totals, so the spend already counted survives restarts). Notes §4:
// GET <api>/open_api/v1.0/qianchuan/report/live/get/ with the Access-Token header, envelope
// {"code", "message", "request_id", "data"}, an error iff code != 0.

// Qianchuan is the platform name of 千川 integrations (not a push platform: no hook URL).
const Qianchuan = "qianchuan"

// AdPlatforms lists the ad platforms in display order (the Integrations page's second part).
var AdPlatforms = []string{Qianchuan}

// DefaultQianchuanURL is the Oceanengine open API's base URL.
const DefaultQianchuanURL = "https://ad.oceanengine.com/open_api"

// Qianchuan report endpoints (paths under the API URL).
const (
	QianchuanLiveGet = "/v1.0/qianchuan/report/live/get/"                              // 获取今日直播数据
	QianchuanUniRoom = "/v1.0/qianchuan/report/uni_promotion/dimension_data/room/get/" // 全域推广直播间维度数据
)

// costUnit is how many fen one unit of an endpoint's stat_cost is, as a fraction num/den.
type costUnit struct{ num, den int64 }

// statCostUnit is THE place the unit of stat_cost is set, per endpoint (notes §4: it differs).
// live/get gives no unit but its sibling money fields are yuan with two decimals: yuan (100 fen).
// The 全域推广 room endpoint documents stat_cost as 千分之一分: 1/1000 fen.
var statCostUnit = map[string]costUnit{
	QianchuanLiveGet: {num: 100, den: 1},
	QianchuanUniRoom: {num: 1, den: 1000},
}

// StatCostFen converts a stat_cost value of endpoint (a JSON number or a string of a decimal
// number, as the API and its SDKs differ) to fen, rounded half up. It is exact: no float.
func StatCostFen(endpoint string, raw json.RawMessage) (int64, error) {
	u, ok := statCostUnit[endpoint]
	if !ok {
		return 0, fmt.Errorf("stat_cost: no unit known for endpoint %s", endpoint)
	}
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, fmt.Errorf("stat_cost: missing")
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, fmt.Errorf("stat_cost: %v", err)
		}
		s = strings.TrimSpace(s)
	}
	if !decimalNumber(s) {
		return 0, fmt.Errorf("stat_cost: %q is not a non-negative number", cutRunes(s, 30))
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || r.Sign() < 0 {
		return 0, fmt.Errorf("stat_cost: %q is not a non-negative number", cutRunes(s, 30))
	}
	r.Mul(r, big.NewRat(u.num, u.den))
	// round half up: floor(r + 1/2)
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if !n.IsInt64() {
		return 0, fmt.Errorf("stat_cost: %q is too large", cutRunes(s, 30))
	}
	return n.Int64(), nil
}

// validateQianchuan checks a 千川 integration: advertiser and Douyin account ids (digits), the
// room (optional), the API URL (default DefaultQianchuanURL) and the access token.
func (in *Integration) validateQianchuan() error {
	in.AdvertiserID, in.AwemeID, in.Room = strings.TrimSpace(in.AdvertiserID), strings.TrimSpace(in.AwemeID), strings.TrimSpace(in.Room)
	if !allDigits(in.AdvertiserID) || len(in.AdvertiserID) > 24 {
		return livedesk.Invalid("advertiser_id", "advertiser id: required, the digits of the 千川 advertiser account",
			"广告主 ID：必填，千川广告账户的数字 ID")
	}
	if !allDigits(in.AwemeID) || len(in.AwemeID) > 24 {
		return livedesk.Invalid("aweme_id", "aweme id: required, the digits of the Douyin account that goes live",
			"抖音号 ID：必填，开播抖音号的数字 ID")
	}
	if in.Room != "" {
		if err := livedesk.ValidRoom(in.Room); err != nil {
			return livedesk.Invalid("room", "room: "+err.Error(), "直播间："+err.Error())
		}
	}
	in.APIURL = strings.TrimRight(strings.TrimSpace(in.APIURL), "/")
	if in.APIURL == "" {
		in.APIURL = DefaultQianchuanURL
	}
	if outbound.CheckURL(in.APIURL) != nil {
		return livedesk.Invalid("api_url", "API URL: must be an http(s) URL such as "+DefaultQianchuanURL,
			"API 地址：必须是 http(s) 地址，例如 "+DefaultQianchuanURL)
	}
	if in.AccessToken == "" || len(in.AccessToken) > 2048 || strings.ContainsAny(in.AccessToken, " \t\r\n") {
		return livedesk.Invalid("access_token", "access token: required on standard input, at most 2048 characters",
			"访问令牌：必填（从标准输入读取），最多 2048 个字符")
	}
	return nil
}

// qianchuanTokenCodes are the API's codes for a refused access token (Oceanengine error
// codes: 40102 expired, 40104 empty, 40105 invalid, 40103/40107 refresh token).
var qianchuanTokenCodes = map[int64]bool{40102: true, 40103: true, 40104: true, 40105: true, 40107: true}

// qianchuanRateCodes are its "too many requests" codes.
var qianchuanRateCodes = map[int64]bool{40100: true, 40110: true}

// cst is China Standard Time, the day of 千川's "today" reports.
var cst = time.FixedZone("CST", 8*3600)

// qianchuanLiveCost reads today's stat_cost (fen) of the integration's account from live/get.
func qianchuanLiveCost(ctx context.Context, client *http.Client, in Integration, token string, now time.Time) (int64, error) {
	day := now.In(cst).Format("2006-01-02")
	q := url.Values{"advertiser_id": {in.AdvertiserID}, "aweme_id": {in.AwemeID},
		"start_time": {day + " 00:00:00"}, "end_time": {day + " 23:59:59"}, "fields": {`["stat_cost"]`}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, in.APIURL+QianchuanLiveGet+"?"+q.Encode(), nil)
	if err != nil {
		return 0, fmt.Errorf("千川 live report: %w", err)
	}
	req.Header.Set("Access-Token", token)
	var res struct {
		Code      json.Number `json:"code"`
		Message   string      `json:"message"`
		RequestID string      `json:"request_id"`
		Data      struct {
			StatCost json.RawMessage `json:"stat_cost"`
		} `json:"data"`
	}
	if err := call(client, req, &res); err != nil {
		return 0, fmt.Errorf("千川 live report: %s", strings.TrimPrefix(err.Error(), "order detail: "))
	}
	code, err := res.Code.Int64()
	if err != nil {
		return 0, fmt.Errorf("千川 live report: the answer has no numeric code")
	}
	switch {
	case code == 0:
	case qianchuanTokenCodes[code]:
		return 0, &tokenError{fmt.Sprintf("千川 refused the access token (code %d: %s); give a new one to livedesk integration set --platform qianchuan", code, cutRunes(res.Message, 200))}
	case qianchuanRateCodes[code]:
		return 0, &rateLimited{}
	default:
		return 0, fmt.Errorf("千川 live report: code %d: %s", code, cutRunes(res.Message, 200))
	}
	fen, err := StatCostFen(QianchuanLiveGet, res.Data.StatCost)
	if err != nil {
		return 0, fmt.Errorf("千川 live report: %w", err)
	}
	return fen, nil
}
