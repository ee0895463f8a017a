package platform

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/outbound"
)

// Platforms.
const (
	Doudian = "doudian"
	TikTok  = "tiktok"
)

// Platforms lists the supported platforms in display order.
var Platforms = []string{Doudian, TikTok}

// Integration is one shop's connection to one platform. Secret is the plain app secret; it is
// only filled by Get (for verifying pushes and signing API calls), never by List.
//
// ShopID is the platform's shop id (抖店 token.create of a self-use app needs it); ShopCipher
// is TikTok's shop_cipher (cross-border shops); AuthURL overrides TikTok's token endpoint.
// AccessToken and RefreshToken are only read by Put (TikTok tokens the operator gives; stored
// sealed in integration_tokens), Get never fills them (the Enricher reads tokens itself), and
// List shows MaskedSecret in AccessToken when a token is stored.
type Integration struct {
	Shop         string
	Platform     string
	AppKey       string
	Secret       string
	APIURL       string
	ShopID       string
	ShopCipher   string
	AuthURL      string
	AccessToken  string
	RefreshToken string
	TokenExpires time.Time // List: when the stored access token expires (zero: unknown)
	// 千川 (Platform Qianchuan): the advertiser and the Douyin account whose live report is
	// polled, and the room the spend belongs to ("" = the shop's live room). qianchuan.go.
	AdvertiserID string
	AwemeID      string
	Room         string
	Updated      time.Time
	By           string
}

// MaskedSecret is what List shows for a stored secret.
const MaskedSecret = "••••••"

// Integrations stores integrations in ClickHouse (table integrations), secrets sealed. Get
// keeps what it read for CacheTTL (found or not), so a burst of pushes — or of forged requests
// for unknown shops — costs one ClickHouse query per shop and platform; Put and Remove on this
// instance drop the entry at once, another instance's change is seen within CacheTTL.
type Integrations struct {
	ch     driver.Conn
	sealer *Sealer

	mu    sync.Mutex
	cache map[string]cachedIntegration
}

// CacheTTL is how long Get trusts what it read.
const CacheTTL = 5 * time.Second

type cachedIntegration struct {
	in  Integration
	ok  bool
	exp time.Time
}

// NewIntegrations returns the store; sealer encrypts the app secrets.
func NewIntegrations(ch driver.Conn, sealer *Sealer) *Integrations {
	return &Integrations{ch: ch, sealer: sealer, cache: map[string]cachedIntegration{}}
}

// ValidPlatform reports a user-facing error unless p is a supported platform.
func ValidPlatform(p string) error {
	for _, q := range Platforms {
		if p == q {
			return nil
		}
	}
	return livedesk.Invalid("platform", fmt.Sprintf("platform %q: must be doudian or tiktok", p),
		fmt.Sprintf("平台 %q 不支持：只能是 doudian 或 tiktok", p))
}

// Validate checks the user's fields before storing.
func (in *Integration) Validate() error {
	if err := livedesk.ValidID(in.Shop); err != nil {
		return livedesk.Invalid("shop", "shop: "+err.Error(), "店铺："+err.Error())
	}
	if in.Platform == Qianchuan {
		return in.validateQianchuan()
	}
	if err := ValidPlatform(in.Platform); err != nil {
		return err
	}
	in.AppKey = strings.TrimSpace(in.AppKey)
	if in.AppKey == "" || len(in.AppKey) > 128 || strings.ContainsAny(in.AppKey, " \t\r\n") {
		return livedesk.Invalid("app_key", "app key: required, 1 to 128 characters without spaces",
			"App Key：必填，1 到 128 个字符，不含空格")
	}
	if in.Secret == "" || len(in.Secret) > 256 {
		return livedesk.Invalid("app_secret", "app secret: required, at most 256 characters",
			"App Secret：必填，最多 256 个字符")
	}
	in.APIURL = strings.TrimRight(strings.TrimSpace(in.APIURL), "/")
	if in.APIURL != "" {
		if outbound.CheckURL(in.APIURL) != nil {
			return livedesk.Invalid("api_url", "API URL: must be an http(s) URL such as https://openapi-fxg.jinritemai.com",
				"API 地址：必须是 http(s) 地址，例如 https://openapi-fxg.jinritemai.com")
		}
	}
	in.ShopID = strings.TrimSpace(in.ShopID)
	if len(in.ShopID) > 64 || strings.ContainsAny(in.ShopID, " \t\r\n\"\\") {
		return livedesk.Invalid("shop_id", "shop id: at most 64 characters without spaces or quotes",
			"店铺 ID：最多 64 个字符，不含空格或引号")
	}
	in.ShopCipher = strings.TrimSpace(in.ShopCipher)
	if len(in.ShopCipher) > 256 || strings.ContainsAny(in.ShopCipher, " \t\r\n") {
		return livedesk.Invalid("shop_cipher", "shop cipher: at most 256 characters without spaces",
			"shop_cipher：最多 256 个字符，不含空格")
	}
	in.AuthURL = strings.TrimRight(strings.TrimSpace(in.AuthURL), "/")
	if in.AuthURL != "" && outbound.CheckURL(in.AuthURL) != nil {
		return livedesk.Invalid("auth_url", "auth URL: must be an http(s) URL such as https://auth.tiktok-shops.com",
			"授权地址：必须是 http(s) 地址，例如 https://auth.tiktok-shops.com")
	}
	if len(in.AccessToken) > 2048 || len(in.RefreshToken) > 2048 {
		return livedesk.Invalid("access_token", "tokens: at most 2048 characters each", "令牌：每个最多 2048 个字符")
	}
	return nil
}

func aad(shop, platform string) string { return shop + "\x00" + platform }

// Put stores (or replaces) an integration; the secret is sealed before it leaves the process.
// Tokens given with it (TikTok) replace the stored ones; a 抖店 integration saved again drops
// its stored token (the shop id or app may have changed; token.create makes a new one), a
// TikTok one without tokens keeps them (the page edits the app fields only).
func (s *Integrations) Put(ctx context.Context, in Integration) error {
	if err := in.Validate(); err != nil {
		return err
	}
	sealed, err := s.sealer.Seal(in.Secret, aad(in.Shop, in.Platform))
	if err != nil {
		return err
	}
	if err := s.write(ctx, in, sealed, false); err != nil {
		return err
	}
	if in.AccessToken != "" || in.RefreshToken != "" || in.Platform == Doudian || in.Platform == Qianchuan {
		return s.PutToken(ctx, in.Shop, in.Platform, Token{Access: in.AccessToken, Refresh: in.RefreshToken})
	}
	return nil
}

// Token is a shop's access token on a platform, with the token that renews it.
type Token struct {
	Access  string
	Refresh string
	Expires time.Time // zero: unknown (used until the platform refuses it)
}

func tokenAAD(shop, platform, which string) string { return aad(shop, platform) + "\x00token:" + which }

// PutToken stores the token of shop on platform, sealed (an empty Token clears it).
func (s *Integrations) PutToken(ctx context.Context, shop, platform string, t Token) error {
	var access, refresh string
	var err error
	if t.Access != "" {
		if access, err = s.sealer.Seal(t.Access, tokenAAD(shop, platform, "access")); err != nil {
			return err
		}
	}
	if t.Refresh != "" {
		if refresh, err = s.sealer.Seal(t.Refresh, tokenAAD(shop, platform, "refresh")); err != nil {
			return err
		}
	}
	batch, err := s.ch.PrepareBatch(ctx, "INSERT INTO integration_tokens (shop, platform, access, refresh, expires, updated, version)")
	if err != nil {
		return fmt.Errorf("platform: store token: %w", err)
	}
	defer batch.Close()
	now := time.Now().UTC()
	exp := t.Expires.UTC()
	if exp.Before(time.Unix(0, 0)) {
		exp = time.Unix(0, 0).UTC()
	}
	if err := batch.Append(shop, platform, access, refresh, exp, now, uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("platform: store token: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("platform: store token: %w", err)
	}
	return nil
}

// Token reads the stored token of shop on platform, opened; ok is false when none is stored.
func (s *Integrations) Token(ctx context.Context, shop, platform string) (Token, bool, error) {
	var access, refresh string
	var exp time.Time
	err := s.ch.QueryRow(ctx, `SELECT access, refresh, expires FROM integration_tokens FINAL
		WHERE shop = ? AND platform = ?`, shop, platform).Scan(&access, &refresh, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, false, nil
	}
	if err != nil {
		return Token{}, false, fmt.Errorf("platform: read token: %w", err)
	}
	var t Token
	if access != "" {
		if t.Access, err = s.sealer.Open(access, tokenAAD(shop, platform, "access")); err != nil {
			return Token{}, false, err
		}
	}
	if refresh != "" {
		if t.Refresh, err = s.sealer.Open(refresh, tokenAAD(shop, platform, "refresh")); err != nil {
			return Token{}, false, err
		}
	}
	if exp.Unix() > 0 {
		t.Expires = exp
	}
	return t, t.Access != "" || t.Refresh != "", nil
}

// Remove deletes the integration of shop on platform (a newer, removed version).
func (s *Integrations) Remove(ctx context.Context, shop, platform, by string) error {
	if err := ValidPlatform(platform); err != nil && platform != Qianchuan {
		return err
	}
	if _, ok, err := s.Get(ctx, shop, platform); err != nil {
		return err
	} else if !ok {
		return livedesk.Errorf(livedesk.ENOTFOUND, "no %s integration for shop %s", platform, shop)
	}
	if err := s.write(ctx, Integration{Shop: shop, Platform: platform, By: by}, "", true); err != nil {
		return err
	}
	// Its tokens go too: connecting again later must not reuse a disconnected shop's tokens.
	return s.PutToken(ctx, shop, platform, Token{})
}

func (s *Integrations) write(ctx context.Context, in Integration, sealed string, removed bool) error {
	defer func() {
		s.mu.Lock()
		delete(s.cache, aad(in.Shop, in.Platform))
		s.mu.Unlock()
	}()
	batch, err := s.ch.PrepareBatch(ctx, "INSERT INTO integrations (shop, platform, app_key, secret, api_url, shop_id, shop_cipher, auth_url, advertiser_id, aweme_id, room, removed, updated, by_user, version)")
	if err != nil {
		return fmt.Errorf("platform: store integration: %w", err)
	}
	defer batch.Close()
	var rm uint8
	if removed {
		rm = 1
	}
	now := time.Now().UTC()
	if err := batch.Append(in.Shop, in.Platform, in.AppKey, sealed, in.APIURL, in.ShopID, in.ShopCipher, in.AuthURL,
		in.AdvertiserID, in.AwemeID, in.Room, rm, now, in.By, uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("platform: store integration: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("platform: store integration: %w", err)
	}
	return nil
}

// Get returns the integration of shop on platform with its secret opened.
func (s *Integrations) Get(ctx context.Context, shop, platform string) (Integration, bool, error) {
	k := aad(shop, platform)
	now := time.Now()
	s.mu.Lock()
	c, hit := s.cache[k]
	s.mu.Unlock()
	if hit && now.Before(c.exp) {
		return c.in, c.ok, nil
	}
	list, err := s.read(ctx, shop, platform)
	if err != nil {
		return Integration{}, false, err
	}
	var in Integration
	ok := len(list) > 0
	if ok {
		in = list[0]
		sec, err := s.sealer.Open(in.Secret, aad(in.Shop, in.Platform))
		if err != nil {
			return Integration{}, false, err
		}
		in.Secret = sec
	}
	s.mu.Lock()
	if len(s.cache) > 10000 { // bounded: forged shop names cannot grow it without limit
		clear(s.cache)
	}
	s.cache[k] = cachedIntegration{in: in, ok: ok, exp: now.Add(CacheTTL)}
	s.mu.Unlock()
	return in, ok, nil
}

// List returns the integrations of shop (every shop when ""), secrets masked.
func (s *Integrations) List(ctx context.Context, shop string) ([]Integration, error) {
	list, err := s.read(ctx, shop, "")
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Secret = MaskedSecret
	}
	rows, err := s.ch.Query(ctx, `SELECT shop, platform, expires FROM integration_tokens FINAL
		WHERE (? = '' OR shop = ?) AND access != ''`, shop, shop)
	if err != nil {
		return nil, fmt.Errorf("platform: read tokens: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sh, pl string
		var exp time.Time
		if err := rows.Scan(&sh, &pl, &exp); err != nil {
			return nil, fmt.Errorf("platform: read tokens: %w", err)
		}
		for i := range list {
			if list[i].Shop == sh && list[i].Platform == pl {
				list[i].AccessToken = MaskedSecret
				if exp.Unix() > 0 {
					list[i].TokenExpires = exp
				}
			}
		}
	}
	return list, rows.Err()
}

func (s *Integrations) read(ctx context.Context, shop, platform string) ([]Integration, error) {
	rows, err := s.ch.Query(ctx, `SELECT shop, platform, app_key, secret, api_url, shop_id, shop_cipher, auth_url, advertiser_id, aweme_id, room, updated, by_user
		FROM integrations FINAL
		WHERE removed = 0 AND (? = '' OR shop = ?) AND (? = '' OR platform = ?)
		ORDER BY shop, platform`, shop, shop, platform, platform)
	if err != nil {
		return nil, fmt.Errorf("platform: read integrations: %w", err)
	}
	defer rows.Close()
	var out []Integration
	for rows.Next() {
		var in Integration
		if err := rows.Scan(&in.Shop, &in.Platform, &in.AppKey, &in.Secret, &in.APIURL, &in.ShopID, &in.ShopCipher, &in.AuthURL,
			&in.AdvertiserID, &in.AwemeID, &in.Room, &in.Updated, &in.By); err != nil {
			return nil, fmt.Errorf("platform: read integrations: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}
