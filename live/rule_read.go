package live

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file gives the rules their numbers. The settings window is the one the tick already read
// (roomData); each other window length a rule uses is read from the same Redis buckets in one
// more pipeline: 10-second buckets for windows up to 10 minutes, whole minutes in between for
// longer ones, and closed buckets older than 3 minutes are cached in the room's tick state, so
// a tick reads only the recent buckets again. Nothing here asks ClickHouse.

// fineOnlyUpTo is the longest window read from 10-second buckets only.
const fineOnlyUpTo = 600

// cover lists the buckets (size, start) that make up s: 10-second buckets for short spans,
// else 10-second buckets up to the first minute boundary, whole minutes, then 10-second buckets.
func cover(s span) (fine, minutes []int64) {
	if s.empty() {
		return nil, nil
	}
	if s.To-s.From <= fineOnlyUpTo {
		return s.buckets(spanFine), nil
	}
	m0 := s.From + (spanMinute-s.From%spanMinute)%spanMinute
	m1 := s.To - s.To%spanMinute
	if m1 <= m0 {
		return s.buckets(spanFine), nil
	}
	fine = append(span{s.From, m0}.buckets(spanFine), span{m1, s.To}.buckets(spanFine)...)
	return fine, span{m0, m1}.buckets(spanMinute)
}

// inputFromRoom builds the rules' input with the settings window (windowS) taken from the data
// the tick already read.
func inputFromRoom(d roomData, windowS int, now time.Time) ruleInput {
	v := &ruleView{Products: map[string]*prodView{}, OnlineLast: d.OnlineLast, OnlinePrev: d.OnlinePrev,
		PrevFull: d.PrevFull, RoomClickers: d.Last.Clickers, RoomBuyer: d.Last.Buyers}
	v.Room = counts{Impressions: d.Last.Impressions, Clicks: d.Last.Clicks, Orders: d.Last.Orders, GMV: d.Last.GMV,
		Comments: d.Last.Comments, AdSpend: d.Last.AdSpend, Questions: map[string]int64{}}
	for _, q := range d.Questions {
		v.Room.Questions[q.Topic] = q.Last5
	}
	for _, p := range d.Products {
		v.Products[p.Product] = &prodView{c: counts{Impressions: p.Impressions, Clicks: p.Clicks, Orders: p.Orders, GMV: p.GMV},
			clickers: p.Clickers, buyers: p.Buyers}
	}
	v.Unanswered = unanswered(d.fine, d.fineCounts, d.lastFrom, d.Answered)
	return ruleInput{Now: now, Views: map[int]*ruleView{windowS: v}, Pinned: d.Pinned, PinnedAt: d.PinnedAt,
		Stock: d.Stock, Start: map[int]*prodView{}}
}

// unanswered counts questions per topic in the buckets from lastFrom on that start at or after
// the topic was last answered (answered: topic → unix ms).
func unanswered(bs []int64, cs []counts, lastFrom int64, answered map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for i, b := range bs {
		if b < lastFrom {
			continue
		}
		for t, n := range cs[i].Questions {
			if a := answered[t]; a > 0 && b*1000 < a {
				continue
			}
			out[t] += n
		}
	}
	return out
}

// ruleBuckets are the reads of one window.
type ruleBuckets struct {
	fine, minutes []int64
}

// readRuleInput adds to in the windows the rules use besides the settings window (and the
// pinned product's first window of its presentation). distinct says some rule needs buyers or
// conversion (HyperLogLog counts).
func (r *roomReader) readRuleInput(ctx context.Context, shop, room string, in *ruleInput, d roomData, rules []Rule, from time.Time, st *roomState) error {
	wins := map[int]bool{}
	distinct := false
	for _, ru := range rules {
		if !ru.Enabled {
			continue
		}
		for _, c := range ru.When {
			if c.Metric == MBuyers || c.Metric == MCVR {
				distinct = true
			}
		}
		if _, ok := in.Views[ru.WindowS]; ok {
			continue
		}
		wins[ru.WindowS] = true
	}
	pinStart := span{}
	if in.Pinned != "" && !in.PinnedAt.IsZero() {
		pinStart.From = bucketStart(in.PinnedAt, spanFine)
	}
	if len(wins) == 0 && pinStart.From == 0 {
		return nil
	}
	now := in.Now
	settled := bucketStart(now, spanMinute) - recentMinutes*spanMinute
	pipe := r.rdb.Pipeline()
	used := map[string]int64{} // key → its bucket's end
	hashes := map[string]*redis.MapStringStringCmd{}
	get := func(key string, end int64) {
		used[key] = end
		if _, ok := st.ruleHash[key]; ok {
			return // cached only once settled (see below)
		}
		if _, ok := hashes[key]; !ok {
			hashes[key] = pipe.HGetAll(ctx, key)
		}
	}
	plans := map[int]ruleBuckets{}
	type hll struct{ room []*redis.IntCmd }
	roomHLL := map[int]hll{}
	for w := range wins {
		last, _ := windows(now, from, time.Duration(w)*time.Second)
		fine, mins := cover(last)
		plans[w] = ruleBuckets{fine, mins}
		for _, b := range fine {
			get(bucketKey(shop, room, spanFine, b), b+spanFine)
			get(productBucketKey(shop, room, spanFine, b), b+spanFine)
		}
		for _, b := range mins {
			get(bucketKey(shop, room, spanMinute, b), b+spanMinute)
			get(productBucketKey(shop, room, spanMinute, b), b+spanMinute)
		}
		if distinct {
			roomHLL[w] = hll{room: mixedPFCount(ctx, pipe, shop, room, "", fine, mins)}
		}
	}
	startPlans := map[int]ruleBuckets{}
	if pinStart.From > 0 {
		ws := map[int]bool{}
		for _, ru := range rules {
			for _, c := range ru.When {
				if ru.Enabled && c.Metric == MCTRVsStartPct {
					ws[ru.WindowS] = true
				}
			}
		}
		for w := range ws {
			s := span{pinStart.From, pinStart.From + int64(w)}
			if s.To > bucketStart(now, spanFine) {
				continue // the presentation is not that long yet
			}
			fine, mins := cover(s)
			startPlans[w] = ruleBuckets{fine, mins}
			for _, b := range fine {
				get(productBucketKey(shop, room, spanFine, b), b+spanFine)
			}
			for _, b := range mins {
				get(productBucketKey(shop, room, spanMinute, b), b+spanMinute)
			}
		}
	}
	if len(hashes) > 0 || len(roomHLL) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return fmt.Errorf("live: read rule windows %s/%s: %w", shop, room, err)
		}
	}
	fresh := map[string]map[string]string{}
	hashOf := func(key string) map[string]string {
		if c, ok := hashes[key]; ok {
			return c.Val()
		}
		return st.ruleHash[key]
	}
	cache := map[string]map[string]string{}
	for key, end := range used {
		fresh[key] = hashOf(key)
		if end <= settled {
			cache[key] = fresh[key] // settled when read: reused by later ticks
		}
	}
	st.ruleHash = cache
	for w, p := range plans {
		v := &ruleView{Products: map[string]*prodView{}}
		var bs []int64
		var cs []counts
		for _, b := range p.fine {
			var c counts
			c.addHash(fresh[bucketKey(shop, room, spanFine, b)])
			bs, cs = append(bs, b), append(cs, c)
			addProducts(v.Products, fresh[productBucketKey(shop, room, spanFine, b)])
		}
		for _, b := range p.minutes {
			var c counts
			c.addHash(fresh[bucketKey(shop, room, spanMinute, b)])
			bs, cs = append(bs, b), append(cs, c)
			addProducts(v.Products, fresh[productBucketKey(shop, room, spanMinute, b)])
		}
		for _, c := range cs {
			v.Room.add(c)
		}
		lastFrom := int64(0)
		if len(bs) > 0 {
			lastFrom = min(p.fine0(), p.min0())
		}
		v.Unanswered = unanswered(bs, cs, lastFrom, d.Answered)
		v.OnlineLast, v.OnlinePrev, v.PrevFull = minuteOnline(d, w)
		if h, ok := roomHLL[w]; ok {
			v.RoomClickers, v.RoomBuyer = h.room[0].Val(), h.room[1].Val()
		}
		in.Views[w] = v
	}
	if distinct {
		if err := r.productDistincts(ctx, shop, room, in, plans); err != nil {
			return err
		}
	}
	for w, p := range startPlans {
		m := map[string]*prodView{}
		for _, b := range p.fine {
			addProducts(m, fresh[productBucketKey(shop, room, spanFine, b)])
		}
		for _, b := range p.minutes {
			addProducts(m, fresh[productBucketKey(shop, room, spanMinute, b)])
		}
		if pv := m[in.Pinned]; pv != nil {
			in.Start[w] = pv
		}
	}
	return nil
}

// fine0 and min0 are the first bucket of each list (a large number when empty).
func (p ruleBuckets) fine0() int64 {
	if len(p.fine) == 0 {
		return 1 << 62
	}
	return p.fine[0]
}

func (p ruleBuckets) min0() int64 {
	if len(p.minutes) == 0 {
		return 1 << 62
	}
	return p.minutes[0]
}

// productDistincts reads the distinct clickers and buyers of each product of the read windows.
func (r *roomReader) productDistincts(ctx context.Context, shop, room string, in *ruleInput, plans map[int]ruleBuckets) error {
	if len(plans) == 0 {
		return nil
	}
	pipe := r.rdb.Pipeline()
	cmds := map[int]map[string][]*redis.IntCmd{}
	for w, p := range plans {
		cmds[w] = map[string][]*redis.IntCmd{}
		for id := range in.Views[w].Products {
			cmds[w][id] = mixedPFCount(ctx, pipe, shop, room, id, p.fine, p.minutes)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return fmt.Errorf("live: read rule distincts %s/%s: %w", shop, room, err)
	}
	for w, m := range cmds {
		for id, c := range m {
			pv := in.Views[w].Products[id]
			pv.clickers, pv.buyers = c[0].Val(), c[1].Val()
		}
	}
	return nil
}

// mixedPFCount queues PFCOUNT of clickers and buyers over 10-second and minute buckets.
func mixedPFCount(ctx context.Context, pipe redis.Pipeliner, shop, room, product string, fine, mins []int64) []*redis.IntCmd {
	out := make([]*redis.IntCmd, 2)
	for i, k := range []string{hllClickers, hllBuyers} {
		var keys []string
		for _, b := range fine {
			keys = append(keys, hllKey(shop, room, k, product, spanFine, b))
		}
		for _, b := range mins {
			keys = append(keys, hllKey(shop, room, k, product, spanMinute, b))
		}
		if len(keys) == 0 {
			out[i] = redis.NewIntCmd(ctx)
			continue
		}
		out[i] = pipe.PFCount(ctx, keys...)
	}
	return out
}

// addProducts adds a product bucket hash ("<product>\x1f<field>") into m.
func addProducts(m map[string]*prodView, h map[string]string) {
	for f, v := range h {
		p, field, ok := strings.Cut(f, "\x1f")
		if !ok {
			continue
		}
		pv := m[p]
		if pv == nil {
			pv = &prodView{}
			m[p] = pv
		}
		pv.c.addHash(map[string]string{field: v})
	}
}

// minuteOnline averages online over the last w seconds' minutes and the w before them (minute
// resolution, the open minute included); full says the earlier span lies wholly in the session.
func minuteOnline(d roomData, w int) (last, prev float64, full bool) {
	series := make([]int64, 0, len(d.Minutes)+1)
	for _, m := range d.Minutes {
		series = append(series, m.Online)
	}
	series = append(series, d.Current.Online)
	n := (w + 59) / 60
	avg := func(xs []int64) float64 {
		if len(xs) == 0 {
			return 0
		}
		var s int64
		for _, x := range xs {
			s += x
		}
		return float64(s) / float64(len(xs))
	}
	k := len(series)
	last = avg(series[max(k-n, 0):])
	if k >= 2*n {
		prev, full = avg(series[k-2*n:k-n]), true
	}
	return last, prev, full
}
