-- Server secrets shared by every instance (the session-cookie and CSRF signing key). The first
-- instance creates the row under a Redis lock; the oldest row of a name wins, so two writers that
-- raced would still agree. Losing Redis loses nothing: the secret lives here.
CREATE TABLE IF NOT EXISTS auth_secrets (
    name     String,
    secret   String,
    created  DateTime('UTC'),
    nonce    UInt64
) ENGINE = MergeTree()
ORDER BY (name, created, nonce);
