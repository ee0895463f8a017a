-- Live rules as data (live.Rule), per room; room '' holds the shop's defaults (room ids are never
-- empty). rules is the JSON array of the rule set. Newest version wins, read with FINAL. A room
-- without a row uses the shop's row, and a shop without one live.DefaultRules.
CREATE TABLE IF NOT EXISTS room_rules (
    shop     String,
    room     String,
    rules    String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, room);

-- Who changed a room's (or, room '', the shop's default) live settings or rules, when, and the
-- whole JSON before and after. kind is 'settings' or 'rules'. Append-only.
CREATE TABLE IF NOT EXISTS live_config_changes (
    shop    String,
    room    String,
    kind    String,
    at      DateTime('UTC'),
    at_ms   UInt16,
    actor   String,
    before  String,
    after   String
) ENGINE = MergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (shop, room, at);
