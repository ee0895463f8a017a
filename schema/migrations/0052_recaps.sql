-- Morning and evening recaps (jobs package): one row per (shop, kind, day); a re-run writes a
-- newer version. day is the shop-local date the recap covers; body is the recap as JSON.
CREATE TABLE IF NOT EXISTS recaps (
    shop     String,
    kind     String,
    day      String,
    at       DateTime('UTC'),
    body     String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, kind, day)
