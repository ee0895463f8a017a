// Package live is the live engine: Redis counters fed by ingest, stream sessions, the 1-second
// room tick that builds a Snapshot, rules and flags, and the websocket Hub.
//
// # Data flow
//
//	ingest batch ─► Counters.Observe (ONE Redis pipeline per batch: 10 s and minute buckets per
//	                room and product, HyperLogLogs of distinct viewers/exposed/clickers/buyers,
//	                recent comments, pinned product, stock levels; every key with a 12 h TTL)
//	Engine.Run   ─► leader only (bsm/redislock "ld:live:leader", TTL 3 ticks, refreshed each tick):
//	                every second, for every room with a live session or a live event in the last
//	                10 minutes: session rules (auto start, quiet end) → read buckets → rules →
//	                flags (Redis + flag_events) → Snapshot → Hub.Publish(kind "tick"); closed
//	                minutes settle from ClickHouse 3 s after they close (exact, see
//	                settleMinutes) and go out as kind "minutes" (MinuteSeries) only when they change
//	Actions      ─► the stage (prompter): console actions and pin/unpin/flash_sale/cue/coupon
//	                events posted through ingest (Actions.Observe); every stored stage sets the
//	                tick's pinned product (Engine.SetPinned) — one source of truth
//	Hub          ─► every instance: one PSUBSCRIBE; the same bytes to each local websocket
//
// # Definitions
//
// Metrics follow DESIGN.md exactly (see Metrics). Sales are paid orders only; refunds are shown
// beside GMV. Closed minutes are EXACT once settled (3 s after they end): computed from the raw
// events in ClickHouse, every event id once, people with uniqExact, and computed again when a
// late event for them arrives. The open minute, the sliding windows and the session totals come
// from Redis: their distinct counts (viewers, exposed, clickers, buyers) are HyperLogLog
// estimates (standard error 0.81%; Snapshot.Estimated names them); counts and money are exact.
// The sliding window is whole 10-second buckets ending with the current one.
//
// # API for pages (views) and other areas
//
//	hub, _ := hub.New(ctx, rdb, log)         // one per instance
//	hub.Serve(conn, shop, room)                  // a websocket; room "" = shop-wide socket
//	hub.Publish(ctx, shop, room, kind, json)     // any kind: "tick" (engine), "stage", …
//	hub.PublishShop(ctx, shop, kind, json)       // every page of the shop
//
//	e := live.NewEngine(rdb, ch, hub, log)       // one per instance; go e.Run(ctx)
//	ingestService.Observers = append(…, e.Counters())
//	e.StartSession(ctx, shop, room)              // 开播 (idempotent: returns the live session)
//	e.EndSession(ctx, shop, room)                // 下播 (ErrNotLive when idle)
//	e.CurrentSession / Sessions / SessionByID    // stream_sessions
//	e.OnSessionEnded(func(ctx, shop, room, id, start, end))  // the report builder
//	e.AckFlag(ctx, shop, room, flagID, by)       // ErrNoFlag when no longer active
//	e.SnoozeFlag(ctx, shop, room, flagID, d, by) // 1 min … 2 h
//	e.RespondFlag(ctx, shop, room, flagID, responseKey, by)  // records a suggested response
//	e.Settings / UpdateSettings(ctx, shop, room, Settings)   // thresholds per room
//	e.Snapshot(ctx, shop, room)                  // latest "tick" envelope bytes (nil: none yet)
//	e.Minutes(ctx, shop, room)                   // latest "minutes" envelope bytes (nil: none yet)
//	e.Rooms(ctx, shop)                           // rooms with sessions or recent events
//
// Envelope of every hub message, built once in Redis:
// {"seq":N,"kind":"tick","room":"r1","data":{...}}. seq is per envelope room ("" for shop-wide
// messages) and grows by one per message, so a gap means a missed message: reconnect, and the
// hub sends the latest message of each kind first.
//
// # Storage
//
// ClickHouse: stream_sessions (ReplacingMergeTree, FINAL), flag_events (append-only: raised,
// acknowledged, snoozed, responded, cleared), room_settings (ReplacingMergeTree). Redis holds only
// what can be rebuilt: when the epoch key "ld:live:epoch" is missing (Redis new or lost), the
// next tick restores live sessions from ClickHouse and rebuilds every ticked room's buckets from
// the events table.
package live
