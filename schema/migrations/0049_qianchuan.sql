-- 巨量千川 integrations (platform package, qianchuan.go): the advertiser account and the Douyin
-- account (aweme) whose live report is polled, and the livedesk room the spend belongs to ('' =
-- the shop's live room). The access token is sealed in integration_tokens like the others.
ALTER TABLE integrations ADD COLUMN advertiser_id String DEFAULT '';
ALTER TABLE integrations ADD COLUMN aweme_id String DEFAULT '';
ALTER TABLE integrations ADD COLUMN room String DEFAULT '';
