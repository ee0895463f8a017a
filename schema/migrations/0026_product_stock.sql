-- Stock left per (shop, product): written by the products page, imports and `stock` events
-- (one batch per ingest batch). version = UnixNano of when the value was true (the event's ts,
-- or the edit time), so a late old event never overwrites a newer value. Read with FINAL.
CREATE TABLE IF NOT EXISTS product_stock (
    shop     String,
    product  String,
    stock    Int64,
    updated  DateTime('UTC'),
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, product)
