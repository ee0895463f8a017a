-- API keys for the ingest API. Only the SHA-256 of a key is stored. One key belongs to one shop.
-- A revoke writes a newer version with revoked = 1; read with FINAL.
CREATE TABLE IF NOT EXISTS api_keys (
    hash     String,
    prefix   String,
    shop     String,
    name     String,
    created  DateTime('UTC'),
    revoked  UInt8,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY hash
