// Package shops owns each shop's own settings that every part of livedesk formats with: its time
// zone and its currency (table shop_settings). It is the ONE resolver of "which zone and which
// money format does this shop use": jobs, recaps, reports, pages and the API all ask
// Settings.Zone and Settings.Currency (cached for CacheFor, cleared on Save on this instance).
// A shop without a row uses Default (LIVEDESK_TZ) and CNY.
//
// Imports: livedesk only (and clickhouse-go).
package shops

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/livedesk/livedesk"
)

// CacheFor is how long a shop's settings are served from memory: a change made on another
// instance shows there within this time.
const CacheFor = 30 * time.Second

// Shop is one shop's settings.
type Shop struct {
	Shop     string
	Zone     *time.Location
	Currency livedesk.Currency
	Stored   bool // false: the defaults (no row yet)
	Updated  time.Time
	By       string
}

// Settings reads and writes shop_settings and resolves a shop's zone and currency.
type Settings struct {
	conn    driver.Conn
	Default *time.Location // zone of a shop without settings (LIVEDESK_TZ); UTC when nil
	Log     *slog.Logger
	Now     func() time.Time

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	s  Shop
	at time.Time
}

// New returns the settings store on conn; def is the zone of shops without settings.
func New(conn driver.Conn, def *time.Location) *Settings {
	return &Settings{conn: conn, Default: def, cache: map[string]cached{}}
}

func (s *Settings) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Settings) def() *time.Location {
	if s == nil || s.Default == nil {
		return time.UTC
	}
	return s.Default
}

// Zone returns shop's time zone. It never fails: when ClickHouse cannot be read it logs and
// answers the last known zone or the default. A nil *Settings answers UTC.
func (s *Settings) Zone(ctx context.Context, shop string) *time.Location {
	return s.Resolve(ctx, shop).Zone
}

// Currency returns shop's currency (CNY by default); like Zone it never fails.
func (s *Settings) Currency(ctx context.Context, shop string) livedesk.Currency {
	return s.Resolve(ctx, shop).Currency
}

// Resolve returns shop's settings from the cache or ClickHouse, falling back to the defaults.
func (s *Settings) Resolve(ctx context.Context, shop string) Shop {
	if s == nil {
		return Shop{Shop: shop, Zone: time.UTC, Currency: livedesk.CurrencyOf("")}
	}
	s.mu.Lock()
	c, ok := s.cache[shop]
	s.mu.Unlock()
	if ok && s.now().Sub(c.at) < CacheFor {
		return c.s
	}
	got, err := s.Get(ctx, shop)
	if err != nil {
		s.log().Warn("shops: read settings", "shop", shop, "err", err)
		if ok {
			return c.s
		}
		return s.defaults(shop)
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]cached{}
	}
	s.cache[shop] = cached{s: got, at: s.now()}
	s.mu.Unlock()
	return got
}

func (s *Settings) defaults(shop string) Shop {
	return Shop{Shop: shop, Zone: s.def(), Currency: livedesk.CurrencyOf("")}
}

// Get reads shop's settings from ClickHouse (the defaults when it has none).
func (s *Settings) Get(ctx context.Context, shop string) (Shop, error) {
	rows, err := s.conn.Query(ctx, `SELECT tz, currency, updated, by_user FROM shop_settings FINAL WHERE shop = ?`, shop)
	if err != nil {
		return Shop{}, fmt.Errorf("shops: read %s: %w", shop, err)
	}
	defer rows.Close()
	out := s.defaults(shop)
	for rows.Next() {
		var tz, cur string
		if err := rows.Scan(&tz, &cur, &out.Updated, &out.By); err != nil {
			return Shop{}, fmt.Errorf("shops: scan %s: %w", shop, err)
		}
		out.Stored = true
		if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
			out.Zone = loc
		}
		out.Currency = livedesk.CurrencyOf(cur)
	}
	return out, rows.Err()
}

// All returns the stored settings of every shop that has them.
func (s *Settings) All(ctx context.Context) ([]Shop, error) {
	rows, err := s.conn.Query(ctx, `SELECT shop, tz, currency, updated, by_user FROM shop_settings FINAL ORDER BY shop`)
	if err != nil {
		return nil, fmt.Errorf("shops: list: %w", err)
	}
	defer rows.Close()
	var out []Shop
	for rows.Next() {
		var sh Shop
		var tz, cur string
		if err := rows.Scan(&sh.Shop, &tz, &cur, &sh.Updated, &sh.By); err != nil {
			return nil, fmt.Errorf("shops: scan: %w", err)
		}
		sh.Stored, sh.Zone, sh.Currency = true, s.def(), livedesk.CurrencyOf(cur)
		if loc, err := time.LoadLocation(tz); err == nil && tz != "" {
			sh.Zone = loc
		}
		out = append(out, sh)
	}
	return out, rows.Err()
}

// Error keys of Save (views/i18n_shops.go translates them).
var (
	ErrZone = &livedesk.Error{Code: livedesk.EINVALID, Key: "shops.error.zone", Field: "tz",
		Message: "not a time zone such as Asia/Shanghai or America/Los_Angeles", MessageZH: "不是有效的时区（例如 Asia/Shanghai、America/Los_Angeles）"}
	ErrCurrency = &livedesk.Error{Code: livedesk.EINVALID, Key: "shops.error.currency", Field: "currency",
		Message: "not a supported currency: " + strings.Join(livedesk.CurrencyCodes, ", "), MessageZH: "不支持的币种：" + strings.Join(livedesk.CurrencyCodes, "、")}
)

// ParseZone checks an IANA zone name ("UTC" and "Local" are refused: a shop names its place).
func ParseZone(tz string) (*time.Location, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" || tz == "Local" {
		return nil, ErrZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, ErrZone
	}
	return loc, nil
}

// Save validates and stores shop's zone (IANA name) and currency (ISO code); an empty value
// keeps the shop's current one.
func (s *Settings) Save(ctx context.Context, shop, tz, currency, by string) (Shop, error) {
	if err := livedesk.ValidID(shop); err != nil {
		return Shop{}, err
	}
	cur, err := s.Get(ctx, shop)
	if err != nil {
		return Shop{}, err
	}
	if strings.TrimSpace(tz) != "" {
		loc, err := ParseZone(tz)
		if err != nil {
			return Shop{}, err
		}
		cur.Zone = loc
	}
	if strings.TrimSpace(currency) != "" {
		c, ok := livedesk.LookupCurrency(currency)
		if !ok {
			return Shop{}, ErrCurrency
		}
		cur.Currency = c
	}
	cur.Stored, cur.Updated, cur.By = true, s.now().UTC().Truncate(time.Second), by
	b, err := s.conn.PrepareBatch(ctx, `INSERT INTO shop_settings (shop, tz, currency, updated, by_user, version)`)
	if err != nil {
		return Shop{}, fmt.Errorf("shops: save %s: %w", shop, err)
	}
	defer b.Close()
	if err := b.Append(shop, cur.Zone.String(), cur.Currency.Code, cur.Updated, by, uint64(time.Now().UnixNano())); err != nil {
		return Shop{}, fmt.Errorf("shops: save %s: %w", shop, err)
	}
	if err := b.Send(); err != nil {
		return Shop{}, fmt.Errorf("shops: save %s: %w", shop, err)
	}
	s.mu.Lock()
	delete(s.cache, shop)
	s.mu.Unlock()
	return cur, nil
}

func (s *Settings) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
