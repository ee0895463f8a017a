package live

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/redis/go-redis/v9"
)

// flagsKey is a hash flag key (rule:product) → Flag JSON: the room's active flags.
func flagsKey(shop, room string) string { return "ld:live:flags:" + roomTag(shop, room) }

// ErrNoFlag means the flag is not active (cleared, or never raised in this room).
var ErrNoFlag = &livedesk.Error{Code: livedesk.ENOTFOUND, Key: "error.notfound", Message: "live: no such active flag"}

// cooldownKey is a hash flag key → unix ms when its last flag cleared (the rules' cooldown).
func cooldownKey(shop, room string) string { return "ld:live:flagcool:" + roomTag(shop, room) }

// RaisedDetail is the detail stored with a raised flag in flag_events: the numbers (as in
// Flag.Detail), the rule's name, its topic and the conditions with the values they saw, so the
// report and the XLSX can say which rule fired and why.
type RaisedDetail struct {
	Name    string      `json:"name"`
	Topic   string      `json:"topic,omitempty"`
	WindowS int         `json:"window_s"`
	When    []FiredCond `json:"when"`
}

// raisedDetail encodes a raised flag's detail: Flag.Detail's numbers plus RaisedDetail's fields.
func raisedDetail(f Flag) string {
	m := map[string]any{}
	for k, v := range f.Detail {
		m[k] = v
	}
	m["name"], m["window_s"], m["when"] = f.Name, f.WindowS, f.When
	if f.Topic != "" {
		m["topic"] = f.Topic
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// flagChange is one lifecycle step to store in flag_events.
type flagChange struct {
	Flag   Flag
	Action string
	TS     time.Time
	Detail string
	Actor  string
}

// reconcile applies one tick's candidates to the active flags in Redis: new conditions are
// raised, flags whose condition no longer holds are cleared, expired snoozes return to raised.
// It only adds (HSETNX), deletes, or rewrites snoozed flags, so an operator's acknowledgement
// written meanwhile is not overwritten.
func reconcile(ctx context.Context, rdb redis.UniversalClient, shop, room string, cands []candidate, now time.Time) ([]Flag, []flagChange, error) {
	key, coolKey := flagsKey(shop, room), cooldownKey(shop, room)
	rp := rdb.Pipeline()
	curC, coolC := rp.HGetAll(ctx, key), rp.HGetAll(ctx, coolKey)
	// The keys' lifetimes are refreshed here, so a tick that changes nothing (most ticks) is
	// one round trip; a write below that creates a key sets its lifetime with it.
	rp.Expire(ctx, key, BucketTTL)
	rp.Expire(ctx, coolKey, BucketTTL)
	if _, err := rp.Exec(ctx); err != nil && err != redis.Nil {
		return nil, nil, fmt.Errorf("live: flags %s/%s: %w", shop, room, err)
	}
	cur, cool := curC.Val(), coolC.Val()
	active := map[string]Flag{}
	for k, v := range cur {
		var f Flag
		if json.Unmarshal([]byte(v), &f) == nil {
			active[k] = f
		}
	}
	holds := map[string]candidate{}
	for _, c := range cands {
		holds[c.key()] = c
	}
	var changes []flagChange
	pipe := rdb.Pipeline()
	for k, f := range active {
		if _, ok := holds[k]; !ok {
			pipe.HDel(ctx, key, k)
			pipe.HSet(ctx, coolKey, k, now.UnixMilli())
			delete(active, k)
			changes = append(changes, flagChange{Flag: f, Action: FlagCleared, TS: now})
			continue
		}
		if f.State == FlagSnoozed && f.SnoozedUntil <= now.UnixMilli() {
			f.State, f.SnoozedUntil = FlagRaised, 0
			b, _ := json.Marshal(f)
			pipe.HSet(ctx, key, k, b)
			active[k] = f
		}
	}
	for k, c := range holds {
		if _, ok := active[k]; ok {
			continue
		}
		if cleared, err := strconv.ParseInt(cool[k], 10, 64); err == nil && c.CooldownS > 0 &&
			now.UnixMilli()-cleared < int64(c.CooldownS)*1000 {
			continue // the rule's cooldown after its last flag for this subject cleared
		}
		rs := c.Responses
		if rs == nil {
			rs = []Response{}
		}
		f := Flag{ID: flagID(c, now.UnixMilli()), Rule: c.Rule, Product: c.Product, Topic: c.Topic, State: FlagRaised,
			Raised: now.UnixMilli(), Detail: c.Detail, Responses: rs, Name: c.Name, When: c.When, WindowS: c.WindowS,
			Notify: c.Notify}
		b, _ := json.Marshal(f)
		pipe.HSetNX(ctx, key, k, b)
		active[k] = f
		changes = append(changes, flagChange{Flag: f, Action: FlagRaised, TS: now, Detail: raisedDetail(f)})
	}
	if pipe.Len() > 0 {
		pipe.Expire(ctx, key, BucketTTL)
		pipe.Expire(ctx, coolKey, BucketTTL)
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, nil, fmt.Errorf("live: flags %s/%s: %w", shop, room, err)
		}
	}
	for _, c := range changes {
		if c.Action == FlagRaised {
			flagsRaised.WithLabelValues(c.Flag.Rule).Inc()
		}
	}
	out := make([]Flag, 0, len(active))
	for _, f := range active {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Raised != out[j].Raised {
			return out[i].Raised > out[j].Raised
		}
		return out[i].ID < out[j].ID
	})
	return out, changes, nil
}

// updateFlag changes the active flag with id by f (acknowledge, snooze). Optimistic: retried when
// the tick leader changed the hash meanwhile.
func updateFlag(ctx context.Context, rdb redis.UniversalClient, shop, room, id string, f func(*Flag)) (Flag, error) {
	key := flagsKey(shop, room)
	var out Flag
	txf := func(tx *redis.Tx) error {
		all, err := tx.HGetAll(ctx, key).Result()
		if err != nil {
			return err
		}
		for k, v := range all {
			var fl Flag
			if json.Unmarshal([]byte(v), &fl) != nil || fl.ID != id {
				continue
			}
			f(&fl)
			b, _ := json.Marshal(fl)
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, key, k, b)
				return nil
			})
			out = fl
			return err
		}
		return ErrNoFlag
	}
	for i := 0; i < 5; i++ {
		err := rdb.Watch(ctx, txf, key)
		if err == redis.TxFailedErr {
			continue
		}
		return out, err
	}
	return out, fmt.Errorf("live: update flag %s: too much contention", id)
}

// findFlag returns the active flag with id.
func findFlag(ctx context.Context, rdb redis.UniversalClient, shop, room, id string) (Flag, error) {
	all, err := rdb.HGetAll(ctx, flagsKey(shop, room)).Result()
	if err != nil {
		return Flag{}, err
	}
	for _, v := range all {
		var f Flag
		if json.Unmarshal([]byte(v), &f) == nil && f.ID == id {
			return f, nil
		}
	}
	return Flag{}, ErrNoFlag
}
