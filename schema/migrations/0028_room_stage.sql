-- What the prompter of a room shows (pinned product, flash sale, latest cue and its
-- acknowledgement), as the JSON the hub publishes. One row per action; the newest version wins
-- (read with FINAL), so the stage survives a restart. The actions themselves are events.
CREATE TABLE IF NOT EXISTS room_stage (
    shop     String,
    room     String,
    body     String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, room)
