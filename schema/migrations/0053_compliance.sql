-- Compliance (compliance package). banned_words: a shop's edits to the built-in 广告法 word list,
-- one row per (shop, word), removed = 1 turns a built-in word off (or deletes an added one).
CREATE TABLE IF NOT EXISTS banned_words (
    shop     String,
    word     String,
    removed  UInt8,
    updated  DateTime('UTC'),
    by_user  String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, word);

-- Qualification documents (食品经营许可证, 品牌授权…) with their expiry date; removed = 1 deletes.
CREATE TABLE IF NOT EXISTS qualifications (
    shop     String,
    id       String,
    name     String,
    number   String,
    expires  Date,
    removed  UInt8,
    updated  DateTime('UTC'),
    by_user  String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, id)
