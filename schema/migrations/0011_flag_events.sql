-- The lifecycle of live flags, one row per change: action is raised, acknowledged, snoozed,
-- responded (detail = the response key) or cleared. flag is the flag id (stable while the flag is
-- active), session the stream session it belongs to ("" when the room was idle). detail is a JSON
-- object of the numbers that fired the rule, or the response chosen. Append-only.
CREATE TABLE IF NOT EXISTS flag_events (
    shop     String,
    room     String,
    session  String,
    flag     String,
    rule     String,
    product  String,
    action   String,
    ts       DateTime('UTC'),
    ts_ms    UInt16,
    detail   String,
    actor    String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(ts)
ORDER BY (shop, room, ts, flag);
