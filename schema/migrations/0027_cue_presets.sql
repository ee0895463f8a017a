-- The one-tap cues of a shop, in order. The whole list is rewritten on each edit (new version);
-- read with FINAL. No row = the built-in defaults.
CREATE TABLE IF NOT EXISTS cue_presets (
    shop     String,
    cues     Array(String),
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY shop
