package live

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/livedesk/livedesk"
)

// Settings are a room's live-engine settings. Every threshold is editable per room.
type Settings struct {
	// AutoStart starts a session on the room's first live event (no 开播 needed).
	AutoStart bool `json:"auto_start"`
	// QuietS ends a live session after this many seconds without a live event (0 = never).
	QuietS int `json:"quiet_s"`
	// WindowS is the sliding window of the product table and the rules, in seconds.
	WindowS int `json:"window_s"`
	// NoSaleClicks flags a product with MORE than this many clicks and no paid order in the window.
	NoSaleClicks int `json:"no_sale_clicks"`
	// OnlineDropPct flags average online down more than this percent against the previous window.
	OnlineDropPct int `json:"online_drop_pct"`
	// TargetROI flags the window's ROI below it (when there was ad spend); 0 turns the rule off.
	TargetROI float64 `json:"target_roi"`
	// LowStock flags the pinned product when its stock is below this.
	LowStock int `json:"low_stock"`
}

// DefaultSettings are the seed workflow's defaults (seeds/000: >100 clicks in 5 minutes and no
// sale; 即将售罄 below 10).
func DefaultSettings() Settings {
	return Settings{AutoStart: true, QuietS: 600, WindowS: 300, NoSaleClicks: 100, OnlineDropPct: 30,
		TargetROI: 0, LowStock: 10}
}

// Validate reports the first setting out of range; its message is safe to show.
func (s Settings) Validate() error {
	for _, c := range []struct {
		field     string
		v, lo, hi float64
	}{
		{"quiet_s", float64(s.QuietS), 0, 24 * 3600},
		{"window_s", float64(s.WindowS), 60, 3600},
		{"no_sale_clicks", float64(s.NoSaleClicks), 1, 1_000_000},
		{"online_drop_pct", float64(s.OnlineDropPct), 1, 100},
		{"target_roi", s.TargetROI, 0, 1000},
		{"low_stock", float64(s.LowStock), 0, 1_000_000},
	} {
		if c.v < c.lo || c.v > c.hi {
			lo, hi := strconv.FormatFloat(c.lo, 'f', -1, 64), strconv.FormatFloat(c.hi, 'f', -1, 64)
			return livedesk.Invalid(c.field, c.field+" must be between "+lo+" and "+hi, c.field+" 须在 "+lo+" 到 "+hi+" 之间")
		}
	}
	return nil
}

// window is WindowS as a duration.
func (s Settings) window() time.Duration { return time.Duration(s.WindowS) * time.Second }

// settingsStore keeps room settings in ClickHouse table room_settings.
type settingsStore struct{ ch driver.Conn }

// load returns the room's stored settings (room "" = the shop's defaults); found is false when
// none were stored (s is then DefaultSettings).
func (st settingsStore) load(ctx context.Context, shop, room string) (s Settings, found bool, err error) {
	rows, err := st.ch.Query(ctx, `SELECT auto_start, quiet_s, window_s, no_sale_clicks, online_drop_pct,
		target_roi_milli, low_stock FROM room_settings FINAL WHERE shop = ? AND room = ?`, shop, room)
	if err != nil {
		return Settings{}, false, fmt.Errorf("live: load settings %s/%s: %w", shop, room, err)
	}
	defer rows.Close()
	s = DefaultSettings()
	for rows.Next() {
		var auto uint8
		var quiet, window, clicks, drop, roi, stock uint32
		if err := rows.Scan(&auto, &quiet, &window, &clicks, &drop, &roi, &stock); err != nil {
			return Settings{}, false, fmt.Errorf("live: load settings %s/%s: %w", shop, room, err)
		}
		found = true
		s = Settings{AutoStart: auto == 1, QuietS: int(quiet), WindowS: int(window), NoSaleClicks: int(clicks),
			OnlineDropPct: int(drop), TargetROI: float64(roi) / 1000, LowStock: int(stock)}
	}
	return s, found, rows.Err()
}

// save stores the room's settings as a new version.
func (st settingsStore) save(ctx context.Context, shop, room string, s Settings, now time.Time) error {
	batch, err := st.ch.PrepareBatch(ctx, `INSERT INTO room_settings (shop, room, auto_start, quiet_s, window_s,
		no_sale_clicks, online_drop_pct, target_roi_milli, low_stock, version)`)
	if err != nil {
		return fmt.Errorf("live: save settings %s/%s: %w", shop, room, err)
	}
	defer batch.Close()
	auto := uint8(0)
	if s.AutoStart {
		auto = 1
	}
	if err := batch.Append(shop, room, auto, uint32(s.QuietS), uint32(s.WindowS), uint32(s.NoSaleClicks),
		uint32(s.OnlineDropPct), uint32(s.TargetROI*1000+0.5), uint32(s.LowStock), uint64(now.UnixNano())); err != nil {
		return fmt.Errorf("live: save settings %s/%s: %w", shop, room, err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("live: save settings %s/%s: %w", shop, room, err)
	}
	return nil
}
