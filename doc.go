// Package livedesk is the vocabulary every other package shares, and depends on nothing but the
// standard library: error kinds, money in fen, ratios and the metric definitions, comment topics,
// identifiers and the Redis hash tags that keep a room's keys in one cluster slot.
//
// Each definition here has exactly one owner: a package that needs a CTR, a yuan amount, a
// not-found error or a topic label uses these, never a copy. See ARCHITECTURE.md.
package livedesk
