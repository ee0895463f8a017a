package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
)

// Stats keeps what the Integrations page shows per shop and platform, in Redis: counts by kind
// (first delivery only), the last message received and the last errors.
//
//	ld:platform:{shop}:stats:<platform>   hash: n:<kind>, ign:<kind>, last_at, last_kind, last_raw
//	ld:platform:{shop}:errors:<platform>  list of the last 20 errors (JSON), newest first
//	ld:platform:{shop}:seen:<platform>:<id>  a message counted already (48 h)
type Stats struct{ Redis redis.UniversalClient }

const (
	keepErrors = 20
	seenTTL    = 48 * time.Hour
	maxRaw     = 2000
)

func statsKey(shop, platform string) string {
	return "ld:platform:" + livedesk.ShopTag(shop) + ":stats:" + platform
}
func errorsKey(shop, platform string) string {
	return "ld:platform:" + livedesk.ShopTag(shop) + ":errors:" + platform
}
func seenKey(shop, platform, id string) string {
	return "ld:platform:" + livedesk.ShopTag(shop) + ":seen:" + platform + ":" + id
}

// Received records a message: the last message always, the count only on its first delivery.
func (s *Stats) Received(ctx context.Context, shop, platform, id string, m Message, at time.Time) error {
	raw := m.Raw
	if len(raw) > maxRaw {
		raw = raw[:maxRaw] + "…"
	}
	first := true
	if id != "" {
		ok, err := s.Redis.SetNX(ctx, seenKey(shop, platform, id), 1, seenTTL).Result()
		if err != nil {
			return fmt.Errorf("platform: stats: %w", err)
		}
		first = ok
	}
	pipe := s.Redis.TxPipeline()
	k := statsKey(shop, platform)
	if first && !m.Ping {
		f := "n:" + m.Kind
		if m.Ignored {
			f = "ign:" + m.Kind
		}
		pipe.HIncrBy(ctx, k, f, 1)
	}
	pipe.HSet(ctx, k, "last_at", at.UTC().Format(time.RFC3339), "last_kind", m.Kind, "last_raw", raw)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("platform: stats: %w", err)
	}
	return nil
}

// Failed records an error shown on the Integrations page (never a secret).
func (s *Stats) Failed(ctx context.Context, shop, platform, msg string, at time.Time) {
	s.failed(ctx, shop, platform, "", msg, at)
}

// failed records an error of kind ("" or ErrorToken).
func (s *Stats) failed(ctx context.Context, shop, platform, kind, msg string, at time.Time) {
	b, _ := json.Marshal(ErrorEntry{At: at.UTC(), Error: msg, Kind: kind})
	pipe := s.Redis.TxPipeline()
	pipe.LPush(ctx, errorsKey(shop, platform), b)
	pipe.LTrim(ctx, errorsKey(shop, platform), 0, keepErrors-1)
	_, _ = pipe.Exec(ctx)
}

// ErrorEntry is one recorded error.
type ErrorEntry struct {
	At    time.Time `json:"at"`
	Error string    `json:"error"`
	Kind  string    `json:"kind,omitempty"` // ErrorToken: the platform refused or could not give the access token
}

// ErrorToken is the kind of an access-token error (its text names no token).
const ErrorToken = "token"

// Count is the number of messages of one kind.
type Count struct {
	Kind    string
	N       int64
	Ignored bool
}

// Summary is what the page shows for one shop and platform.
type Summary struct {
	LastAt   time.Time
	LastKind string
	LastRaw  string
	Counts   []Count
	Errors   []ErrorEntry
	// Unenriched counts paid orders whose enrichment gave up (stored, without product or room).
	Unenriched int64
}

// Summary reads the stats of shop on platform.
func (s *Stats) Summary(ctx context.Context, shop, platform string) (Summary, error) {
	var out Summary
	h, err := s.Redis.HGetAll(ctx, statsKey(shop, platform)).Result()
	if err != nil {
		return out, fmt.Errorf("platform: stats: %w", err)
	}
	for f, v := range h {
		n, _ := strconv.ParseInt(v, 10, 64)
		switch {
		case strings.HasPrefix(f, "n:"):
			out.Counts = append(out.Counts, Count{Kind: f[2:], N: n})
		case strings.HasPrefix(f, "ign:"):
			out.Counts = append(out.Counts, Count{Kind: f[4:], N: n, Ignored: true})
		}
	}
	sort.Slice(out.Counts, func(i, j int) bool {
		a, b := out.Counts[i], out.Counts[j]
		if len(a.Kind) != len(b.Kind) {
			return len(a.Kind) < len(b.Kind)
		}
		return a.Kind < b.Kind
	})
	out.LastAt, _ = time.Parse(time.RFC3339, h["last_at"])
	out.LastKind, out.LastRaw = h["last_kind"], h["last_raw"]
	if out.Unenriched, err = s.Redis.SCard(ctx, unenrichedKey(shop, platform)).Result(); err != nil {
		return out, fmt.Errorf("platform: stats: %w", err)
	}
	list, err := s.Redis.LRange(ctx, errorsKey(shop, platform), 0, keepErrors-1).Result()
	if err != nil {
		return out, fmt.Errorf("platform: stats: %w", err)
	}
	for _, l := range list {
		var e ErrorEntry
		if json.Unmarshal([]byte(l), &e) == nil {
			out.Errors = append(out.Errors, e)
		}
	}
	return out, nil
}

// CountOf returns the count of kind (tests and the CLI).
func (s Summary) CountOf(kind string, ignored bool) int64 {
	for _, c := range s.Counts {
		if c.Kind == kind && c.Ignored == ignored {
			return c.N
		}
	}
	return 0
}

// Admin is what the Integrations page uses: the store and the stats together.
type Admin struct {
	*Integrations
	*Stats
}
