-- Live-engine settings per room (thresholds and windows of the rules, session start and end).
-- Newest version wins, read with FINAL. A room without a row uses the defaults of live.Settings.
CREATE TABLE IF NOT EXISTS room_settings (
    shop             String,
    room             String,
    auto_start       UInt8,
    quiet_s          UInt32,
    window_s         UInt32,
    no_sale_clicks   UInt32,
    online_drop_pct  UInt32,
    target_roi_milli UInt32,
    low_stock        UInt32,
    version          UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, room);
