-- Stream sessions (开播 … 下播), one row per session; every change (start, end) writes a newer
-- version, read with FINAL. ended is 1970-01-01 00:00:00 while the session is live. auto = 1 when
-- the first live event started it; ended_by says how it ended: operator, quiet (no live event for
-- the room's quiet period) or "" while live.
CREATE TABLE IF NOT EXISTS stream_sessions (
    shop      String,
    room      String,
    id        String,
    started   DateTime('UTC'),
    ended     DateTime('UTC'),
    auto      UInt8,
    ended_by  String,
    version   UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, room, id);
