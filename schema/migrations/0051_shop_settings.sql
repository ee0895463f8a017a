-- A shop's own time zone (IANA name) and currency (ISO 4217 code), package shops. One current
-- row per shop, the newest version wins (read with FINAL); a shop without a row uses the server
-- default zone (LIVEDESK_TZ) and CNY.
CREATE TABLE IF NOT EXISTS shop_settings (
    shop     String,
    tz       String,
    currency String,
    updated  DateTime('UTC'),
    by_user  String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY shop
