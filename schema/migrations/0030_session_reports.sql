-- Built post-stream reports (复盘), one current row per (shop, session). The body is the whole
-- report as JSON so a page loads with one primary-key read; a rebuild (late events, the rebuild
-- action) writes a newer version and FINAL keeps only the newest. max_received is the latest
-- receive time of any event inside the session's span when the report was built: the late-event
-- watcher rebuilds when the events table has a newer one. gmv/orders/views/viewers repeat the
-- headline so the room's session list needs no JSON decoding.
CREATE TABLE IF NOT EXISTS session_reports (
    shop         String,
    room         String,
    session      String,
    started      DateTime('UTC'),
    ended        DateTime('UTC'),
    built        DateTime('UTC'),
    max_received DateTime('UTC'),
    events       UInt64,
    gmv          Int64,
    orders       Int64,
    views        Int64,
    viewers      Int64,
    body         String,
    version      UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, session)
