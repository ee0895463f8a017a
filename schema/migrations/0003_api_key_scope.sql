-- What an API key may do (livedesk.Scopes): keys made before scopes existed post events only.
ALTER TABLE api_keys ADD COLUMN scope String DEFAULT 'ingest'
