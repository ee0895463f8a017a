package live

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/redis/go-redis/v9"
)

// This file turns the results of a tick's read pipeline (read_redis.go) into roomData: the
// minute series and session totals, the sliding windows, products, stock and question tallies.

// fold builds the minute series, the current minute and the session totals, with online as the
// last gauge (carried forward) or, before any gauge, entries − leaves since the session start.
// Closed minutes use their exact (ClickHouse) data once settled, the open one the Redis buckets.
func (r *roomReader) fold(out *roomData, minutes []int64, st *roomState, sessionDistinct []*redis.IntCmd, now time.Time) {
	var total counts
	var online onlineTracker
	for i, m := range minutes {
		data := st.minutes[m] // the open minute: always the Redis read
		if i < len(minutes)-1 {
			data = st.minute(m)
		}
		total.add(data.c)
		online.step(data.c)
		minuteMetrics := metrics(data.c, data.d, m*1000, (m+spanMinute)*1000, online.value())
		if i == len(minutes)-1 {
			minuteMetrics.End = now.UnixMilli()
			out.Current = minuteMetrics
		} else {
			minuteMetrics.Exact = data.exact
			out.Minutes = append(out.Minutes, minuteMetrics)
		}
	}
	out.OnlineNow = float64(online.value())
	out.Session = metrics(total, toDistincts(sessionDistinct), minutes[0]*1000, now.UnixMilli(), online.value())
}

// windows computes the last and previous windows and their average online over 10-second
// buckets. fine starts at the minute holding prev.From; the online base comes from the minutes
// before it.
func (r *roomReader) windows(out *roomData, minutes []int64, st *roomState, fine []int64, fineCounts []counts, last, prev span, lastDistinct, prevDistinct distincts) {
	var online onlineTracker
	for _, m := range minutes {
		if len(fine) > 0 && m >= fine[0] {
			break
		}
		online.step(st.minute(m).c)
	}
	var lastCounts, prevCounts counts
	var lastOnlineSum, prevOnlineSum float64
	var lastN, prevN int
	for i, b := range fine {
		online.step(fineCounts[i])
		switch {
		case b >= last.From && b < last.To:
			lastCounts.add(fineCounts[i])
			lastOnlineSum += float64(online.value())
			lastN++
		case b >= prev.From && b < prev.To:
			prevCounts.add(fineCounts[i])
			prevOnlineSum += float64(online.value())
			prevN++
		}
	}
	out.Last = metrics(lastCounts, lastDistinct, last.From*1000, last.To*1000, online.value())
	out.Prev = metrics(prevCounts, prevDistinct, prev.From*1000, prev.To*1000, 0)
	if lastN > 0 {
		out.OnlineLast = lastOnlineSum / float64(lastN)
	}
	if prevN > 0 {
		out.OnlinePrev = prevOnlineSum / float64(prevN)
		out.Prev.Online = int64(out.OnlinePrev + 0.5)
	}
}

// onlineTracker follows online across buckets: the last gauge once one was reported, else the
// running entries − leaves (never below 0).
type onlineTracker struct {
	net      int64
	gauge    int64
	hasGauge bool
}

// step adds one bucket's counters.
func (o *onlineTracker) step(c counts) {
	o.net += c.Entries - c.Leaves
	if c.HasOnline {
		o.gauge, o.hasGauge = c.Online, true
	}
}

// value is the online figure after the buckets stepped so far.
func (o *onlineTracker) value() int64 {
	if o.hasGauge {
		return o.gauge
	}
	return max(o.net, 0)
}

// products reads the per-product window: counters from the bucket hashes, then distinct
// clickers and buyers per product in one more pipeline.
func (r *roomReader) products(ctx context.Context, shop, room string, hashes []*redis.MapStringStringCmd, bs []int64) ([]ProductWindow, error) {
	byID := map[string]*counts{}
	for _, h := range hashes {
		for f, v := range h.Val() {
			p, field, ok := strings.Cut(f, "\x1f")
			if !ok {
				continue
			}
			c := byID[p]
			if c == nil {
				c = &counts{}
				byID[p] = c
			}
			c.addHash(map[string]string{field: v})
		}
	}
	if len(byID) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(byID))
	for p := range byID {
		ids = append(ids, p)
	}
	pipe := r.rdb.Pipeline()
	hll := map[string][]*redis.IntCmd{}
	for _, p := range ids {
		hll[p] = pfcounts(ctx, pipe, shop, room, p, spanFine, bs, []string{hllClickers, hllBuyers})
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, fmt.Errorf("live: read products %s/%s: %w", shop, room, err)
	}
	out := make([]ProductWindow, 0, len(ids))
	for _, p := range ids {
		c := byID[p]
		clickers, buyers := hll[p][0].Val(), hll[p][1].Val()
		pw := ProductWindow{Product: p, Impressions: c.Impressions, Clicks: c.Clicks,
			Clickers: clickers, Orders: c.Orders, Buyers: buyers, GMV: c.GMV,
			CTR: livedesk.CTR(c.Clicks, c.Impressions), CVR: livedesk.CVR(buyers, clickers)}
		if pw.PeopleNA = peopleNA(*c); len(pw.PeopleNA) > 0 {
			pw.CVR = livedesk.Ratio{}
		}
		out = append(out, pw)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Clicks != out[j].Clicks {
			return out[i].Clicks > out[j].Clicks
		}
		return out[i].Product < out[j].Product
	})
	return out, nil
}

// questionCounts lists every topic in display order with session and window counts and the
// latest example among the recent comments (newest first).
func questionCounts(sess, last map[string]int64, recent []Comment) []TopicCount {
	out := make([]TopicCount, len(livedesk.Topics))
	for i, t := range livedesk.Topics {
		out[i] = TopicCount{Topic: t.Key, Label: t.ZH, Count: sess[t.Key], Last5: last[t.Key]}
		for _, c := range recent {
			if c.Topic == t.Key {
				out[i].Example, out[i].Product, out[i].ProductTitle = c.Text, c.Product, c.ProductTitle
				break
			}
		}
	}
	return out
}

// mergeStock merges the shop's stock levels: the catalog cache's (−1 when the catalog has no such
// product) and then the stock events', which win. checked lists the products the catalog cache
// has an answer for, even "not in catalog".
func mergeStock(catalog, events map[string]string) (stock map[string]int64, checked map[string]bool) {
	stock, checked = map[string]int64{}, map[string]bool{}
	for p, v := range catalog {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			checked[p] = true
			if n >= 0 {
				stock[p] = n
			}
		}
	}
	for p, v := range events {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			stock[p] = n
		}
	}
	return stock, checked
}

// markProducts sets each product's stock level (when known) and whether it is the pinned one.
func markProducts(prods []ProductWindow, stock map[string]int64, pinned string) {
	for i := range prods {
		if n, ok := stock[prods[i].Product]; ok {
			prods[i].Stock = &n
		}
		prods[i].Pinned = prods[i].Product == pinned
	}
}

// sessionComments decodes the recent comments (newest first) and keeps those at or after from.
func sessionComments(raw []string, from time.Time) []Comment {
	var out []Comment
	for _, s := range raw {
		var c Comment
		if json.Unmarshal([]byte(s), &c) == nil && c.TS >= from.UnixMilli() {
			out = append(out, c)
		}
	}
	return out
}

// sessionQuestions tallies the question topics over the session's minutes (exact data where
// settled).
func sessionQuestions(st *roomState, minutes []int64) map[string]int64 {
	var sess counts
	for _, m := range minutes {
		sess.add(st.minute(m).c)
	}
	return sess.Questions
}

// windowQuestions tallies the question topics over the 10-second buckets from lastFrom on (the
// last window).
func windowQuestions(fine []int64, fineCounts []counts, lastFrom int64) map[string]int64 {
	var last counts
	for i, b := range fine {
		if b >= lastFrom {
			last.add(fineCounts[i])
		}
	}
	return last.Questions
}
