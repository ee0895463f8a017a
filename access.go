package livedesk

// API key scopes. read ⊂ operate ⊂ admin: read reads everything of its shop, operate also drives
// the stream (sessions, stage actions, flag responses, tasks), admin also changes settings,
// rules, products, jobs and integrations. ingest posts events only; admin may post events too.
const (
	ScopeIngest  = "ingest"
	ScopeRead    = "read"
	ScopeOperate = "operate"
	ScopeAdmin   = "admin"
)

// Scopes lists the scopes, ingest first (the default of a new key).
var Scopes = []string{ScopeIngest, ScopeRead, ScopeOperate, ScopeAdmin}

var scopeRank = map[string]int{ScopeRead: 1, ScopeOperate: 2, ScopeAdmin: 3}

// ValidScope reports whether s is a scope.
func ValidScope(s string) bool { return s == ScopeIngest || scopeRank[s] > 0 }

// ScopeAllows reports whether a caller holding scope have may do what needs scope need.
func ScopeAllows(have, need string) bool {
	if need == ScopeIngest {
		return have == ScopeIngest || have == ScopeAdmin
	}
	return scopeRank[have] > 0 && scopeRank[have] >= scopeRank[need]
}
