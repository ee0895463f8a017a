package platform

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

// relayLines counts relay lines by platform and outcome: event (mapped onto events), raw (kept
// in relay_messages: gifts, control messages…), rejected (no known shape). Closed label sets.
var relayLines = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "livedesk_relay_lines_total",
	Help: "Live-room relay lines by platform and outcome: event, raw (kept, no event type), rejected.",
}, []string{"platform", "outcome"})

// MaxRelayLines is the most lines one relay body may hold.
const MaxRelayLines = 50_000

// maxRelayErrors caps the rejected lines described in one answer.
const maxRelayErrors = 100

// Relay takes relay bodies (NDJSON, one relay message a line) for a shop's room: each line is
// mapped (ParseRelayLine), its events are stored through ingest (dedup, durable write,
// observers) and the messages without an event type are kept in relay_messages.
type Relay struct {
	Events Submitter
	CH     driver.Conn // relay_messages
	Log    *slog.Logger
	Now    func() time.Time
}

// RelayResult is what one relay body came to. Accepted and Duplicates count events (a like
// burst is several); Raw counts the messages kept without an event, by kind in RawKinds.
type RelayResult struct {
	Lines      int             `json:"lines"`
	Accepted   int             `json:"accepted"`
	Duplicates int             `json:"duplicates"`
	Raw        int             `json:"raw"`
	RawKinds   map[string]int  `json:"raw_kinds,omitempty"`
	Rejected   int             `json:"rejected"`
	Errors     []ingest.Reject `json:"errors,omitempty"`
}

func (r *Relay) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Ingest maps and stores body for room of shop from platform (douyin or tiktok). A bad line is
// rejected with its number and reason while its neighbours are kept. The error is a
// livedesk.Error for a bad platform, room or size, else storage trouble (nothing acknowledged).
func (r *Relay) Ingest(ctx context.Context, shop, platform, room string, body []byte) (RelayResult, error) {
	if !ValidRelay(platform) {
		return RelayResult{}, livedesk.Invalid("platform", fmt.Sprintf("relay platform %q: must be douyin or tiktok", platform),
			fmt.Sprintf("直播间转发平台 %q 不支持：只能是 douyin 或 tiktok", platform))
	}
	if err := livedesk.ValidRoom(room); err != nil {
		return RelayResult{}, livedesk.Invalid("room", "room: "+err.Error(), "直播间："+err.Error())
	}
	if n := bytes.Count(body, []byte{'\n'}); n >= MaxRelayLines {
		return RelayResult{}, livedesk.Invalid("body", fmt.Sprintf("more than %d lines in one request; send smaller batches", MaxRelayLines),
			fmt.Sprintf("单次请求超过 %d 行，请分批发送", MaxRelayLines))
	}
	now := r.now()
	var res RelayResult
	var events []ingest.Event
	var raws []RelayMessage
	for i, line := range bytes.Split(body, []byte{'\n'}) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		res.Lines++
		m, err := ParseRelayLine(platform, shop, room, line, now)
		if err != nil {
			res.Rejected++
			relayLines.WithLabelValues(platform, "rejected").Inc()
			if len(res.Errors) < maxRelayErrors {
				res.Errors = append(res.Errors, ingest.Reject{Line: i + 1, Reason: err.Error()})
			}
			continue
		}
		if m.Raw {
			relayLines.WithLabelValues(platform, "raw").Inc()
			raws = append(raws, m)
			if res.RawKinds == nil {
				res.RawKinds = map[string]int{}
			}
			if len(res.RawKinds) < 50 {
				res.RawKinds[m.Kind]++
			}
			res.Raw++
			continue
		}
		relayLines.WithLabelValues(platform, "event").Inc()
		events = append(events, m.Events...)
	}
	if len(events) > 0 {
		got, err := r.Events.Submit(ctx, events)
		if err != nil {
			return RelayResult{}, fmt.Errorf("platform: relay: %w", err)
		}
		res.Accepted, res.Duplicates = got.Accepted, got.Duplicates
	}
	if err := r.storeRaw(ctx, shop, platform, room, raws, now); err != nil {
		return RelayResult{}, err
	}
	return res, nil
}

// storeRaw keeps the raw messages in relay_messages (one INSERT).
func (r *Relay) storeRaw(ctx context.Context, shop, platform, room string, raws []RelayMessage, now time.Time) error {
	if len(raws) == 0 || r.CH == nil {
		return nil
	}
	batch, err := r.CH.PrepareBatch(ctx, "INSERT INTO relay_messages (shop, platform, room, kind, id, ts, raw, received)")
	if err != nil {
		return fmt.Errorf("platform: relay: keep raw messages: %w", err)
	}
	defer batch.Close()
	for _, m := range raws {
		raw := m.Line
		if len(raw) > maxRelayRaw {
			raw = raw[:maxRelayRaw]
		}
		if err := batch.Append(shop, platform, room, cutRunes(m.Kind, 64), m.ID, m.TS, string(bytes.ToValidUTF8(raw, nil)), now.UTC()); err != nil {
			return fmt.Errorf("platform: relay: keep raw messages: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("platform: relay: keep raw messages: %w", err)
	}
	return nil
}

// RawCounts returns how many raw relay messages room of shop has kept since since, by kind
// (each message once, however often it was resent).
func (r *Relay) RawCounts(ctx context.Context, shop, room string, since time.Time) (map[string]int64, error) {
	rows, err := r.CH.Query(ctx, `SELECT kind, uniqExact(platform, id) FROM relay_messages
		WHERE shop = ? AND room = ? AND ts >= ? GROUP BY kind`, shop, room, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("platform: relay: count raw messages: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var n uint64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, fmt.Errorf("platform: relay: count raw messages: %w", err)
		}
		out[k] = int64(n)
	}
	return out, rows.Err()
}
