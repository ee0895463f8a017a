package live

import (
	"strings"

	"github.com/livedesk/livedesk"
)

// Traffic sources in the control room. An enter event with a source (livedesk.Sources) adds 1
// to the field fSource+source of its room buckets (both spans), in the same pipeline as the
// entry itself, so the shares cost one more HINCRBY per sourced entry and no extra key or
// read: the tick already reads the minute and 10-second hashes. Closed minutes settled from
// ClickHouse count the events' source column the same way (exactQuery).

// fSource prefixes the per-source entry counters of a room bucket hash: "src:feed".
const fSource = "src:"

// SourceShare is one traffic source's entries and their share of all entries of the span.
// Source "" gathers the entries that named no source.
type SourceShare struct {
	Source  string         `json:"source"`
	Entries int64          `json:"entries"`
	Share   livedesk.Ratio `json:"share"` // entries ÷ all entries of the span
}

// SourceShares are the shares of entries by traffic source over the sliding window (Last5) and
// the session, each in livedesk.Sources order with unsourced entries last; a source without
// entries is left out, and a span without entries is empty.
type SourceShares struct {
	Last    []SourceShare `json:"last"`
	Session []SourceShare `json:"session"`
}

// addSourceField adds a bucket hash field to c's per-source counts when it is one; it reports
// whether it was.
func (c *counts) addSourceField(field string, n int64) bool {
	s, ok := strings.CutPrefix(field, fSource)
	if !ok {
		return false
	}
	if c.Sources == nil {
		c.Sources = map[string]int64{}
	}
	c.Sources[s] += n
	return true
}

// shares lists c's entries by source (see SourceShares).
func (c counts) shares() []SourceShare {
	out := []SourceShare{}
	if c.Entries <= 0 {
		return out
	}
	var named int64
	for _, s := range livedesk.Sources {
		n := c.Sources[s]
		if n <= 0 {
			continue
		}
		named += n
		out = append(out, SourceShare{Source: s, Entries: n, Share: livedesk.NewRatio(float64(n), float64(c.Entries), 1)})
	}
	if rest := c.Entries - named; rest > 0 {
		out = append(out, SourceShare{Entries: rest, Share: livedesk.NewRatio(float64(rest), float64(c.Entries), 1)})
	}
	return out
}

// sourceShares builds the tick's shares from the session's minutes and the window's 10-second
// buckets (the same buckets the session totals and Last5 are summed from).
func sourceShares(st *roomState, minutes []int64, fine []int64, fineCounts []counts, last span) SourceShares {
	var sess, win counts
	for i, m := range minutes {
		if i == len(minutes)-1 {
			sess.add(st.minutes[m].c) // the open minute: the Redis read
			continue
		}
		sess.add(st.minute(m).c)
	}
	for i, b := range fine {
		if b >= last.From && b < last.To {
			win.add(fineCounts[i])
		}
	}
	return SourceShares{Last: win.shares(), Session: sess.shares()}
}

// sourceColumns are exactQuery's per-source entry counts, one column per livedesk.Sources code
// in that order (the codes are fixed identifiers, never user text).
func sourceColumns() string {
	var b strings.Builder
	for _, s := range livedesk.Sources {
		b.WriteString(",\n\tcountIf(ty = 'enter' AND src = '" + s + "')")
	}
	return b.String()
}
