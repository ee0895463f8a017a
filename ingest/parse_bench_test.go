package ingest

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkParse parses a 1,000-event NDJSON body of the mix a live room sends.
func BenchmarkParse(b *testing.B) {
	var body []byte
	ts := time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC).UnixMilli()
	for i := range 1000 {
		switch i % 4 {
		case 0:
			body = fmt.Appendf(body, `{"id":"sim-1-room1-%07d","type":"impression","ts":%d,"room":"room1","user":"u%06d","product":"p-1002"}`+"\n", i, ts, i)
		case 1:
			body = fmt.Appendf(body, `{"id":"sim-1-room1-%07d","type":"click","ts":%d,"room":"room1","user":"u%06d","product":"p-1002"}`+"\n", i, ts, i)
		case 2:
			body = fmt.Appendf(body, `{"id":"sim-1-room1-%07d","type":"comment","ts":%d,"room":"room1","user":"u%06d","text":"165斤穿什么码？"}`+"\n", i, ts, i)
		default:
			body = fmt.Appendf(body, `{"id":"sim-1-room1-%07d","type":"order","ts":%d,"room":"room1","user":"u%06d","product":"p-1002","order":"o1-room1-%05d","status":"paid","amount":3990,"qty":1}`+"\n", i, ts, i, i)
		}
	}
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		evs, rej := Parse(body, "shop", now)
		if len(evs) != 1000 || len(rej) != 0 {
			b.Fatal(len(evs), rej)
		}
	}
}
