package hub

import "github.com/livedesk/livedesk"

// Redis keys of the hub. Each carries the room's (or shop's) hash tag, so a room's sequence,
// latest messages and channel share one Redis Cluster slot with the rest of the room's keys.

// channelRoom is the pub/sub channel of a room's messages.
func channelRoom(shop, room string) string { return "ld:live:ch:" + livedesk.RoomTag(shop, room) }

// prompterTag is the tag of a room's prompter stream: the room's hash tag (same slot) with its
// own sequence and latest-of-kind keys.
func prompterTag(shop, room string) string { return livedesk.RoomTag(shop, room) + ":prompter" }

// channelPrompter is the pub/sub channel of what a room's prompter may see.
func channelPrompter(shop, room string) string { return "ld:live:ch:" + prompterTag(shop, room) }

// channelShop is the pub/sub channel of shop-wide messages.
func channelShop(shop string) string { return "ld:live:ch:" + livedesk.ShopTag(shop) }

// channelPattern matches every hub channel.
const channelPattern = "ld:live:ch:*"

// seqKey holds the message sequence of a room (or of a shop for shop-wide messages).
func seqKey(tag string) string { return "ld:live:seq:" + tag }

// latestKey is a hash kind → the latest envelope of that kind.
func latestKey(tag string) string { return "ld:live:latest:" + tag }
