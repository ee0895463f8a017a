// Package api is the documented JSON API under /api/v1 (beside ingest's POST /api/v1/events):
// everything the console shows and does, for bots, scripts and BI tools, described by the
// OpenAPI document it serves at /api/v1/openapi.json (openapi.yaml, checked against real
// responses in the tests).
//
// Every call is authenticated by a Bearer API key of a scope (livedesk.Scope*) or by a login
// session (with the CSRF header for writes, the user's role mapped to a scope) and scoped to that
// one shop: another shop's room, session or product is not found. It handles HTTP only; the
// services it calls come in through Server's fields.
package api
