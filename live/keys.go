package live

import (
	"strconv"

	"github.com/livedesk/livedesk"
)

// Redis keys of the live engine. Every key starts with "ld:live:" and carries a hash tag per room
// ({shop:room}) or per shop ({shop}) so that one room's keys share a Redis Cluster slot and can be
// read together (PFCOUNT over many keys, pipelines, scripts).

// roomTag is the hash tag of a room (livedesk.RoomTag).
func roomTag(shop, room string) string { return livedesk.RoomTag(shop, room) }

// shopTag is the hash tag of a shop (livedesk.ShopTag).
func shopTag(shop string) string { return livedesk.ShopTag(shop) }

// Bucket spans: 10-second buckets feed the sliding windows, minute buckets the per-minute series.
const (
	spanFine   int64 = 10
	spanMinute int64 = 60
)

// spanName is the key segment of a bucket span.
func spanName(span int64) string { return strconv.FormatInt(span, 10) }

// bucketKey is the hash of room counters for one bucket of span seconds starting at unix second b.
func bucketKey(shop, room string, span, b int64) string {
	return "ld:live:b" + spanName(span) + ":" + roomTag(shop, room) + ":" + strconv.FormatInt(b, 10)
}

// productBucketKey is the hash of per-product counters ("<product>\x1f<field>") for one bucket.
func productBucketKey(shop, room string, span, b int64) string {
	return "ld:live:p" + spanName(span) + ":" + roomTag(shop, room) + ":" + strconv.FormatInt(b, 10)
}

// HyperLogLog kinds of distinct users.
const (
	hllViewers  = "v" // entered
	hllExposed  = "x" // shown a product
	hllClickers = "c" // clicked
	hllBuyers   = "b" // paid
)

// hllKey is a HyperLogLog of distinct users of one kind in one bucket; product "" is the room.
func hllKey(shop, room, kind, product string, span, b int64) string {
	k := "ld:live:h" + kind + spanName(span) + ":" + roomTag(shop, room) + ":" + strconv.FormatInt(b, 10)
	if product != "" {
		k += ":" + product
	}
	return k
}

// commentsKey is a capped list of the room's recent comments (JSON, newest first).
func commentsKey(shop, room string) string { return "ld:live:comments:" + roomTag(shop, room) }

// stateKey is a hash of the room's slowly changing live state: pinned product, last online gauge.
func stateKey(shop, room string) string { return "ld:live:state:" + roomTag(shop, room) }

// stockKey is a hash product → last reported stock level for a shop.
func stockKey(shop string) string { return "ld:live:stock:" + shopTag(shop) }

// catalogStockKey caches catalog stock levels (product → level, −1 = not in the catalog) for
// products no stock event has reported; it expires after catalogStockTTL.
func catalogStockKey(shop string) string { return "ld:live:cstock:" + shopTag(shop) }

// burstKey holds the unix second of the first live event of the room's current burst of activity
// (set NX with a short TTL by the counters), so a session started automatically begins with the
// events that started it rather than at the tick that noticed them.
func burstKey(shop, room string) string { return "ld:live:burst:" + roomTag(shop, room) }

// activeRoomsKey is a sorted set "shop\x1froom" → unix seconds of the room's last live event.
const activeRoomsKey = "ld:live:active"

// markerKey exists while the room's buckets in Redis are complete. A room without it is either new
// (its marker is just set) or, when the epoch key was missing too (Redis lost or restarted),
// rebuilt from ClickHouse before it is read.
func markerKey(shop, room string) string { return "ld:live:marker:" + roomTag(shop, room) }

// epochKey exists as long as this Redis has held the live engine's data; when it is missing
// Redis is new or was lost, and every room ticked then is rebuilt from ClickHouse.
const epochKey = "ld:live:epoch"

// needRebuildKey is a set of room ids still to be rebuilt after Redis was found empty.
const needRebuildKey = "ld:live:needrebuild"

// leaderKey is the lock of the tick leader (one across instances).
const leaderKey = "ld:live:leader"
