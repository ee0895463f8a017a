package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Access tokens of the order-detail calls.
//
// 抖店 self-use apps (自用型) create the token themselves with token.create for the platform
// shop id (integration set --shop-id) and renew it with token.refresh; it is sent as the
// access_token query parameter, outside the signature. TikTok Shop tokens come from the seller
// authorizing the app: the operator gives them (integration set, standard input); they are
// renewed through the auth endpoint's token/refresh and sent as the x-tts-access-token header.
// Tokens are stored sealed (Integrations.PutToken) and kept in memory per integration; a token
// the platform refuses is refreshed once and the call retried.

// DefaultTikTokAuthURL is TikTok Shop's token endpoint host.
const DefaultTikTokAuthURL = "https://auth.tiktok-shops.com"

// refreshBefore is how long before its expiry a token is renewed.
const refreshBefore = 10 * time.Minute

// tokenError is a token the platform refused or could not give. Its text never carries a token.
type tokenError struct{ msg string }

func (e *tokenError) Error() string { return "token: " + e.msg }

func isTokenError(err error) bool {
	var te *tokenError
	return errors.As(err, &te)
}

// tokens is the Enricher's in-memory token cache, keyed by the integration's version so a
// re-saved integration starts afresh.
type tokens struct {
	mu sync.Mutex
	m  map[string]Token
}

func tokenKey(in Integration) string {
	return aad(in.Shop, in.Platform) + "\x00" + in.AppKey + "\x00" + strconv.FormatInt(in.Updated.UnixNano(), 10)
}

// token returns the access token of in. refused is the token the platform just refused (""
// for none): then a stored token different from it (another instance renewed it) is used, or
// the token is renewed.
func (e *Enricher) token(ctx context.Context, client *http.Client, in Integration, refused string) (string, error) {
	e.tok.mu.Lock()
	defer e.tok.mu.Unlock()
	if e.tok.m == nil {
		e.tok.m = map[string]Token{}
	}
	k := tokenKey(in)
	now := e.now()
	fresh := func(t Token) bool {
		return t.Access != "" && t.Access != refused && (t.Expires.IsZero() || now.Add(refreshBefore).Before(t.Expires))
	}
	t, ok := e.tok.m[k]
	if ok && fresh(t) {
		return t.Access, nil
	}
	stored, _, err := e.Integrations.Token(ctx, in.Shop, in.Platform)
	if err != nil {
		return "", err
	}
	if fresh(stored) {
		e.tok.m[k] = stored
		return stored.Access, nil
	}
	var nt Token
	switch in.Platform {
	case Doudian:
		if stored.Refresh != "" {
			nt, err = doudianToken(ctx, client, in, "token.refresh",
				map[string]string{"grant_type": "refresh_token", "refresh_token": stored.Refresh}, now)
		}
		if stored.Refresh == "" || err != nil {
			// A self-use app can always create a new token; the refresh token may be spent.
			nt, err = doudianToken(ctx, client, in, "token.create",
				map[string]string{"code": "", "grant_type": "authorization_self", "shop_id": in.ShopID}, now)
		}
	case TikTok:
		if stored.Refresh == "" {
			if stored.Access != "" && stored.Access != refused {
				return stored.Access, nil // near expiry, nothing to renew it with: use it while it lasts
			}
			return "", &tokenError{"no usable TikTok access token and no refresh token (give them to livedesk integration set on standard input)"}
		}
		nt, err = tiktokRefresh(ctx, client, in, stored.Refresh)
	default:
		return "", fmt.Errorf("unknown platform %q", in.Platform)
	}
	if err != nil {
		return "", err
	}
	if err := e.Integrations.PutToken(context.WithoutCancel(ctx), in.Shop, in.Platform, nt); err != nil {
		return "", err
	}
	e.tok.m[k] = nt
	return nt.Access, nil
}

// forget drops the cached token of in (the platform refused it).
func (e *Enricher) forget(in Integration) {
	e.tok.mu.Lock()
	delete(e.tok.m, tokenKey(in))
	e.tok.mu.Unlock()
}

// doudianToken calls token.create or token.refresh.
func doudianToken(ctx context.Context, client *http.Client, in Integration, method string, params map[string]string, now time.Time) (Token, error) {
	if method == "token.create" && in.ShopID == "" {
		return Token{}, &tokenError{"no 抖店 shop id to create the token with (integration set --shop-id)"}
	}
	param, _ := json.Marshal(params) // keys sorted
	ts := now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
	q := url.Values{"app_key": {in.AppKey}, "method": {method}, "param_json": {string(param)},
		"timestamp": {ts}, "v": {"2"}, "sign_method": {"hmac-sha256"},
		"sign": {DoudianAPISign(in.AppKey, in.Secret, method, string(param), ts)}}
	path := "/token/create"
	if method == "token.refresh" {
		path = "/token/refresh"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.APIURL+path+"?"+q.Encode(), bytes.NewReader(param))
	if err != nil {
		return Token{}, fmt.Errorf("token: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	var res struct {
		Code    json.Number `json:"code"`
		Msg     string      `json:"msg"`
		SubCode string      `json:"sub_code"`
		Data    struct {
			AccessToken  string      `json:"access_token"`
			ExpiresIn    json.Number `json:"expires_in"`
			RefreshToken string      `json:"refresh_token"`
		} `json:"data"`
	}
	if err := call(client, req, &res); err != nil {
		return Token{}, unreached(method, err)
	}
	if res.Code.String() != "10000" || res.Data.AccessToken == "" {
		return Token{}, &tokenError{fmt.Sprintf("%s: platform answered code %s: %s %s", method, res.Code, res.Msg, res.SubCode)}
	}
	t := Token{Access: res.Data.AccessToken, Refresh: res.Data.RefreshToken}
	if n, err := res.Data.ExpiresIn.Int64(); err == nil && n > 0 {
		t.Expires = now.Add(time.Duration(n) * time.Second)
	}
	return t, nil
}

// tiktokRefresh renews a TikTok Shop access token.
func tiktokRefresh(ctx context.Context, client *http.Client, in Integration, refresh string) (Token, error) {
	base := in.AuthURL
	if base == "" {
		base = DefaultTikTokAuthURL
	}
	q := url.Values{"app_key": {in.AppKey}, "app_secret": {in.Secret}, "refresh_token": {refresh}, "grant_type": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v2/token/refresh?"+q.Encode(), nil)
	if err != nil {
		return Token{}, fmt.Errorf("token: %w", err)
	}
	var res struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
		Data    struct {
			AccessToken  string      `json:"access_token"`
			ExpireIn     json.Number `json:"access_token_expire_in"`
			RefreshToken string      `json:"refresh_token"`
		} `json:"data"`
	}
	if err := call(client, req, &res); err != nil {
		return Token{}, unreached("token refresh", err)
	}
	if res.Code.String() != "0" || res.Data.AccessToken == "" {
		return Token{}, &tokenError{fmt.Sprintf("refresh: platform answered code %s: %s", res.Code, res.Message)}
	}
	t := Token{Access: res.Data.AccessToken, Refresh: res.Data.RefreshToken}
	if t.Refresh == "" {
		t.Refresh = refresh
	}
	if n, err := res.Data.ExpireIn.Int64(); err == nil && n > 0 {
		t.Expires = time.Unix(n, 0).UTC()
	}
	return t, nil
}

// unreached is a token call that got no usable answer (timeout, 429, HTTP error): retried like
// any order-detail failure, not a token refusal (a 401 stays one).
func unreached(what string, err error) error {
	var rl *rateLimited
	if errors.As(err, &rl) || isTokenError(err) {
		return err
	}
	return fmt.Errorf("order detail: %s: %s", what, strings.TrimPrefix(err.Error(), "order detail: "))
}
