-- Traffic source of enter and order events (livedesk.Sources: feed, video, follow, search, paid,
-- shop, other; '' = not given). Written by ingest; read by the control room's source shares, the
-- report and the recaps. 18.16 has no ADD COLUMN IF NOT EXISTS: the migration log runs it once.
ALTER TABLE events ADD COLUMN source String DEFAULT ''
