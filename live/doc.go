// Package live is the live engine: Redis counters fed by ingest, stream sessions, the 1-second
// room tick that builds a Snapshot, rules and flags, closed minutes, and the shop's rooms. It
// owns stream_sessions, flag_events, room_settings and rooms, and every ld:live:* Redis key but
// the hub's; it publishes through RoomPublisher (the hub) and imports neither hub nor stage.
//
// # Data flow
//
//	ingest batch ─► Counters.Observe (ONE Redis pipeline per batch: 10 s and minute buckets per
//	                room and product, HyperLogLogs of distinct viewers/exposed/clickers/buyers,
//	                recent comments, pinned product, stock levels; every key with a 12 h TTL)
//	Engine.Run   ─► leader only (bsm/redislock "ld:live:leader", TTL 3 ticks, refreshed each tick):
//	                every second, for every room with a live session or a live event in the last
//	                10 minutes: session rules (auto start, quiet end) → read buckets → rules →
//	                flags (Redis + flag_events) → Snapshot → RoomPublisher.Publish(kind "tick"); closed
//	                minutes settle from ClickHouse 3 s after they close (exact, see
//	                settleMinutes) and go out as kind "minutes" (MinuteSeries) only when they change
//	stage        ─► every stored stage sets the tick's pinned product (Engine.SetPinned, the
//	                stage package's PinSink) — one source of truth
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
// # API for pages (views) and other parts
//
//	e := live.NewEngine(rdb, ch, hub, log)       // one per instance (hub: a RoomPublisher); go e.Run(ctx)
//	ingestService.Observers = append(…, e.Counters())
//	e.StartSession(ctx, shop, room)              // 开播 (idempotent: returns the live session)
//	e.EndSession(ctx, shop, room)                // 下播 (ErrNotLive when idle)
//	e.EndedSessions(ctx, since)                  // every shop's sessions ended since (the report)
//	e.CurrentSession / Sessions / SessionByID    // stream_sessions
//	e.OnSessionEnded(func(ctx, shop, room, id, start, end))  // the report builder
//	e.AckFlag(ctx, shop, room, flagID, by)       // ErrNoFlag when no longer active
//	e.SnoozeFlag(ctx, shop, room, flagID, d, by) // 1 min … 2 h
//	e.RespondFlag(ctx, shop, room, flagID, responseKey, by)  // records a suggested response
//	e.Settings / UpdateSettings(ctx, shop, room, Settings)   // thresholds per room ("" = shop defaults)
//	e.Config / SaveSettings / SaveRules / ResetRules / Changes  // settings and rules as data, logged
//	e.Preview(ctx, shop, room, Rule)             // what a rule would fire for now
//	e.Flag(ctx, shop, room, id)                  // one active flag (its responses)
//	e.Snapshot(ctx, shop, room)                  // latest "tick" envelope bytes (nil: none yet)
//	e.Minutes(ctx, shop, room)                   // latest "minutes" envelope bytes (nil: none yet)
//	e.Rooms(ctx, shop)                           // rooms with sessions or recent events
//	live.NewRooms(ch).Exists / Activity / Create // rooms made in the console or named by events
//
// Every message goes out in the hub's envelope {"seq":N,"kind":"tick","room":"r1","data":{...}}
// (see package hub).
//
// # Storage
//
// ClickHouse: stream_sessions (ReplacingMergeTree, FINAL), flag_events (append-only: raised,
// acknowledged, snoozed, responded, cleared), room_settings, room_rules and rooms
// (ReplacingMergeTree; room "" = the shop's defaults), live_config_changes (append-only).
// Redis holds only what can be rebuilt: when the epoch key "ld:live:epoch" is missing (Redis new or lost), the
// next tick restores live sessions from ClickHouse and rebuilds every ticked room's buckets from
// the events table.
package live
