-- Platform access tokens (platform package). Order-detail calls need the shop's access token:
-- 抖店 self-use apps create it with token.create for the platform shop id (shop_id); TikTok
-- Shop tokens come from the seller's authorization, given by the operator, and shop_cipher
-- addresses cross-border shops; auth_url overrides TikTok's token endpoint (tests, regions).
ALTER TABLE integrations ADD COLUMN shop_id String DEFAULT '';
ALTER TABLE integrations ADD COLUMN shop_cipher String DEFAULT '';
ALTER TABLE integrations ADD COLUMN auth_url String DEFAULT '';
-- One row per (shop, platform), the newest version wins (read with FINAL): the access and
-- refresh tokens sealed like the app secret, and when the access token expires (zero: unknown).
CREATE TABLE IF NOT EXISTS integration_tokens (
    shop     String,
    platform String,
    access   String,
    refresh  String,
    expires  DateTime('UTC'),
    updated  DateTime('UTC'),
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, platform);
