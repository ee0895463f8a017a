-- Logged-out sessions, until they would have expired: Redis holds them for every request's
-- check, this table lets a Redis that lost them (restart without persistence) get them back.
CREATE TABLE IF NOT EXISTS session_revocations (
    shop   String,
    id     String,
    until  DateTime('UTC')
) ENGINE = MergeTree
ORDER BY (shop, id)
