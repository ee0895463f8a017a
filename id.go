package livedesk

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxIDLen is the longest shop, room, product or user identifier, in bytes.
const MaxIDLen = 64

// ValidID checks a shop or room identifier: 1–64 characters of ASCII letters, digits, '-', '_'
// or '.'. It is the one rule for identifiers that appear in URLs, Redis keys and file names.
func ValidID(s string) error { return validIdent(s, "id", "-_.") }

// MaxRoomRunes is the longest room id, in characters.
const MaxRoomRunes = 64

// ValidRoom is the one rule for room ids, at ingest, in URLs, in Redis keys and on pages: 1–64
// characters of letters and digits of any script (直播间1 is a room), '-', '_' and '.'; not only
// dots. Nothing that means something in a path or a URL ('/', '\\', '?', '#', '%', spaces),
// and no control character, so a room can never name another page ("../../jobs").
func ValidRoom(s string) error {
	if s == "" || utf8.RuneCountInString(s) > MaxRoomRunes || !utf8.ValidString(s) {
		return Errorf(EINVALID, "room %q must be 1 to %d characters", s, MaxRoomRunes)
	}
	dots := 0
	for _, r := range s {
		switch {
		case r == '.':
			dots++
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
		default:
			return Errorf(EINVALID, "room %q may hold only letters, digits, '-', '_' and '.'", s)
		}
	}
	if dots == len(s) {
		return Errorf(EINVALID, "room %q must not be only dots", s)
	}
	return nil
}

// ValidUserName checks a user name: ValidID's characters and '@'.
func ValidUserName(s string) error { return validIdent(s, "user name", "-_.@") }

func validIdent(s, what, extra string) error {
	if s == "" || len(s) > MaxIDLen {
		return Errorf(EINVALID, "%s %q must be 1 to 64 characters", what, s)
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)) {
			return Errorf(EINVALID, "%s %q may hold only letters, digits and %s", what, s, quoteRunes(extra))
		}
	}
	return nil
}

func quoteRunes(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + string(r) + "'")
	}
	return b.String()
}

// RoomTag is the Redis hash tag of a room: every key of one room carries it, so the room's keys
// share a Redis Cluster slot and can be read together (PFCOUNT over many keys, pipelines,
// scripts).
func RoomTag(shop, room string) string { return "{" + shop + ":" + room + "}" }

// ShopTag is the Redis hash tag of a shop's keys.
func ShopTag(shop string) string { return "{" + shop + "}" }
