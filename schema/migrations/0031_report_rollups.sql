-- Ingest-time rollups for the post-stream report (live/report_rollup.go), so a 3-hour,
-- 10-million-event session reports in well under 2 s instead of rescanning the raw rows.
-- Each table is filled by a MATERIALIZED VIEW … TO on events, so every insert into events (the
-- ingest writer, replays, bench-report, tests) feeds it; the backfill at the end covers rows
-- stored before this migration. The views are created BEFORE the backfill: a row inserted in
-- between is counted twice, never missed. Invariant the report relies on: every row ever
-- inserted into events is in the rollups at least once (report_minutes.rows >= the rows stored
-- in events, per minute, type and product). Copies (a resent event past a lost Redis gate) are
-- counted in report_minutes/report_seconds/report_texts too; the report proves a minute copy-free before it
-- trusts those counts and otherwise recounts that minute from events by id.

-- Per (minute, type, product): rows inserted, and the online gauge's last and highest reading.
CREATE TABLE IF NOT EXISTS report_minutes (
    shop       String,
    room       String,
    minute     DateTime('UTC'),
    type       String,
    product    String,
    rows       AggregateFunction(count),
    last_value AggregateFunction(argMax, Int64, UInt64),
    max_value  AggregateFunction(max, Int64)
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(minute)
ORDER BY (shop, room, minute, type, product);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_minutes_mv TO report_minutes AS
SELECT shop, room, toStartOfMinute(ts) AS minute, type, product, countState() AS rows,
    argMaxState(value, toUInt64(ts) * 1000 + ts_ms) AS last_value, maxState(value) AS max_value
FROM events
GROUP BY shop, room, minute, type, product;

-- Per (second, type, product) rows inserted of entries and clicks: the segment and flag windows.
-- A plain summed count (an AggregateFunction(count) state costs more to read than the rows).
CREATE TABLE IF NOT EXISTS report_seconds (
    shop    String,
    room    String,
    ts      DateTime('UTC'),
    type    String,
    product String,
    rows    UInt64
) ENGINE = SummingMergeTree(rows)
PARTITION BY toYYYYMM(ts)
ORDER BY (shop, room, ts, type, product);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_seconds_mv TO report_seconds AS
SELECT shop, room, ts, type, product, count() AS rows
FROM events
WHERE type IN ('enter', 'click')
GROUP BY shop, room, ts, type, product;

-- Per (minute, comment text) rows inserted: the buyer-question topics.
CREATE TABLE IF NOT EXISTS report_texts (
    shop   String,
    room   String,
    minute DateTime('UTC'),
    text   String,
    rows   UInt64
) ENGINE = SummingMergeTree(rows)
PARTITION BY toYYYYMM(minute)
ORDER BY (shop, room, minute, text);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_texts_mv TO report_texts AS
SELECT shop, room, toStartOfMinute(ts) AS minute, text, count() AS rows
FROM events
WHERE type = 'comment' AND text != ''
GROUP BY shop, room, minute, text;

-- The people of the funnel: one row per (type, hour, user) — scope 0, every product — and per
-- (product, hour, user) of clicks — scope 1 — with a bit per minute of the hour the user had such
-- an event in. Distinct people of any run of whole minutes are exact from these (copies set the
-- same bit again).
CREATE TABLE IF NOT EXISTS report_people (
    shop    String,
    room    String,
    scope   UInt8,
    type    String,
    product String,
    hour    DateTime('UTC'),
    user    String,
    minutes AggregateFunction(groupBitOr, UInt64)
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(hour)
ORDER BY (shop, room, scope, type, product, hour, user);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_people_mv TO report_people AS
SELECT shop, room, toUInt8(0) AS scope, type, '' AS product, toStartOfHour(ts) AS hour, user,
    groupBitOrState(bitShiftLeft(toUInt64(1), toMinute(ts))) AS minutes
FROM events
WHERE type IN ('enter', 'impression', 'click') AND user != ''
GROUP BY shop, room, type, hour, user;

CREATE MATERIALIZED VIEW IF NOT EXISTS report_people_products_mv TO report_people AS
SELECT shop, room, toUInt8(1) AS scope, type, product, toStartOfHour(ts) AS hour, user,
    groupBitOrState(bitShiftLeft(toUInt64(1), toMinute(ts))) AS minutes
FROM events
WHERE type = 'click' AND user != ''
GROUP BY shop, room, type, product, hour, user;

-- The low-volume rows whose values the report needs (paid and refunded orders, ad spend,
-- operator actions), copies included (the report dedups them by event and order id).
CREATE TABLE IF NOT EXISTS report_sparse (
    shop     String,
    room     String,
    ts       DateTime('UTC'),
    ts_ms    UInt16,
    id       String,
    type     String,
    user     String,
    product  String,
    order_id String,
    status   String,
    amount   Int64,
    qty      Int32,
    text     String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (shop, room, ts, type);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_sparse_mv TO report_sparse AS
SELECT shop, room, ts, ts_ms, id, type, user, product, order_id, status, amount, qty, text
FROM events
WHERE (type = 'order' AND status IN ('paid', 'refunded')) OR type IN ('ad_spend', 'pin', 'unpin', 'cue', 'flash_sale', 'coupon');

-- Backfill: the rows stored before the views existed (runs once, with this migration).
INSERT INTO report_minutes (shop, room, minute, type, product, rows, last_value, max_value)
SELECT shop, room, toStartOfMinute(ts) AS minute, type, product, countState(),
    argMaxState(value, toUInt64(ts) * 1000 + ts_ms), maxState(value)
FROM events
GROUP BY shop, room, minute, type, product;

INSERT INTO report_seconds (shop, room, ts, type, product, rows)
SELECT shop, room, ts, type, product, count()
FROM events
WHERE type IN ('enter', 'click')
GROUP BY shop, room, ts, type, product;

INSERT INTO report_texts (shop, room, minute, text, rows)
SELECT shop, room, toStartOfMinute(ts) AS minute, text, count()
FROM events
WHERE type = 'comment' AND text != ''
GROUP BY shop, room, minute, text;

INSERT INTO report_people (shop, room, scope, type, product, hour, user, minutes)
SELECT shop, room, toUInt8(0), type, '', toStartOfHour(ts) AS hour, user,
    groupBitOrState(bitShiftLeft(toUInt64(1), toMinute(ts)))
FROM events
WHERE type IN ('enter', 'impression', 'click') AND user != ''
GROUP BY shop, room, type, hour, user;

INSERT INTO report_people (shop, room, scope, type, product, hour, user, minutes)
SELECT shop, room, toUInt8(1), type, product, toStartOfHour(ts) AS hour, user,
    groupBitOrState(bitShiftLeft(toUInt64(1), toMinute(ts)))
FROM events
WHERE type = 'click' AND user != ''
GROUP BY shop, room, type, product, hour, user;

INSERT INTO report_sparse (shop, room, ts, ts_ms, id, type, user, product, order_id, status, amount, qty, text)
SELECT shop, room, ts, ts_ms, id, type, user, product, order_id, status, amount, qty, text
FROM events
WHERE (type = 'order' AND status IN ('paid', 'refunded')) OR type IN ('ad_spend', 'pin', 'unpin', 'cue', 'flash_sale', 'coupon');
