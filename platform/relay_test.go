package platform

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

var relayNow = time.Date(2023, 10, 20, 13, 0, 0, 0, time.UTC)

// mapped describes one line's mapping: the event types (in order), or "raw:<kind>".
func mapped(m RelayMessage) string {
	if m.Raw {
		return "raw:" + m.Kind
	}
	var ts []string
	for _, e := range m.Events {
		ts = append(ts, e.Type)
	}
	return strings.Join(ts, "+")
}

func readFixture(t *testing.T, name string) [][]byte {
	t.Helper()
	b, err := os.ReadFile("testdata/relay/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

func TestRelayShapes(t *testing.T) {
	for _, c := range []struct {
		file, platform string
		want           []string
	}{
		{"douyin_protojson.ndjson", RelayDouyin, []string{"comment", "enter+online", "enter+online", "like+like+like", "follow", "share",
			"online", "raw:WebcastGiftMessage", "raw:WebcastControlMessage", "raw:system:live_status"}},
		{"douyin_snake.ndjson", RelayDouyin, []string{"comment", "enter+online", strings.TrimSuffix(strings.Repeat("like+", 15), "+"),
			"follow", "online", "raw:WebcastFansclubMessage"}},
		{"douyin_envelope.ndjson", RelayDouyin, []string{"comment", "comment", "comment", "enter+online", "like+like", "follow", "raw:WebcastGiftMessage"}},
		{"douyin_dycast.ndjson", RelayDouyin, []string{"comment", "enter+online", "like+like+like+like", "follow", "online", "raw:WebcastGiftMessage"}},
		{"tiktok.ndjson", RelayTikTok, []string{"comment", "comment", "enter+online", "like+like+like+like+like", "follow", "share", "follow",
			"share", "online", "raw:gift", "raw:streamEnd"}},
	} {
		lines := readFixture(t, c.file)
		if len(lines) != len(c.want) {
			t.Fatalf("%s: %d lines, want %d", c.file, len(lines), len(c.want))
		}
		ids := map[string]int{}
		for i, line := range lines {
			m, err := ParseRelayLine(c.platform, "shop1", "room1", line, relayNow)
			if err != nil {
				t.Fatalf("%s line %d: %v", c.file, i+1, err)
			}
			if got := mapped(m); got != c.want[i] {
				t.Errorf("%s line %d: %s, want %s", c.file, i+1, got, c.want[i])
			}
			if prev, ok := ids[m.ID]; ok {
				t.Errorf("%s line %d: id %s already used by line %d", c.file, i+1, m.ID, prev)
			}
			ids[m.ID] = i + 1
			for _, e := range m.Events {
				if e.Shop != "shop1" || e.Room != "room1" || e.ID == "" || e.TS.IsZero() || e.TS.After(relayNow.Add(time.Hour)) {
					t.Errorf("%s line %d: bad event %+v", c.file, i+1, e)
				}
				if e.Type == ingest.TypeEnter && e.User == "" {
					t.Errorf("%s line %d: enter without a user", c.file, i+1)
				}
				if e.Type == ingest.TypeComment && Nickname(e.Extra) == "" {
					t.Errorf("%s line %d: comment without its nickname: %s", c.file, i+1, e.Extra)
				}
			}
		}
	}
}

func TestRelayFields(t *testing.T) {
	lines := readFixture(t, "douyin_protojson.ndjson")
	m, _ := ParseRelayLine(RelayDouyin, "s", "r", lines[0], relayNow)
	e := m.Events[0]
	if e.ID != "dy:7292026903731442726" || e.User != "3685175470864206" || e.Text != "23号大衣还有吗" ||
		!e.TS.Equal(time.UnixMilli(1697807324512).UTC()) || Nickname(e.Extra) != "<b>招商小王</b>" {
		t.Errorf("protojson chat: %+v", e)
	}
	m, _ = ParseRelayLine(RelayDouyin, "s", "r", lines[1], relayNow)
	if m.Events[1].Value != 1532 || m.Events[0].User != "96218845532" {
		t.Errorf("member: %+v", m.Events)
	}
	// A member the relay masked still counts as an entry (of an anonymous viewer).
	m, _ = ParseRelayLine(RelayDouyin, "s", "r", lines[2], relayNow)
	if !strings.HasPrefix(m.Events[0].User, "anon:") {
		t.Errorf("masked member: %+v", m.Events[0])
	}
	m, _ = ParseRelayLine(RelayDouyin, "s", "r", lines[6], relayNow)
	if m.Events[0].Value != 1534 {
		t.Errorf("room user seq: %+v", m.Events[0])
	}
	tt := readFixture(t, "tiktok.ndjson")
	m, _ = ParseRelayLine(RelayTikTok, "s", "r", tt[0], relayNow)
	if e := m.Events[0]; e.ID != "tt:7301234567890123456" || e.User != "6506646277295882242" || e.Text != "how much is link 3?" || Nickname(e.Extra) != "Shîñ <3" {
		t.Errorf("tiktok chat: %+v", e)
	}
	m, _ = ParseRelayLine(RelayTikTok, "s", "r", tt[8], relayNow)
	if m.Events[0].Value != 1510 {
		t.Errorf("roomUser: %+v", m.Events[0])
	}
}

// Ids beyond 2^53 stay strings; ids a float64 producer rounded (…837000) are told apart by the
// message, and a resent line keeps its id.
func TestRelayPrecisionDamagedIDs(t *testing.T) {
	lines := readFixture(t, "douyin_envelope.ndjson")
	a, _ := ParseRelayLine(RelayDouyin, "s", "r", lines[0], relayNow)
	if a.ID != "dy:6922636320099633933" || a.Events[0].User != "60722721614" {
		t.Errorf("exact big id: %s user %s", a.ID, a.Events[0].User)
	}
	b, _ := ParseRelayLine(RelayDouyin, "s", "r", lines[1], relayNow)
	c, _ := ParseRelayLine(RelayDouyin, "s", "r", lines[2], relayNow)
	if b.ID == c.ID || !strings.HasPrefix(b.ID, "dy:6922636320099837000~") {
		t.Errorf("rounded ids: %s and %s", b.ID, c.ID)
	}
	b2, _ := ParseRelayLine(RelayDouyin, "s", "r", lines[1], relayNow.Add(time.Minute))
	if b2.ID != b.ID {
		t.Errorf("resent rounded line: %s then %s", b.ID, b2.ID)
	}
	if !strings.Contains(b.Events[0].Extra, "msg_id_rounded") {
		t.Errorf("extra does not say the id was rounded: %s", b.Events[0].Extra)
	}
	// Exponent form (a producer that printed the float): still one id, kept as digits.
	e, err := ParseRelayLine(RelayDouyin, "s", "r", []byte(`{"method":"WebcastChatMessage","msg_id":6.922636320099837e18,"payload":{"content":"有S码吗","user":{"uid":1,"nickname":"x"}}}`), relayNow)
	if err != nil || !strings.HasPrefix(e.ID, "dy:6922636320099837") || strings.Contains(e.ID, "e") && !strings.Contains(e.ID, "~") {
		t.Errorf("exponent id: %s %v", e.ID, err)
	}
}

func TestRelayRejects(t *testing.T) {
	for _, c := range []struct{ platform, line, want string }{
		{RelayDouyin, `{bad json`, "invalid JSON"},
		{RelayDouyin, `[1,2]`, "must be a JSON object"},
		{RelayDouyin, `{"hello":"world"}`, "no known relay shape"},
		{RelayDouyin, `{"common":{"msgId":"1"},"content":"x"}`, "no known relay shape"},
		{RelayDouyin, `{"a":1} {"b":2}`, "more than one value"},
		{RelayTikTok, `{"data":{"comment":"hi"}}`, "no known relay shape"},
		{RelayTikTok, `hello world`, "no known relay shape"},
		{RelayTikTok, `chat{"comment":`, "invalid JSON"},
		{"kuaishou", `{}`, "unknown relay platform"},
	} {
		_, err := ParseRelayLine(c.platform, "s", "r", []byte(c.line), relayNow)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: %v, want %q", c.platform, c.line, err, c.want)
		}
	}
}

// decimalNumber admits what a float64 producer writes and nothing whose expansion is unbounded.
func TestDecimalNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"6922636320099634002": true, "6.922636320099634e+18": true, "1.5E2": true, "-3": true,
		".5": true, "7.": true, "1e999": true,
		"": false, ".": false, "e5": false, "1e": false, "1e+": false, "1e1000": false,
		"60e22721617": false, "0x1p99999999": false, "Inf": false, "NaN": false, "1.2.3": false,
		"1/3": false, "1_000": false, strings.Repeat("9", 65): false,
	} {
		if got := decimalNumber(s); got != want {
			t.Errorf("decimalNumber(%q) = %v, want %v", s, got, want)
		}
	}
}

// A user id in exponent form is a rounded number only when its expansion is small; otherwise it
// is kept as the opaque string it is, at once (the fuzzer found "60e22721617": 30 s of CPU).
func TestJIDExponent(t *testing.T) {
	for _, c := range []struct {
		raw, want string
		exact     bool
	}{
		{`{"id":6.922636320099634e+18}`, "6922636320099634000", false},
		{`{"id":"60e22721617"}`, "60e22721617", true},
		{`{"id":"0x1p99999999"}`, "0x1p99999999", true},
		{`{"id":"Inf"}`, "Inf", true},
	} {
		o, err := decodeObject([]byte(c.raw))
		if err != nil {
			t.Fatal(err)
		}
		id, exact := jid(o, "id")
		if id != c.want || exact != c.exact {
			t.Errorf("%s: %q %v, want %q %v", c.raw, id, exact, c.want, c.exact)
		}
	}
}
