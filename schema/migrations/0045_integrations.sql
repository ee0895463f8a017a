-- A shop's connections to the selling platforms (platform package): one row per (shop,
-- platform); an edit or a removal writes a newer version (read with FINAL). secret is the app
-- secret sealed with AES-GCM under a key derived from the server secret "integrations"; it is
-- never shown again.
CREATE TABLE IF NOT EXISTS integrations (
    shop     String,
    platform String,
    app_key  String,
    secret   String,
    api_url  String,
    removed  UInt8,
    updated  DateTime('UTC'),
    by_user  String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, platform);
