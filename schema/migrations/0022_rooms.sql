-- Rooms created in the console before any event arrived (rooms also exist implicitly once events
-- name them). One row per (shop, room); newer versions win, read with FINAL.
CREATE TABLE IF NOT EXISTS rooms (
    shop     String,
    room     String,
    title    String,
    created  DateTime('UTC'),
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, room);
