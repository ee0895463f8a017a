-- Every event livedesk accepts, one row each. The system of record.
-- ORDER BY starts with (shop, room, ts) for per-room, per-minute reads; id ends the key so a
-- duplicate that slipped past the Redis gate (Redis lost, spool replayed twice) collapses on merge.
-- Readers that need exact counts before merges use FINAL or count distinct ids.
CREATE TABLE IF NOT EXISTS events (
    shop         String,
    room         String,
    ts           DateTime('UTC'),
    ts_ms        UInt16,
    id           String,
    type         String,
    user         String,
    product      String,
    order_id     String,
    status       String,
    amount       Int64,
    qty          Int32,
    value        Int64,
    text         String,
    rating       UInt8,
    conversation String,
    direction    String,
    extra        String,
    received     DateTime('UTC'),
    batch        String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (shop, room, ts, type, id)
