-- Per shop, per job settings (jobs package). One row per (shop, job); an edit writes a newer
-- version. params is a JSON object of the job's editable thresholds (string values); a missing
-- row or key means the job's default. job = "notify" holds the shop's outbound webhook.
CREATE TABLE IF NOT EXISTS job_settings (
    shop     String,
    job      String,
    enabled  UInt8,
    schedule String,
    params   String,
    updated  DateTime('UTC'),
    by_user  String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, job);

-- One row per job run, written at start (status running) and again at the end with a newer
-- version (ok or error). found = items the job found; opened/closed = tasks it opened/closed.
CREATE TABLE IF NOT EXISTS job_runs (
    shop     String,
    job      String,
    id       String,
    started  DateTime('UTC'),
    ended    DateTime('UTC'),
    status   String,
    trigger  String,
    found    UInt32,
    opened   UInt32,
    closed   UInt32,
    summary  String,
    error    String,
    version  UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(started)
ORDER BY (shop, job, started, id);

-- Tasks the jobs raise for people. id is derived from (type, subject kind, subject id), so one
-- subject has at most one task of a type: a job re-run updates it instead of adding another.
-- status: open, snoozed, done. closed_by: "auto" when the condition cleared, else the user.
-- cleared = 1 once the condition is known to be gone (a done task whose condition returns reopens).
CREATE TABLE IF NOT EXISTS tasks (
    shop          String,
    id            String,
    type          String,
    subject_kind  String,
    subject_id    String,
    severity      String,
    role          String,
    title         String,
    title_en      String,
    detail        String,
    due           DateTime('UTC'),
    status        String,
    snoozed_until DateTime('UTC'),
    closed_by     String,
    cleared       UInt8,
    created       DateTime('UTC'),
    updated       DateTime('UTC'),
    version       UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (shop, id);
