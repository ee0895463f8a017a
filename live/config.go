package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// A room's live configuration is its settings and its rules. Each is stored per room, with the
// shop's defaults under room "" (room ids are never empty); a room without its own uses the
// shop's, and a shop without any the built-in defaults (DefaultSettings, DefaultRules). Redis
// caches each stored document (or "-" for none) for an hour; the tick reads the four keys in one
// pipeline, so a change saved on any instance applies from the next tick.

// ShopDefaults is the room name of a shop's defaults in the storage and the change log.
const ShopDefaults = ""

// noDoc marks "nothing stored" in the Redis cache.
const noDoc = "-"

// configCacheTTL bounds how long Redis keeps a cached document before reloading it.
const configCacheTTL = time.Hour

// settingsKey caches a room's own settings (JSON, or noDoc); room "" the shop's defaults.
func settingsKey(shop, room string) string {
	if room == ShopDefaults {
		return "ld:live:cfg:settings:" + shopTag(shop)
	}
	return "ld:live:cfg:settings:" + roomTag(shop, room)
}

// rulesKey caches a room's own rule set (JSON, or noDoc); room "" the shop's defaults.
func rulesKey(shop, room string) string {
	if room == ShopDefaults {
		return "ld:live:cfg:rules:" + shopTag(shop)
	}
	return "ld:live:cfg:rules:" + roomTag(shop, room)
}

// docs are the cached documents of a room and its shop.
type docs struct {
	roomSettings, shopSettings, roomRules, shopRules string // "" when none stored
}

// loadDocs reads the room's and the shop's stored settings and rules: Redis first (one
// pipeline), ClickHouse for what is not cached (then cached). also, when not nil, adds its own
// reads to that pipeline (the tick reads the session with them: one round trip fewer, and each
// one counts when Redis is busy); a missing key is not an error of the pipeline.
func (e *Engine) loadDocs(ctx context.Context, shop, room string, also func(redis.Pipeliner)) (docs, error) {
	type req struct {
		key  string
		dst  *string
		load func() (string, bool, error)
	}
	var d docs
	reqs := []req{
		{settingsKey(shop, room), &d.roomSettings, func() (string, bool, error) { return e.loadSettingsDoc(ctx, shop, room) }},
		{settingsKey(shop, ShopDefaults), &d.shopSettings, func() (string, bool, error) { return e.loadSettingsDoc(ctx, shop, ShopDefaults) }},
		{rulesKey(shop, room), &d.roomRules, func() (string, bool, error) { return e.rules.load(ctx, shop, room) }},
		{rulesKey(shop, ShopDefaults), &d.shopRules, func() (string, bool, error) { return e.rules.load(ctx, shop, ShopDefaults) }},
	}
	if room == ShopDefaults {
		reqs = []req{reqs[1], reqs[3]}
	}
	pipe := e.rdb.Pipeline()
	cmds := make([]*redis.StringCmd, len(reqs))
	for i, r := range reqs {
		cmds[i] = pipe.Get(ctx, r.key)
	}
	if also != nil {
		also(pipe)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return d, fmt.Errorf("live: config %s/%s: %w", shop, room, err)
	}
	for i, r := range reqs {
		v, err := cmds[i].Result()
		switch {
		case err == nil:
			if v != noDoc {
				*r.dst = v
			}
			continue
		case !errors.Is(err, redis.Nil):
			return d, fmt.Errorf("live: config %s/%s: %w", shop, room, err)
		}
		doc, found, err := r.load()
		if err != nil {
			return d, err
		}
		cached := noDoc
		if found {
			cached, *r.dst = doc, doc
		}
		e.warnRedis(e.rdb.Set(ctx, r.key, cached, configCacheTTL).Err(), "live: cache config", shop, room)
	}
	return d, nil
}

// loadSettingsDoc returns the stored settings as JSON.
func (e *Engine) loadSettingsDoc(ctx context.Context, shop, room string) (string, bool, error) {
	s, found, err := e.settings.load(ctx, shop, room)
	if err != nil || !found {
		return "", false, err
	}
	b, _ := json.Marshal(s)
	return string(b), true, nil
}

// resolve turns the documents into the settings and rules in force.
func (d docs) resolve() (Settings, []Rule) {
	s := DefaultSettings()
	for _, doc := range []string{d.roomSettings, d.shopSettings} {
		if doc == "" {
			continue
		}
		var x Settings
		if json.Unmarshal([]byte(doc), &x) == nil {
			s = x
			break
		}
	}
	for _, doc := range []string{d.roomRules, d.shopRules} {
		if doc == "" {
			continue
		}
		var rs []Rule
		if json.Unmarshal([]byte(doc), &rs) == nil {
			return s, rs
		}
	}
	return s, DefaultRules(s)
}

// Settings returns the room's settings in force: its own, else the shop's defaults, else the
// built-in defaults. Room "" returns the shop's defaults.
func (e *Engine) Settings(ctx context.Context, shop, room string) (Settings, error) {
	d, err := e.loadDocs(ctx, shop, room, nil)
	if err != nil {
		return Settings{}, err
	}
	s, _ := d.resolve()
	return s, nil
}

// Config is what a settings panel or the rules editor shows: the settings and rules in force
// and whether they are the room's own or inherited from the shop (or built-in) defaults.
type Config struct {
	Settings    Settings `json:"settings"`
	Rules       []Rule   `json:"rules"`
	OwnSettings bool     `json:"own_settings"`
	OwnRules    bool     `json:"own_rules"`
}

// Config returns the room's configuration (room "" = the shop's defaults).
func (e *Engine) Config(ctx context.Context, shop, room string) (Config, error) {
	d, err := e.loadDocs(ctx, shop, room, nil)
	if err != nil {
		return Config{}, err
	}
	s, rs := d.resolve()
	c := Config{Settings: s, Rules: rs}
	if room == ShopDefaults {
		c.OwnSettings, c.OwnRules = d.shopSettings != "", d.shopRules != ""
	} else {
		c.OwnSettings, c.OwnRules = d.roomSettings != "", d.roomRules != ""
	}
	return c, nil
}

// Rules returns the room's rules in force (room "" = the shop's defaults).
func (e *Engine) Rules(ctx context.Context, shop, room string) ([]Rule, error) {
	c, err := e.Config(ctx, shop, room)
	return c.Rules, err
}

// UpdateSettings validates and stores the room's settings (room "" = the shop's defaults)
// without naming who changed them (tests, the simulator).
func (e *Engine) UpdateSettings(ctx context.Context, shop, room string, s Settings) error {
	return e.SaveSettings(ctx, shop, room, s, "")
}

// SaveSettings validates and stores the room's settings (room "" = the shop's defaults), records
// the change (who, when, before → after) and, when that level has its own rules, carries the
// built-in rules' thresholds into them. Every instance uses them from its next tick. A
// validation error's message is safe to show.
func (e *Engine) SaveSettings(ctx context.Context, shop, room string, s Settings, actor string) error {
	if err := s.Validate(); err != nil {
		return err
	}
	before, err := e.Config(ctx, shop, room)
	if err != nil {
		return err
	}
	now := e.now()
	if err := e.settings.save(ctx, shop, room, s, now); err != nil {
		return err
	}
	b, _ := json.Marshal(s)
	if err := e.rdb.Set(ctx, settingsKey(shop, room), b, configCacheTTL).Err(); err != nil {
		return fmt.Errorf("live: settings %s/%s: %w", shop, room, err)
	}
	prev := ""
	if before.OwnSettings {
		pb, _ := json.Marshal(before.Settings)
		prev = string(pb)
	}
	if prev != string(b) {
		e.logChange(ctx, shop, ConfigChange{Room: room, Kind: "settings", At: now, Actor: actor, Before: prev, After: string(b)})
	}
	if before.OwnRules {
		if rs, changed := thresholdsIntoRules(before.Rules, s); changed {
			return e.saveRules(ctx, shop, room, rs, before, actor, now)
		}
	}
	return nil
}

// SaveRules validates and stores the room's rule set (room "" = the shop's defaults), records
// the change and carries the built-in rules' thresholds into the settings of that level. The
// error of a bad rule names the rule and the field.
func (e *Engine) SaveRules(ctx context.Context, shop, room string, rules []Rule, actor string) ([]Rule, error) {
	rs, err := ValidateRules(rules)
	if err != nil {
		return nil, err
	}
	before, err := e.Config(ctx, shop, room)
	if err != nil {
		return nil, err
	}
	now := e.now()
	if err := e.saveRules(ctx, shop, room, rs, before, actor, now); err != nil {
		return nil, err
	}
	if s, changed := rulesIntoThresholds(rs, before.Settings); changed && s.Validate() == nil {
		if err := e.SaveSettings(ctx, shop, room, s, actor); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// ResetRules drops the room's own rule set: it uses the shop's defaults again (room "": the shop
// uses the built-in defaults again).
func (e *Engine) ResetRules(ctx context.Context, shop, room, actor string) error {
	before, err := e.Config(ctx, shop, room)
	if err != nil || !before.OwnRules {
		return err
	}
	now := e.now()
	if err := e.rules.save(ctx, shop, room, "", now); err != nil {
		return err
	}
	if err := e.rdb.Set(ctx, rulesKey(shop, room), noDoc, configCacheTTL).Err(); err != nil {
		return fmt.Errorf("live: rules %s/%s: %w", shop, room, err)
	}
	pb, _ := json.Marshal(before.Rules)
	e.logChange(ctx, shop, ConfigChange{Room: room, Kind: "rules", At: now, Actor: actor, Before: string(pb)})
	return nil
}

// saveRules stores a validated rule set and logs the change.
func (e *Engine) saveRules(ctx context.Context, shop, room string, rs []Rule, before Config, actor string, now time.Time) error {
	b, _ := json.Marshal(rs)
	if err := e.rules.save(ctx, shop, room, string(b), now); err != nil {
		return err
	}
	if err := e.rdb.Set(ctx, rulesKey(shop, room), b, configCacheTTL).Err(); err != nil {
		return fmt.Errorf("live: rules %s/%s: %w", shop, room, err)
	}
	prev := ""
	if before.OwnRules {
		pb, _ := json.Marshal(before.Rules)
		prev = string(pb)
	}
	if prev != string(b) {
		e.logChange(ctx, shop, ConfigChange{Room: room, Kind: "rules", At: now, Actor: actor, Before: prev, After: string(b)})
	}
	return nil
}

// logChange stores a change; a failure is logged (the change itself is saved).
func (e *Engine) logChange(ctx context.Context, shop string, c ConfigChange) {
	if err := e.changes.write(ctx, shop, c); err != nil {
		e.Log.Error("live: config change log", "shop", shop, "room", c.Room, "err", err)
	}
}

// Changes returns the room's configuration changes (room "" = the shop's defaults), newest
// first, at most limit.
func (e *Engine) Changes(ctx context.Context, shop, room string, limit int) ([]ConfigChange, error) {
	return e.changes.read(ctx, shop, room, limit)
}

// thresholdsIntoRules writes the settings' thresholds into the built-in rules' conditions.
func thresholdsIntoRules(rs []Rule, s Settings) ([]Rule, bool) {
	out := make([]Rule, len(rs))
	changed := false
	for i, r := range rs {
		r.When = append([]Cond(nil), r.When...)
		for j, c := range r.When {
			if v, ok := builtinThreshold(r.ID, c, s); ok && v != c.Value {
				r.When[j].Value, changed = v, true
			}
		}
		out[i] = r
	}
	return out, changed
}

// rulesIntoThresholds takes the built-in rules' thresholds into the settings.
func rulesIntoThresholds(rs []Rule, s Settings) (Settings, bool) {
	x := s
	for _, r := range rs {
		for _, c := range r.When {
			switch {
			case r.ID == RuleNoSale && c.Metric == MClicks && c.Op == ">":
				x.NoSaleClicks = int(c.Value)
			case r.ID == RuleOnlineDrop && c.Metric == MOnlineChangePct && c.Op == "<":
				x.OnlineDropPct = int(-c.Value)
			case r.ID == RuleLowROI && c.Metric == MROI && c.Op == "<" && r.Enabled:
				x.TargetROI = c.Value
			case r.ID == RuleLowStock && c.Metric == MStock && c.Op == "<":
				x.LowStock = int(c.Value)
			}
		}
	}
	return x, x != s
}

// builtinThreshold is the settings' value for a built-in rule's threshold condition.
func builtinThreshold(rule string, c Cond, s Settings) (float64, bool) {
	switch {
	case rule == RuleNoSale && c.Metric == MClicks && c.Op == ">":
		return float64(s.NoSaleClicks), true
	case rule == RuleOnlineDrop && c.Metric == MOnlineChangePct && c.Op == "<":
		return -float64(s.OnlineDropPct), true
	case rule == RuleLowROI && c.Metric == MROI && c.Op == "<" && s.TargetROI > 0:
		return s.TargetROI, true
	case rule == RuleLowStock && c.Metric == MStock && c.Op == "<":
		return float64(s.LowStock), true
	}
	return 0, false
}
