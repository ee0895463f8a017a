package jobs

import (
	"sort"
	"strings"
	"time"
)

// EndOfDay returns 24:00 of t's calendar day in loc (midnight starting the next day), in UTC.
// A refund requested at 23:59 shop time is due one minute later; one at 00:01 has the whole day.
func EndOfDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc).UTC()
}

// StartOfDay returns 00:00 of t's calendar day in loc, in UTC.
func StartOfDay(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).UTC()
}

// DayKey is t's calendar date in loc, e.g. "2026-11-22".
func DayKey(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02") }

// InWindow reports whether t's time of day in loc is within [from, to) (durations after midnight).
func InWindow(t time.Time, loc *time.Location, from, to time.Duration) bool {
	l := t.In(loc)
	d := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute +
		time.Duration(l.Second())*time.Second + time.Duration(l.Nanosecond())
	return d >= from && d < to
}

// Message is one customer-service message.
type Message struct {
	Conversation string
	Direction    string // "in" or "out"
	TS           time.Time
}

// Waiting is a conversation whose latest incoming message has no answer yet.
type Waiting struct {
	Conversation string
	Since        time.Time // the oldest unanswered incoming message
}

// ReplyStats is the reply-rate count of one span.
type ReplyStats struct {
	Incoming int       // incoming messages in the window old enough to judge
	OnTime   int       // of those, answered within the limit
	Waiting  []Waiting // conversations with unanswered incoming messages, longest waiting first
}

// Rate returns OnTime ÷ Incoming as a percentage (100 when nothing came in).
func (s ReplyStats) Rate() float64 {
	if s.Incoming == 0 {
		return 100
	}
	return float64(s.OnTime) * 100 / float64(s.Incoming)
}

// ReplyRate counts incoming messages sent within the daily window [from, to) in loc and how many
// were answered within limit: an incoming message is answered by the first outgoing message of
// its conversation at or after it. A message still unanswered but younger than limit at now is
// not judged yet. msgs may be in any order.
func ReplyRate(msgs []Message, loc *time.Location, from, to, limit time.Duration, now time.Time) ReplyStats {
	byConv := map[string][]Message{}
	for _, m := range msgs {
		if m.TS.After(now) {
			continue
		}
		byConv[m.Conversation] = append(byConv[m.Conversation], m)
	}
	var st ReplyStats
	for conv, ms := range byConv {
		sort.SliceStable(ms, func(i, j int) bool { return ms[i].TS.Before(ms[j].TS) })
		var pending []time.Time // incoming messages not yet answered
		flush := func(reply time.Time, answered bool) {
			for _, in := range pending {
				if !InWindow(in, loc, from, to) {
					continue
				}
				switch {
				case answered && reply.Sub(in) <= limit:
					st.Incoming++
					st.OnTime++
				case answered || now.Sub(in) > limit:
					st.Incoming++
				}
			}
			pending = pending[:0]
		}
		for _, m := range ms {
			if m.Direction == "in" {
				pending = append(pending, m.TS)
				continue
			}
			flush(m.TS, true)
		}
		if len(pending) > 0 {
			st.Waiting = append(st.Waiting, Waiting{Conversation: conv, Since: pending[0]})
		}
		flush(time.Time{}, false)
	}
	sort.Slice(st.Waiting, func(i, j int) bool {
		if !st.Waiting[i].Since.Equal(st.Waiting[j].Since) {
			return st.Waiting[i].Since.Before(st.Waiting[j].Since)
		}
		return st.Waiting[i].Conversation < st.Waiting[j].Conversation
	})
	return st
}

// ReviewText is one review for keyword counting.
type ReviewText struct {
	Product string
	Text    string
}

// KeywordCount is how many reviews of a product mention a complaint keyword.
type KeywordCount struct {
	Product string
	Keyword string
	Count   int
}

// CountKeywords counts, per product and keyword, the reviews whose text contains the keyword
// (a review mentioning it twice counts once). Sorted by count, then product, then keyword order.
func CountKeywords(reviews []ReviewText, keywords []string) []KeywordCount {
	type key struct{ p, k string }
	counts := map[key]int{}
	for _, r := range reviews {
		for _, k := range keywords {
			if k != "" && strings.Contains(r.Text, k) {
				counts[key{r.Product, k}]++
			}
		}
	}
	rank := map[string]int{}
	for i, k := range keywords {
		rank[k] = i
	}
	out := make([]KeywordCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, KeywordCount{Product: k.p, Keyword: k.k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Product != b.Product {
			return a.Product < b.Product
		}
		return rank[a.Keyword] < rank[b.Keyword]
	})
	return out
}

// FindBurst returns the largest number of times in any window of length span (inclusive) and
// where it starts and ends; times may be in any order.
func FindBurst(times []time.Time, span time.Duration) (n int, first, last time.Time) {
	ts := append([]time.Time(nil), times...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	j := 0
	for i := range ts {
		for ts[i].Sub(ts[j]) > span {
			j++
		}
		if i-j+1 > n {
			n, first, last = i-j+1, ts[j], ts[i]
		}
	}
	return n, first, last
}
