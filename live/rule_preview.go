package live

import (
	"context"
	"time"
)

// PreviewHit is one subject a rule would fire for now, with the values its conditions saw.
type PreviewHit struct {
	Product string      `json:"product,omitempty"`
	Topic   string      `json:"topic,omitempty"`
	When    []FiredCond `json:"when"`
}

// Preview evaluates one rule (validated first; it need not be saved or enabled) against the
// room's live windows as the next tick would, and returns what it would fire for now. It reads
// Redis like a tick (no ClickHouse query) and raises nothing.
func (e *Engine) Preview(ctx context.Context, shop, room string, r Rule) ([]PreviewHit, error) {
	r.Enabled = true
	rs, err := ValidateRules([]Rule{r})
	if err != nil {
		return nil, err
	}
	docs, err := e.loadDocs(ctx, shop, room, nil)
	if err != nil {
		return nil, err
	}
	s, _ := docs.resolve()
	now := e.now()
	from := now.Add(-idleLookBack)
	sess, live, err := e.CurrentSession(ctx, shop, room)
	if err != nil {
		return nil, err
	}
	if live {
		from = sess.Started
	}
	st := newRoomState("idle") // counts minute keys as they are: a preview writes nothing
	if from.Before(now.Add(-MaxPreviewSpan)) {
		from = now.Add(-MaxPreviewSpan) // the minute series is not needed; the windows are
	}
	d, err := e.reader.read(ctx, shop, room, now, from, s.window(), st)
	if err != nil {
		return nil, err
	}
	if err := e.fillStock(ctx, shop, &d); err != nil {
		e.Log.Warn("live: stock from catalog", "err", err)
	}
	in := inputFromRoom(d, s.WindowS, now)
	if err := e.reader.readRuleInput(ctx, shop, room, &in, d, rs, from, st); err != nil {
		return nil, err
	}
	out := []PreviewHit{}
	for _, c := range evalRules(rs, in) {
		out = append(out, PreviewHit{Product: c.Product, Topic: c.Topic, When: c.When})
	}
	return out, nil
}

// MaxPreviewSpan bounds what a preview reads back (two of the longest windows).
const MaxPreviewSpan = 2 * time.Hour

// Flag returns the room's active flag with id (ErrNoFlag when it is not active).
func (e *Engine) Flag(ctx context.Context, shop, room, id string) (Flag, error) {
	return findFlag(ctx, e.rdb, shop, room, id)
}
