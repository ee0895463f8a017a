// Package live is the live engine: Redis counters fed by ingest, stream sessions, the 1-second
// room tick that builds a Snapshot, rules and flags, and the websocket Hub.
//
// For pages (views):
//
//   - Hub.Serve(conn, shop, room) runs a control-room or prompter websocket; Hub.Publish and
//     Hub.PublishShop send messages of any kind (see CONTRACTS.md). Envelope:
//     {"seq":N,"kind":"tick","room":"r1","data":{...}}; seq is per envelope room.
//   - kind "tick" carries a Snapshot (snapshot.go), once per second per active room.
//
// The Engine API (engine.go) is documented there: sessions (StartSession/EndSession), flags
// (AckFlag/SnoozeFlag/RespondFlag), per-room Settings/UpdateSettings, Snapshot (latest bytes)
// and Rooms(shop).
package live
