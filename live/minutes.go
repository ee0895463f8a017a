package live

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// KindMinutes is the hub message kind that carries a room's closed-minute series (MinuteSeries).
// It is published only when the series changes — a minute closes, a closed minute becomes exact
// or is corrected by a late event, the session starts or ends — never with every tick. A page
// gets the latest one on connect (the hub sends the latest message of each kind first).
const KindMinutes = "minutes"

// MinuteSeries is the per-minute chart and table of the room's current session (idle: the last
// hour): every closed minute, oldest first. The tick's Current is the open minute that follows.
//
//	{"room":"r1","session":"r1-20261122T0930-3f2a","server_time":1763812861000,
//	 "minutes":[{"start":1763811000000,"end":1763811060000,"views":20,…,"exact":true}]}
type MinuteSeries struct {
	Room       string    `json:"room"`
	Session    string    `json:"session"`     // session id, "" when idle
	ServerTime int64     `json:"server_time"` // unix ms when it was built
	Minutes    []Metrics `json:"minutes"`
}

// publishMinutes publishes the room's closed minutes when they differ from the last series
// published for this room state (a new leader publishes once on its first tick).
func (e *Engine) publishMinutes(ctx context.Context, shop, room, session string, st *roomState, minutes []Metrics, now time.Time) error {
	if minutes == nil {
		minutes = []Metrics{}
	}
	if st.published != nil && reflect.DeepEqual(st.published, minutes) {
		return nil
	}
	b, err := json.Marshal(MinuteSeries{Room: room, Session: session, ServerTime: now.UnixMilli(), Minutes: minutes})
	if err != nil {
		return fmt.Errorf("live: encode minutes %s/%s: %w", shop, room, err)
	}
	if e.Hub != nil {
		if err := e.Hub.Publish(ctx, shop, room, KindMinutes, b); err != nil {
			return err
		}
	}
	st.published = minutes
	return nil
}

// Minutes returns the latest published KindMinutes envelope of the room, nil when none yet.
func (e *Engine) Minutes(ctx context.Context, shop, room string) ([]byte, error) {
	return e.latest(ctx, shop, room, KindMinutes)
}
