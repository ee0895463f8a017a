-- The running totals a room's dashboards last reported (platform package, totals.go; POST
-- /api/v1/totals and the 千川 poller): one row per (shop, room, key), the newest version wins
-- (FINAL). value is the total already turned into events, epoch counts the resets seen (a total
-- that went down), so the event ids made after a reset never repeat the ones before it.
CREATE TABLE IF NOT EXISTS room_totals (
    shop    String,
    room    String,
    key     String,
    value   Int64,
    epoch   UInt32,
    at      DateTime('UTC'),
    version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, room, key);
