package live

import (
	"context"
	"fmt"
	"time"
)

// StageSource gives the pinned product of a room's stored stage ("" = none; *stage.Actions
// satisfies it). The engine reads it when it rebuilds a room after Redis was lost.
type StageSource interface {
	Pinned(ctx context.Context, shop, room string) (string, error)
}

// pinnedTTL bounds the room's pinned-product key (refreshed by every stored stage).
const pinnedTTL = 48 * time.Hour

// SetPinned implements PinSink: the room's stage was stored with product pinned ("" = none); the
// next tick shows it as Snapshot.Pinned.
func (e *Engine) SetPinned(ctx context.Context, shop, room, product string) error {
	pipe := e.rdb.TxPipeline()
	pipe.HSet(ctx, stateKey(shop, room), "pinned", product)
	pipe.Expire(ctx, stateKey(shop, room), pinnedTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("live: set pinned %s/%s: %w", shop, room, err)
	}
	return nil
}

// SetStage implements stage.StageSink: the pinned product with when it was pinned, and when each
// question topic was last answered (unix ms), for the rules.
func (e *Engine) SetStage(ctx context.Context, shop, room, product string, pinnedAt int64, answered map[string]int64) error {
	k := stateKey(shop, room)
	pipe := e.rdb.TxPipeline()
	pipe.HSet(ctx, k, "pinned", product, "pinned_at", pinnedAt)
	for t, at := range answered {
		pipe.HSet(ctx, k, "answered:"+t, at)
	}
	pipe.Expire(ctx, k, pinnedTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("live: set stage %s/%s: %w", shop, room, err)
	}
	return nil
}

// restorePinned copies the pinned product of the room's stored stage into Redis (after a rebuild).
func (e *Engine) restorePinned(ctx context.Context, shop, room string) error {
	if e.Stages == nil {
		return nil
	}
	pinned, err := e.Stages.Pinned(ctx, shop, room)
	if err != nil {
		return err
	}
	return e.SetPinned(ctx, shop, room, pinned)
}
