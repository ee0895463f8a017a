package platform

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/livedesk/livedesk/ingest"
)

// Live-room relays: the open-source programs sellers run to read a room's feed (Douyin, TikTok
// LIVE) forward each message as one JSON line. ParseRelayLine recognises the shapes described in
// ../shared/notes/platform-adapters.md §3 and maps them onto livedesk events:
//
//	chat/comment → comment, member → enter (+ online from its member count), like → like (one
//	event per like of the burst), social → follow or share, room-user counts → online.
//
// Gifts, control messages and every other recognised message have no livedesk event type: they
// come back as Raw (the caller counts them and stores them in relay_messages). A line of no
// known shape is an error naming why. There is no leave message in any relay.

// Relay platforms (the {platform} of /api/v1/relay/{platform}).
const (
	RelayDouyin = "douyin"
	RelayTikTok = "tiktok"
)

// ValidRelay reports whether p is a relay platform.
func ValidRelay(p string) bool { return p == RelayDouyin || p == RelayTikTok }

// Limits of one relay line's mapping.
const (
	maxRelayText  = 4000 // a comment's text (runes beyond are cut)
	maxRelayLikes = 500  // like events made from one burst
	maxRelayRaw   = 16 << 10
	maxRelayNick  = 64 // runes of a nickname kept
)

// RelayMessage is one relay line mapped. Kind is the message's method or event name (what it is
// counted as); Events is what it becomes (empty for a raw message); Raw is set for a recognised
// message livedesk has no event for (a gift, a control message), kept as received.
type RelayMessage struct {
	Kind   string
	ID     string // the message's identity: "dy:<msg id>" or "tt:<msg id>" (see relayID)
	TS     time.Time
	Events []ingest.Event
	Raw    bool
	Line   []byte // the line, for Raw messages
}

// relayMsg is what a shape decoder gives the mapper: the message with its parts found.
type relayMsg struct {
	kind   string // canonical: chat, member, like, social, follow, share, online, or the raw method
	method string // as the relay named it
	msgID  string
	exact  bool // msgID is the message's own id, not rounded by a float producer
	ts     time.Time
	user   relayUser
	text   string
	count  int64 // like: the burst; online: the gauge; member: the member count
	share  int   // social: 1 follow, 2 share, 0 unknown (follow)
}

type relayUser struct {
	id, nick string
}

// errUnknownShape is a line that is JSON but matches no relay shape.
var errUnknownShape = errors.New("no known relay shape: expected a Douyin message with method (protojson, snake_case common.method, {method, msg_id, payload} or dycast) or a TikTok LIVE event (chat, member, like, social, follow, share, roomUser)")

// ParseRelayLine maps one relay line of platform for shop and room. received stands in for a
// message without a usable time. The error says, in English, why the line was not taken.
func ParseRelayLine(platform, shop, room string, line []byte, received time.Time) (RelayMessage, error) {
	line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte("\ufeff")))
	if len(line) == 0 {
		return RelayMessage{}, errors.New("empty line")
	}
	var m relayMsg
	var err error
	switch platform {
	case RelayDouyin:
		m, err = decodeDouyin(line)
	case RelayTikTok:
		m, err = decodeTikTok(line)
	default:
		return RelayMessage{}, fmt.Errorf("unknown relay platform %q: douyin or tiktok", platform)
	}
	if err != nil {
		return RelayMessage{}, err
	}
	return mapRelay(platform, shop, room, line, m, received), nil
}

// prefix of event ids by platform.
func relayPrefix(platform string) string {
	if platform == RelayTikTok {
		return "tt:"
	}
	return "dy:"
}

// mapRelay turns a decoded message into events.
func mapRelay(platform, shop, room string, line []byte, m relayMsg, received time.Time) RelayMessage {
	ts := m.ts
	if ts.IsZero() || ts.Before(relayEarliest) || ts.After(received.Add(time.Hour)) {
		ts = received
	}
	ts = ts.UTC().Truncate(time.Millisecond)
	id := relayPrefix(platform) + relayID(m, line)
	out := RelayMessage{Kind: m.method, ID: id, TS: ts}
	if out.Kind == "" {
		out.Kind = m.kind
	}
	extra := relayExtra(platform, m)
	ev := func(typ, suffix string) ingest.Event {
		return ingest.Event{Shop: shop, ID: id + suffix, Type: typ, TS: ts, Received: received.UTC(), Room: room,
			User: m.user.id, Extra: extra}
	}
	switch m.kind {
	case "chat":
		text := cutRunes(strings.TrimSpace(m.text), maxRelayText)
		if text == "" {
			out.Raw, out.Line = true, line // an emoji-only or empty chat: nothing to read
			return out
		}
		e := ev(ingest.TypeComment, "")
		e.Text = text
		out.Events = append(out.Events, e)
	case "member":
		e := ev(ingest.TypeEnter, "")
		if e.User == "" {
			e.User = "anon:" + id // an entry whose viewer the relay masked: one entry, one viewer
		}
		out.Events = append(out.Events, e)
		if m.count > 0 {
			o := ev(ingest.TypeOnline, ":online")
			o.User, o.Value = "", m.count
			out.Events = append(out.Events, o)
		}
	case "like":
		n := m.count
		if n < 1 {
			n = 1
		}
		if n > maxRelayLikes {
			n = maxRelayLikes
		}
		for i := int64(0); i < n; i++ {
			suffix := ""
			if i > 0 {
				suffix = ":" + strconv.FormatInt(i, 10)
			}
			out.Events = append(out.Events, ev(ingest.TypeLike, suffix))
		}
	case "follow", "share", "social":
		typ := ingest.TypeFollow
		if m.kind == "share" || m.share == 2 {
			typ = ingest.TypeShare
		}
		out.Events = append(out.Events, ev(typ, ""))
	case "online":
		if m.count < 0 {
			out.Raw, out.Line = true, line
			return out
		}
		e := ev(ingest.TypeOnline, "")
		e.User, e.Value = "", m.count
		out.Events = append(out.Events, e)
	default:
		out.Raw, out.Line = true, line
	}
	return out
}

var relayEarliest = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)

// relayID is the message's identity. An exact message id is used as it is, so a relay that
// reconnects and resends counts each message once. An id a float64 producer has rounded
// (…205700) may be shared by several messages: it is kept, followed by a digest of the line
// without its id fields, so a resent line is still the same id and two different messages under
// one rounded id stay two. A message without any id is its digest.
func relayID(m relayMsg, line []byte) string {
	if m.msgID != "" && m.exact {
		return m.msgID
	}
	sum := sha256.Sum256([]byte(m.kind + "\x00" + m.method + "\x00" + m.user.id + "\x00" + m.text + "\x00" +
		strconv.FormatInt(m.ts.UnixMilli(), 10) + "\x00" + strconv.FormatInt(m.count, 10)))
	if m.user.id == "" && m.text == "" && m.ts.IsZero() && m.count == 0 {
		sum = sha256.Sum256(line) // nothing to tell it by but its bytes
	}
	d := hex.EncodeToString(sum[:8])
	if m.msgID != "" {
		return m.msgID + "~" + d
	}
	return "h" + d
}

// relayExtra is the event's extra: where it came from and the viewer's nickname (shown escaped
// on the pages; never used as an id).
func relayExtra(platform string, m relayMsg) string {
	x := map[string]string{"src": "relay", "platform": platform, "method": cutRunes(m.method, 64)}
	if m.user.nick != "" {
		x["nickname"] = cutRunes(m.user.nick, maxRelayNick)
	}
	if m.msgID != "" && !m.exact {
		x["msg_id_rounded"] = m.msgID
	}
	b, _ := json.Marshal(x)
	return string(b)
}

// Nickname returns the relay nickname stored in an event's Extra, "" when none.
func Nickname(extra string) string {
	if !strings.Contains(extra, `"nickname"`) {
		return ""
	}
	var x struct {
		Nickname string `json:"nickname"`
	}
	_ = json.Unmarshal([]byte(extra), &x)
	return x.Nickname
}

func cutRunes(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}

// --- generic access to a decoded JSON object -------------------------------------------------

type jobj = map[string]any

// decodeObject decodes line as one JSON object, numbers kept as json.Number.
func decodeObject(line []byte) (jobj, error) {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %s", shortJSONErr(err))
	}
	if d.More() {
		return nil, errors.New("invalid JSON: more than one value on the line")
	}
	o, ok := v.(jobj)
	if !ok {
		return nil, errors.New("a relay message must be a JSON object")
	}
	return o, nil
}

func shortJSONErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// field returns the first of keys present in o (camelCase and snake_case spellings).
func jfield(o jobj, keys ...string) any {
	if o == nil {
		return nil
	}
	for _, k := range keys {
		if v, ok := o[k]; ok && v != nil {
			return v
		}
	}
	return nil
}

func jobjField(o jobj, keys ...string) jobj {
	v, _ := jfield(o, keys...).(jobj)
	return v
}

// strField returns a string or a number's literal.
func jstr(o jobj, keys ...string) string {
	switch v := jfield(o, keys...).(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return ""
}

// jint returns an integer given as a number or a decimal string; ok is false otherwise.
func jint(o jobj, keys ...string) (int64, bool) {
	s := strings.TrimSpace(jstr(o, keys...))
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -9e18 && f <= 9e18 {
		return int64(f), true
	}
	return 0, false
}

// jid reads a 64-bit id kept as a string. exact is false when the value cannot be the
// producer's own id: a JSON number beyond 2^53 written with an exponent, a fraction or trailing
// zeros (what a float64 producer makes of …633933), or a string in such a form.
func jid(o jobj, keys ...string) (id string, exact bool) {
	v := jfield(o, keys...)
	var s string
	isNum := false
	switch x := v.(type) {
	case string:
		s = strings.TrimSpace(x)
	case json.Number:
		s, isNum = x.String(), true
	default:
		return "", false
	}
	if s == "" || s == "0" {
		return "", false
	}
	if len(s) > 64 { // no platform id is this long: a digest tells such messages apart
		return s[:64], false
	}
	if allDigits(s) {
		if !isNum || len(s) < 16 {
			return s, true
		}
		n, ok := new(big.Int).SetString(s, 10)
		if ok && n.Cmp(big.NewInt(1<<53)) <= 0 {
			return s, true
		}
		return s, !strings.HasSuffix(s, "00") // an exact int64 producer rarely ends in 00; a float64 one nearly always does
	}
	if !decimalNumber(s) {
		return s, true // an opaque string id (sec_uid-like): as it is
	}
	if f, ok := new(big.Float).SetString(s); ok && f.Sign() > 0 {
		n, _ := f.Int(nil)
		if d := n.String(); len(d) <= 64 {
			return d, false
		}
		return s, false
	}
	return s, true // an opaque string id (sec_uid-like): as it is
}

// decimalNumber reports whether s is a decimal number small enough to expand: an optional sign,
// digits with at most one point, and at most a three-digit exponent ("6.9226e+18"), 64 bytes at
// most. It guards every big-number parse of outside input: "60e22721617" is a valid float to
// math/big, and expanding it to an integer took 30 s of CPU for one relay line.
func decimalNumber(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits, point := 0, false
	for ; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			digits++
		case s[i] == '.' && !point:
			point = true
		default:
			return false
		}
	}
	if digits == 0 {
		return false
	}
	if i == len(s) {
		return true
	}
	exp := s[i+1:]
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		exp = exp[1:]
	}
	return len(exp) >= 1 && len(exp) <= 3 && allDigits(exp)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// relayTime reads a unix time in seconds or milliseconds (number or string) or RFC 3339.
func relayTime(o jobj, keys ...string) time.Time {
	s := strings.TrimSpace(jstr(o, keys...))
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n > 1e14: // microseconds
			return time.UnixMicro(n).UTC()
		case n > 1e11:
			return time.UnixMilli(n).UTC()
		case n > 0:
			return time.Unix(n, 0).UTC()
		}
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

// userOf reads a relay user object: the id (exact numeric id, else sec_uid, else the display
// id, else the rounded numeric id) and the nickname.
func userOf(u jobj) relayUser {
	if u == nil {
		return relayUser{}
	}
	var out relayUser
	out.nick = strings.TrimSpace(jstr(u, "nickname", "nickName", "name"))
	id, exact := jid(u, "id", "idStr", "id_str", "uid", "userId", "user_id")
	if id != "" && exact {
		out.id = id
	} else if sec := jstr(u, "secUid", "sec_uid"); sec != "" {
		out.id = sec
	} else if d := jstr(u, "uniqueId", "unique_id", "displayId", "display_id", "shortId", "short_id"); d != "" {
		out.id = d
	} else {
		out.id = id
	}
	out.id = cutRunes(out.id, 128)
	return out
}
