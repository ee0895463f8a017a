-- Console logins. One row per (shop, name); a change (password, role, disable) writes a newer
-- version, so readers use FINAL. Only bcrypt hashes are stored, never passwords.
CREATE TABLE IF NOT EXISTS users (
    shop      String,
    name      String,
    role      String,
    hash      String,
    disabled  UInt8,
    created   DateTime('UTC'),
    updated   DateTime('UTC'),
    version   UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, name);
