-- Live-room relay messages livedesk has no event type for (platform package, relay.go): gifts,
-- control messages, ranks, room stats, the relays' own system frames. They are counted and kept
-- as received (raw, at most 16 KiB) instead of being dropped silently; one row per message
-- identity (a resent line replaces its row), read with FINAL.
CREATE TABLE IF NOT EXISTS relay_messages (
    shop     String,
    platform String,
    room     String,
    kind     String,
    id       String,
    ts       DateTime('UTC'),
    raw      String,
    received DateTime('UTC')
) ENGINE = ReplacingMergeTree(received)
PARTITION BY toYYYYMM(ts)
ORDER BY (shop, platform, room, id);
