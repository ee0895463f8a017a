package report

import (
	"context"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// reportQueries reads one session span from the events table. Every query filters on the
// primary-key prefix (shop, room, ts) so it reads only the span's granules.
type reportQueries struct {
	ch   driver.Conn
	span SessionSpan
	// partsTable lists the parts (default system.parts) of events in partsDB (default the
	// current database); see Builder.PartsTable.
	partsTable, partsDB string
	// steps, when set, gets the time of the sub-steps of a read ("minutes: stored", …) next to
	// the reads' own times, for the build's breakdown.
	steps *stepTimes
	// previous reads as before the #18 work (Builder.Previous).
	previous bool
}

// took records that sub-step name of a read took the time since t0 (nothing without steps).
func (q reportQueries) took(name string, t0 time.Time) {
	if q.steps != nil {
		q.steps.set(name, time.Since(t0))
	}
}

// spanWhere is the filter every report query starts with; its four binds come from args.
const spanWhere = "shop = ? AND room = ? AND ts >= ? AND ts < ?"

// reportSettings gives a report query both cores: 18.16 picks max_threads from physical cores.
const reportSettings = " SETTINGS max_threads = 2"

func (q reportQueries) args(extra ...any) []any {
	return append([]any{q.span.Shop, q.span.Room, q.span.Start, q.span.End}, extra...)
}

// minuteGroup is one (minute, type, product) group: rows stored, distinct ids, and the latest
// receive time. (Late events are counted once for the span by lateEvents.)
type minuteGroup struct {
	minute       time.Time
	typ, product string
	rows, ids    uint64
	maxReceived  time.Time
}

// partSpan is one active part of the events table: its merge level and the range of ts in it.
type partSpan struct {
	name       string
	level      uint32
	minT, maxT time.Time
}

// parts lists the active parts of events whose ts range meets the span.
func (q reportQueries) parts(ctx context.Context) ([]partSpan, error) {
	table, db := "system.parts", "currentDatabase()"
	args := []any{q.span.Start, q.span.End}
	if q.partsTable != "" {
		// On a cluster every shard's parts are listed; names may repeat across shards, which
		// only ever makes more minutes suspect (recounted exactly), never fewer: the room's own
		// rows are all on one shard.
		table, db = q.partsTable, "?"
		args = append([]any{q.partsDB}, args...)
	}
	rows, err := q.ch.Query(ctx, `SELECT name, level, min_time, max_time FROM `+table+`
		WHERE database = `+db+` AND table = 'events' AND active AND max_time >= ? AND min_time < ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []partSpan
	for rows.Next() {
		var p partSpan
		if err := rows.Scan(&p.name, &p.level, &p.minT, &p.maxT); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// suspectMinutes returns the minutes of span (unix seconds of their start) that may hold copies
// of an event: met by a part that was never merged (level 0), or holding a second met by two
// different parts (the same part listed twice counts once).
//
// Copies of an event share its ts (whole seconds), and a merged part holds no two copies, so two
// copies lie in two different parts whose ts ranges both hold that second. Parts that only meet
// in a minute without sharing a second of it — one ends at 13:37:11, the next starts at
// 13:37:12, as time-ordered inserts leave them — cannot split a copy between them there.
func suspectMinutes(span SessionSpan, parts []partSpan) []int64 {
	type partKey struct {
		name       string
		minT, maxT int64
	}
	first := span.Start.Truncate(time.Minute)
	var out []int64
	for m := first; m.Before(span.End); m = m.Add(time.Minute) {
		lo, hi := m.Unix(), m.Unix()+59 // the minute's seconds
		seen := map[partKey]bool{}
		var met [][2]int64
		fresh := false
		for _, p := range parts {
			a, b := max(p.minT.Unix(), lo), min(p.maxT.Unix(), hi)
			k := partKey{p.name, p.minT.Unix(), p.maxT.Unix()}
			if a > b || seen[k] {
				continue
			}
			seen[k] = true
			fresh = fresh || p.level == 0
			met = append(met, [2]int64{a, b})
		}
		shared := false
		for i := range met {
			for j := i + 1; j < len(met) && !shared; j++ {
				shared = max(met[i][0], met[j][0]) <= min(met[i][1], met[j][1])
			}
		}
		if fresh || shared {
			out = append(out, m.Unix())
		}
	}
	return out
}

// previousSuspectMinutes is suspectMinutes as it was before the #18 work (Builder.Previous): a
// minute met by more than one part is suspect even when the parts share no second of it.
func previousSuspectMinutes(span SessionSpan, parts []partSpan) []int64 {
	first := span.Start.Truncate(time.Minute)
	var out []int64
	for m := first; m.Before(span.End); m = m.Add(time.Minute) {
		end := m.Add(time.Minute)
		names := map[string]bool{}
		fresh := false
		for _, p := range parts {
			if p.maxT.Before(m) || !p.minT.Before(end) {
				continue
			}
			names[p.name] = true
			fresh = fresh || p.level == 0
		}
		if len(names) > 1 || fresh {
			out = append(out, m.Unix())
		}
	}
	return out
}

// minuteRanges turns sorted minute starts into an OR of ts ranges (adjacent minutes joined), so
// the exact recount reads only their granules through the primary key.
func minuteRanges(minutes []int64) (string, []any) {
	var cond []string
	var args []any
	for i := 0; i < len(minutes); {
		j := i
		for j+1 < len(minutes) && minutes[j+1] == minutes[j]+60 {
			j++
		}
		cond = append(cond, "(ts >= ? AND ts < ?)")
		args = append(args, time.Unix(minutes[i], 0).UTC(), time.Unix(minutes[j]+60, 0).UTC())
		i = j + 1
	}
	return strings.Join(cond, " OR "), args
}

// copies calls f with the number of stored copies beyond the first, per key (and second) among
// the rows of cond in minutes. It reads only those minutes.
func (q reportQueries) copies(ctx context.Context, cond, key string, minutes []int64, f func(key string, sec uint32, extra int64)) error {
	if len(minutes) == 0 {
		return nil
	}
	ranges, args := minuteRanges(minutes)
	rows, err := q.ch.Query(ctx, `SELECT `+key+`, toUInt32(ts) AS s, count() - uniqExact(id) AS extra FROM events
		WHERE `+spanWhere+` AND `+cond+` AND (`+ranges+`) GROUP BY `+key+`, s HAVING extra > 0`, append(q.args(), args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var sec uint32
		var extra int64
		if err := rows.Scan(&k, &sec, &extra); err != nil {
			return err
		}
		f(k, sec, extra)
	}
	return rows.Err()
}

// flagEvent is one row of the live engine's flag lifecycle.
type flagEvent struct {
	flag, rule, product, action, detail string
	ts                                  time.Time
}
