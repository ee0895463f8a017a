package stage

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// DefaultCues are the one-tap cues of a shop that has not edited its own.
var DefaultCues = []string{"强调尺码", "加赠：下单送…", "倒计时 3 分钟", "换下一款", "讲一下价格和优惠", "回答弹幕提问", "放慢语速"}

// Limits on a shop's preset cues.
const (
	MaxPresets     = 20
	MaxPresetRunes = 40
)

// Presets returns the shop's one-tap cues in order (DefaultCues when it has none stored).
func (a *Actions) Presets(ctx context.Context, shop string) ([]string, error) {
	rows, err := a.CH.Query(ctx, "SELECT cues FROM cue_presets FINAL WHERE shop = ?", shop)
	if err != nil {
		return nil, fmt.Errorf("stage: cue presets %s: %w", shop, err)
	}
	defer rows.Close()
	var cues []string
	found := false
	for rows.Next() {
		if err := rows.Scan(&cues); err != nil {
			return nil, fmt.Errorf("stage: cue presets %s: %w", shop, err)
		}
		found = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stage: cue presets %s: %w", shop, err)
	}
	if !found {
		return append([]string{}, DefaultCues...), nil
	}
	return cues, nil
}

// SetPresets replaces the shop's one-tap cues. Blank lines are dropped; an empty list is allowed
// (the operator then types every cue).
func (a *Actions) SetPresets(ctx context.Context, shop string, cues []string) ([]string, error) {
	clean := make([]string, 0, len(cues))
	for _, c := range cues {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if utf8.RuneCountInString(c) > MaxPresetRunes {
			return nil, invalid("cues", fmt.Sprintf("a cue is longer than %d characters", MaxPresetRunes), fmt.Sprintf("有一条提示超过 %d 个字符", MaxPresetRunes))
		}
		clean = append(clean, c)
	}
	if len(clean) > MaxPresets {
		return nil, invalid("cues", fmt.Sprintf("at most %d cues", MaxPresets), fmt.Sprintf("最多 %d 条", MaxPresets))
	}
	batch, err := a.CH.PrepareBatch(ctx, "INSERT INTO cue_presets (shop, cues, version)")
	if err != nil {
		return nil, fmt.Errorf("stage: save cue presets %s: %w", shop, err)
	}
	defer batch.Close()
	if err := batch.Append(shop, clean, uint64(a.now().UnixNano())); err != nil {
		return nil, fmt.Errorf("stage: save cue presets %s: %w", shop, err)
	}
	if err := batch.Send(); err != nil {
		return nil, fmt.Errorf("stage: save cue presets %s: %w", shop, err)
	}
	return clean, nil
}
