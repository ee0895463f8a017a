-- The product catalog, one row per (shop, product). Prices are integer fen; list_price 0 = none.
-- An edit or removal writes a whole new row with a higher version (deleted = 1 hides it); read
-- with FINAL. Stock lives in product_stock so a stock event never races with an edit of the text.
CREATE TABLE IF NOT EXISTS products (
    shop        String,
    id          String,
    title       String,
    price       Int64,
    list_price  Int64,
    image       String,
    tag         String,
    points      Array(String),
    script      String,
    deleted     UInt8,
    updated     DateTime('UTC'),
    version     UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, id)
