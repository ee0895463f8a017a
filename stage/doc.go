// Package stage owns what the anchor's prompter shows and the operator's actions that change it:
// pin and unpin, cues and their one-tap presets, flash sales, coupons, answered question topics
// (ClickHouse tables room_stage and cue_presets; every action is also an event through ingest).
//
// Actions observes pin/unpin/flash_sale/cue/coupon events posted through ingest too, so the
// stage follows platform and simulator actions; every stored stage tells the live engine the
// pinned product (PinSink) and goes to the room's screens as kind "stage".
package stage
