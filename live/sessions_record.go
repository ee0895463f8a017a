package live

import (
	"context"
	"time"

	"github.com/livedesk/livedesk"
)

// EndedByRecorded marks a session recorded after the fact (a past stream whose events were
// posted with their own timestamps), not one this engine saw live.
const EndedByRecorded = "recorded"

// MaxRecordedSession is the longest session RecordSession accepts.
const MaxRecordedSession = 24 * time.Hour

// RecordSession records a past stream session of room from started to ended — a stream whose
// events were posted with their own past timestamps (history from before the shop used livedesk,
// a demo shop's earlier days) — and runs the session-ended hooks, so its report is built from
// those events like any other. It refuses a span that is not wholly in the past, is empty or
// longer than MaxRecordedSession, or overlaps another session of the room.
func (e *Engine) RecordSession(ctx context.Context, shop, room string, started, ended time.Time) (Session, error) {
	started, ended = started.UTC().Truncate(time.Second), ended.UTC().Truncate(time.Second)
	switch {
	case !started.Before(ended):
		return Session{}, livedesk.Invalid("ended", "ended must be after started", "结束时间必须晚于开始时间")
	case ended.After(e.now()):
		return Session{}, livedesk.Invalid("ended", "ended must be in the past", "结束时间必须早于现在")
	case ended.Sub(started) > MaxRecordedSession:
		return Session{}, livedesk.Invalid("ended", "a session lasts at most 24 hours", "一场直播最长 24 小时")
	}
	overlap, err := e.sessions.query(ctx, selectSessions+`
		WHERE shop = ? AND room = ? AND started < ? AND (ended > ? OR toUnixTimestamp(ended) <= 0) LIMIT 1`,
		shop, room, ended, started)
	if err != nil {
		return Session{}, err
	}
	if len(overlap) > 0 {
		return Session{}, livedesk.Invalid("started", "the span overlaps the room's session "+overlap[0].ID,
			"时间段与该直播间已有场次 "+overlap[0].ID+" 重叠")
	}
	s := Session{Shop: shop, Room: room, ID: newSessionID(room, started), Started: started, Ended: ended, EndedBy: EndedByRecorded}
	if err := e.sessions.put(ctx, s); err != nil {
		return Session{}, err
	}
	e.Log.Info("live: session recorded", "shop", shop, "room", room, "session", s.ID, "started", started, "ended", ended)
	e.mu.Lock()
	hooks := append([]SessionEndedFunc(nil), e.ended...)
	e.mu.Unlock()
	for _, f := range hooks {
		f(ctx, shop, room, s.ID, s.Started, s.Ended)
	}
	return s, nil
}
