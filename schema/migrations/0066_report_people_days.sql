-- The funnel's people by day (report/report_rollup_people.go): one row per (type, UTC day, user)
-- with a bit per hour of the day the user had an enter, impression or click event. A report reads
-- its whole hours from here — one row per user and day instead of one per user and hour — and
-- only its partial hours from report_people's minute bits (0031), so the distinct-user sets are
-- fed a fraction of the rows. Exact like report_people: copies only set a bit again. Same
-- pattern as 0031: the view is created BEFORE the backfill, so every row ever inserted into
-- events is in it at least once.
CREATE TABLE IF NOT EXISTS report_people_days (
    shop  String,
    room  String,
    type  String,
    day   Date,
    user  String,
    hours AggregateFunction(groupBitOr, UInt64)
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (shop, room, type, day, user);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_people_days_mv TO report_people_days AS
SELECT shop, room, type, toDate(ts) AS day, user,
    groupBitOrState(bitShiftLeft(toUInt64(1), toHour(ts))) AS hours
FROM events
WHERE type IN ('enter', 'impression', 'click') AND user != ''
GROUP BY shop, room, type, day, user;

-- Backfill: the rows stored before the view existed (runs once, with this migration), from
-- report_people's scope-0 rows rather than events: since 0031 every such events row is there at
-- least once with its hour (its view, then its backfill), and it is a fraction of the rows, so
-- the migration stays short on a big events table.
INSERT INTO report_people_days (shop, room, type, day, user, hours)
SELECT shop, room, type, toDate(hour) AS day, user,
    groupBitOrState(bitShiftLeft(toUInt64(1), toHour(hour)))
FROM report_people
WHERE scope = 0
GROUP BY shop, room, type, day, user;
