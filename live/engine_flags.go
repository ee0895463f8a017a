package live

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/livedesk/livedesk"
)

// Snooze limits.
const (
	MinSnooze = time.Minute
	MaxSnooze = 2 * time.Hour
)

// AckFlag marks an active flag acknowledged by the operator (it stays until its condition
// clears). ErrNoFlag when it is no longer active.
func (e *Engine) AckFlag(ctx context.Context, shop, room, flagID, by string) error {
	f, err := updateFlag(ctx, e.rdb, shop, room, flagID, func(f *Flag) {
		f.State, f.SnoozedUntil = FlagAcknowledged, 0
	})
	if err != nil {
		return err
	}
	return e.logFlag(ctx, shop, room, flagChange{Flag: f, Action: FlagAcknowledged, TS: e.now(), Actor: by})
}

// SnoozeFlag hides an active flag for d (MinSnooze…MaxSnooze); it returns to raised afterwards
// if its condition still holds.
func (e *Engine) SnoozeFlag(ctx context.Context, shop, room, flagID string, d time.Duration, by string) error {
	if d < MinSnooze || d > MaxSnooze {
		return livedesk.Invalid("snooze", "between 1 minute and 2 hours", "稍后提醒须在 1 分钟到 2 小时之间")
	}
	until := e.now().Add(d).UnixMilli()
	f, err := updateFlag(ctx, e.rdb, shop, room, flagID, func(f *Flag) {
		f.State, f.SnoozedUntil = FlagSnoozed, until
	})
	if err != nil {
		return err
	}
	return e.logFlag(ctx, shop, room, flagChange{Flag: f, Action: FlagSnoozed, TS: e.now(), Actor: by,
		Detail: `{"until":` + strconv.FormatInt(until, 10) + `}`})
}

// RespondFlag records that the operator answered an active flag with one of its suggested
// responses (response is the Response.Key): the flag's state becomes FlagResponded (it stays
// until its condition clears) and flag_events gets the response's key, kind and text.
func (e *Engine) RespondFlag(ctx context.Context, shop, room, flagID, response, by string) error {
	f, err := findFlag(ctx, e.rdb, shop, room, flagID)
	if err != nil {
		return err
	}
	known := false
	for _, r := range f.Responses {
		known = known || r.Key == response
	}
	if !known {
		return livedesk.Invalid("response", "not a suggested response of this flag", "不是该提醒的建议操作")
	}
	var chosen Response
	for _, r := range f.Responses {
		if r.Key == response {
			chosen = r
		}
	}
	f, err = updateFlag(ctx, e.rdb, shop, room, flagID, func(f *Flag) {
		f.State, f.SnoozedUntil, f.Responded = FlagResponded, 0, response
	})
	if err != nil && !errors.Is(err, ErrNoFlag) {
		return err
	}
	if chosen.Kind == "" {
		chosen.Kind = RespCue
	}
	d, _ := json.Marshal(map[string]string{"response": response, "kind": chosen.Kind, "text": chosen.Text})
	return e.logFlag(ctx, shop, room, flagChange{Flag: f, Action: FlagResponded, TS: e.now(), Actor: by, Detail: string(d)})
}

// logFlag stores one flag change against the room's current session.
func (e *Engine) logFlag(ctx context.Context, shop, room string, c flagChange) error {
	sess, _, err := e.CurrentSession(ctx, shop, room)
	if err != nil {
		e.Log.Warn("live: flag session", "err", err)
	}
	return e.flagLog.write(ctx, []flagRow{{Shop: shop, Room: room, Session: sess.ID, Change: c}})
}

// clearFlags clears every active flag of the room (a session started or ended: flags belong to
// one session), storing "cleared" rows against session.
func (e *Engine) clearFlags(ctx context.Context, shop, room, session string) {
	_, changes, err := reconcile(ctx, e.rdb, shop, room, nil, e.now())
	if err != nil {
		e.Log.Warn("live: clear flags", "err", err, "shop", shop, "room", room)
		return
	}
	e.storeFlagChanges(ctx, shop, room, session, changes)
}

// storeFlagChanges stores the room's flag changes against session; a failure is logged, not
// returned (the flags in Redis are already right, only the report's history misses them).
func (e *Engine) storeFlagChanges(ctx context.Context, shop, room, session string, changes []flagChange) {
	if len(changes) == 0 {
		return
	}
	rows := make([]flagRow, len(changes))
	for i, c := range changes {
		rows[i] = flagRow{Shop: shop, Room: room, Session: session, Change: c}
	}
	if err := e.flagLog.write(ctx, rows); err != nil {
		e.Log.Error("live: flag events", "err", err, "shop", shop, "room", room)
	}
}
