package platform

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzRelayLine feeds arbitrary lines to the relay parser of both platforms. Whatever the
// input it must not panic, must either map the line or say why not, and every event it makes
// must carry the shop, the room, an id, a time and (for Extra) valid JSON; ids are at most 256
// bytes. Seeds: the committed fixtures. Run `go test ./platform -run X -fuzz FuzzRelayLine`.
func FuzzRelayLine(f *testing.F) {
	files, _ := filepath.Glob("testdata/relay/*.ndjson")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range splitLines(b) {
			f.Add(l)
		}
	}
	f.Add([]byte(`chat{"comment":"x","msgId":1e400}`))
	f.Add([]byte(`{"method":"WebcastLikeMessage","msg_id":"1","payload":{"count":"99999999999999999999"}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, p := range []string{RelayDouyin, RelayTikTok} {
			m, err := ParseRelayLine(p, "shop", "room", line, relayNow)
			if err != nil {
				if err.Error() == "" {
					t.Fatal("error without a reason")
				}
				continue
			}
			if m.Raw == (len(m.Events) > 0) || m.ID == "" {
				t.Fatalf("%s: raw %v with %d events, id %q", p, m.Raw, len(m.Events), m.ID)
			}
			if len(m.Events) > maxRelayLikes+1 {
				t.Fatalf("%d events from one line", len(m.Events))
			}
			for _, e := range m.Events {
				if e.Shop != "shop" || e.Room != "room" || e.ID == "" || len(e.ID) > 256 || e.TS.IsZero() || e.TS.After(relayNow.Add(2*time.Hour)) {
					t.Fatalf("bad event %+v", e)
				}
				if e.Value < 0 || (e.Extra != "" && !json.Valid([]byte(e.Extra))) {
					t.Fatalf("bad event %+v", e)
				}
			}
		}
	})
}

func splitLines(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	return append(out, b[start:])
}
