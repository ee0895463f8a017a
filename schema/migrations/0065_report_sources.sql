-- Ingest-time rollups of the report's traffic sources (report/report_sources.go), so the report
-- no longer scans every enter and order event of the span for them. Same pattern and invariant
-- as 0031: each table is filled by a MATERIALIZED VIEW … TO on events, created BEFORE the
-- backfill, so every row ever inserted into events is in them at least once (a row inserted
-- while this migration runs may be counted twice, never missed). The report takes a minute's
-- source counts from report_source_minutes only when that minute is proven copy-free (as for
-- report_minutes) AND its source counts add up to report_minutes' entries of that minute; any
-- other minute is recounted from events by id.

-- Per (minute, source) enter rows inserted (source '' = not given).
CREATE TABLE IF NOT EXISTS report_source_minutes (
    shop   String,
    room   String,
    minute DateTime('UTC'),
    source String,
    rows   UInt64
) ENGINE = SummingMergeTree(rows)
PARTITION BY toYYYYMM(minute)
ORDER BY (shop, room, minute, source);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_source_minutes_mv TO report_source_minutes AS
SELECT shop, room, toStartOfMinute(ts) AS minute, source, count() AS rows
FROM events
WHERE type = 'enter'
GROUP BY shop, room, minute, source;

-- The order events that name a source (any status: the source may ride on the created event
-- only), copies included: the report takes one source per order id.
CREATE TABLE IF NOT EXISTS report_order_sources (
    shop     String,
    room     String,
    ts       DateTime('UTC'),
    order_id String,
    source   String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (shop, room, ts);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_order_sources_mv TO report_order_sources AS
SELECT shop, room, ts, order_id, source
FROM events
WHERE type = 'order' AND source != '';

-- Backfill: the rows stored before the views existed (runs once, with this migration).
INSERT INTO report_source_minutes (shop, room, minute, source, rows)
SELECT shop, room, toStartOfMinute(ts) AS minute, source, count()
FROM events
WHERE type = 'enter'
GROUP BY shop, room, minute, source;

INSERT INTO report_order_sources (shop, room, ts, order_id, source)
SELECT shop, room, ts, order_id, source
FROM events
WHERE type = 'order' AND source != '';
