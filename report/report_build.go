package report

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/catalog"
	"golang.org/x/sync/errgroup"
)

// Products gives the catalog titles and current stock of products; *Catalog satisfies it.
type Products interface {
	GetMany(ctx context.Context, shop string, ids []string) (map[string]catalog.Product, error)
}

// Builder builds a session's report from ClickHouse.
//
// Exactly one count per event id, without FINAL (which on 18.16 merges every part of the span in
// one thread). Most numbers come from ingest-time rollups filled by materialized views on events
// (report_rollup.go and migrations 0031, 0065, 0066): per-minute group counts and online
// readings, per-second entries and clicks, per-minute comment texts, per-minute entries by
// source and the orders' sources, the funnel's people as (day, user, hour bits) and (hour, user,
// minute bits), and the sparse rows (orders, ad spend, operator actions). A rollup count
// includes stored copies, so it is used for a whole minute only when that minute is proven
// copy-free — its rows lie in merged parts of events that share no second of it (a
// ReplacingMergeTree merge leaves no two copies of one (ts, type, id), and copies share their
// second) and the rollup holds exactly as many rows for it as events does. Every other
// minute (a fresh one or one split by parts, one whose copies were merged away after being counted, the
// partial minutes at the span's edges) is recounted from events with uniqExact(id), and the
// per-second and comment counts subtract copies only in the minutes where that recount found
// some. People (uniqExact of users over minute bits), maxima and the last online reading are
// unaffected by copies; sparse rows are deduped by id in Go. If the rollups hold fewer rows than
// events for some minute (a view was missing), the whole report is read from events as before.
//
// `livedesk bench-report` times this on a generated 3-hour, 10-million-event session.
type Builder struct {
	CH       driver.Conn
	Products Products // optional: titles and stock for the tables and 次日主推
	Store    *Store   // optional: the previous sessions for the comparison
	Now      func() time.Time
	// Parallel is how many report queries run at once (default 2: each already uses two
	// ClickHouse threads, and more only makes them fight over the same cores).
	Parallel int
	// Log gets the build's warnings (nil: slog.Default()).
	Log *slog.Logger
	// Currency is the shop's currency, for the amounts written into texts (次日主推 reasons);
	// nil: CNY. cmd wires shops.Settings.Currency.
	Currency func(shop string) livedesk.Currency
	// PartsTable and PartsDB say where the events table's parts are listed: "" is system.parts
	// of the current database (one server); sharded mode names the Distributed table over every
	// shard's system.parts and the shards' local database (schema.ClusterParts, LocalDatabase).
	PartsTable, PartsDB string
	// Previous builds the way reports were built before the #18 work (every presented product's
	// clicks in every edge minute, the sources and funnel people read as then), with the same
	// numbers: bench-report times it in the same run as the anchor, and a test compares.
	Previous bool
	// forceRaw reads everything from events as if the rollups were incomplete (tests compare).
	forceRaw bool
}

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now().UTC()
	}
	return time.Now().UTC()
}

// rawData is everything the report is computed from, as read from ClickHouse.
type rawData struct {
	groups    []minuteGroup
	online    []onlineMinute
	users     [3]uint64 // distinct enter, impression, click users
	clickers  map[string]int64
	orders    []orderRow // paid, one per order, ts order
	refunds   []orderRow // refunded, one per order
	adSpend   []amountRow
	actions   []actionRow
	texts     []textCount
	flags     []flagEvent
	perSecond secondData
	sources   sourceData
	capped    bool
	// rows stored in the span (copies included), distinct events with a copy received after
	// the span ended, and the latest receive time.
	rows, late  uint64
	maxReceived time.Time
}

// Build builds the report of span. It reads the events of the span (and, for the comparison, the
// stored reports of the room's previous sessions).
func (b *Builder) Build(ctx context.Context, span SessionSpan) (*Report, error) {
	started := time.Now()
	// Events are stored at whole seconds, so the span is cut on whole seconds.
	span.Start, span.End = span.Start.UTC().Truncate(time.Second), span.End.UTC().Truncate(time.Second)
	if !span.End.After(span.Start) {
		return nil, fmt.Errorf("report: report %s: empty span %s – %s", span.Session, span.Start, span.End)
	}
	steps := &stepTimes{ms: map[string]int64{}}
	q := reportQueries{ch: b.CH, span: span, partsTable: b.PartsTable, partsDB: b.PartsDB, steps: steps, previous: b.Previous}
	var raw rawData
	var mr minuteRead
	reads := rollupReads(q, &raw, &mr)
	secondDone := false
	if !b.forceRaw && !b.Previous {
		reads = b.withSecondLevel(q, steps, reads, &raw, &mr, &secondDone)
	}
	if err := b.runPhase(ctx, span, steps, reads); err != nil {
		return nil, err
	}
	dupMinutes, rawMinutes := mr.dupMinutes, mr.rawMinutes
	if mr.complete && !b.forceRaw {
		raw.useMinutes(&mr)
	} else {
		// Some minute has fewer rollup rows than stored rows (a rollup view was missing when
		// they were stored): everything the rollups would give is read from events.
		if !mr.complete {
			b.log().Warn("report: report: rollups incomplete, reading raw events", "session", span.Session)
		}
		raw = rawData{flags: raw.flags, late: raw.late}
		if err := b.runPhase(ctx, span, steps, rawReads(q, &raw, &dupMinutes)); err != nil {
			return nil, err
		}
		raw.addRowTotals()
		rawMinutes = nil
	}
	if !secondDone {
		if err := b.runPhase(ctx, span, steps, secondLevel(q, &raw, dupMinutes, rawMinutes)); err != nil {
			return nil, err
		}
	}
	raw.perSecond.minuteClicks, raw.perSecond.minuteViews = minuteCounts(raw.groups)
	r := &Report{Span: span, Built: b.now(), Steps: steps.ms}
	t := time.Now()
	assemble(r, &raw)
	r.Sources = buildSources(raw.sources, raw.orders, r.Headline.GMV)
	b.enrich(ctx, r, &raw)
	steps.ms["assemble"] = time.Since(t).Milliseconds()
	r.BuildMillis = time.Since(started).Milliseconds()
	return r, nil
}

// currency is shop's currency (CNY without Currency).
func (b *Builder) currency(shop string) livedesk.Currency {
	if b.Currency == nil {
		return livedesk.CurrencyOf("")
	}
	return b.Currency(shop)
}

// log is the builder's logger: Log, or the default one when it is nil.
func (b *Builder) log() *slog.Logger {
	if b.Log != nil {
		return b.Log
	}
	return slog.Default()
}

// reportRead is one report query of a build phase: its name (for Steps and errors) and the read,
// which stores its result where its closure says.
type reportRead struct {
	name string
	read func(ctx context.Context) error
}

// stepTimes collects how long each read took, in milliseconds, from concurrent reads.
type stepTimes struct {
	mu sync.Mutex
	ms map[string]int64
}

// set records that read name took d.
func (s *stepTimes) set(name string, d time.Duration) {
	s.mu.Lock()
	s.ms[name] = d.Milliseconds()
	s.mu.Unlock()
}

// runPhase runs reads in order, at most Parallel (default 2: each already uses two ClickHouse
// threads) at a time, timing each into steps. The first error cancels the context of the reads
// still running, skips those not started, and is returned naming its read.
func (b *Builder) runPhase(ctx context.Context, span SessionSpan, steps *stepTimes, reads []reportRead) error {
	g, ctx := errgroup.WithContext(ctx)
	parallel := b.Parallel
	if parallel <= 0 {
		parallel = 2
	}
	g.SetLimit(parallel)
	for _, rd := range reads {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err // an earlier read failed
			}
			t := time.Now()
			err := rd.read(ctx)
			steps.set(rd.name, time.Since(t))
			if err != nil {
				return fmt.Errorf("report: report %s: %s: %w", span.Session, rd.name, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// withSecondLevel returns reads with the second level (secondLevel) run inside the first phase,
// as one read that waits for the reads it needs (the minute groups, the sparse rows with the
// operator actions, the flags), placed after clickers so they are done or nearly: the second
// level then runs beside the distinct-user reads instead of after all of them, while one core
// would idle. When the minute step finds the rollups incomplete it does nothing, and Build reads
// raw and then the second level as before; *done says whether it ran.
func (b *Builder) withSecondLevel(q reportQueries, steps *stepTimes, reads []reportRead, raw *rawData, mr *minuteRead, done *bool) []reportRead {
	needs := map[string]bool{"minutes": true, "sparse rows": true, "flags": true}
	ready := newLatch(len(needs))
	out := make([]reportRead, 0, len(reads)+1)
	for _, rd := range reads {
		if needs[rd.name] {
			read := rd.read
			rd.read = func(ctx context.Context) error {
				defer ready.done()
				return read(ctx)
			}
		}
		out = append(out, rd)
		if rd.name != "clickers" {
			continue
		}
		out = append(out, reportRead{"second level", func(ctx context.Context) error {
			select {
			case <-ready.ch:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !mr.complete {
				return nil
			}
			raw.useMinutes(mr)
			for _, rd := range secondLevel(q, raw, mr.dupMinutes, mr.rawMinutes) {
				t := time.Now()
				if err := rd.read(ctx); err != nil {
					return fmt.Errorf("%s: %w", rd.name, err)
				}
				steps.set(rd.name, time.Since(t))
			}
			*done = true
			return nil
		}})
	}
	return out
}

// latch is closed (ch) once done has been called n times.
type latch struct {
	mu sync.Mutex
	n  int
	ch chan struct{}
}

func newLatch(n int) *latch { return &latch{n: n, ch: make(chan struct{})} }

// done counts one; the n-th closes ch.
func (l *latch) done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n--; l.n == 0 {
		close(l.ch)
	}
}

// rollupReads is the first phase: the minute groups, people and sparse rows from the rollups
// (report_rollup.go) into mr and raw, and the flags and late events from events. The longest
// reads come first, and they are what the second level waits for (withSecondLevel); clickers
// also gives the funnel's clickers. The distinct-user counts run on one thread each: two would
// each build a set of every user and then merge them, which costs more than it saves.
func rollupReads(q reportQueries, raw *rawData, mr *minuteRead) []reportRead {
	reads := []reportRead{
		{"minutes", func(ctx context.Context) (err error) { *mr, err = q.rollupMinutes(ctx); return }},
		{"sparse rows", func(ctx context.Context) error { return q.sparseRows(ctx, "report_sparse", raw) }},
		{"flags", func(ctx context.Context) (err error) { raw.flags, err = readFlagEvents(ctx, q.ch, q.span); return }},
		{"clickers", func(ctx context.Context) (err error) {
			var clickUsers uint64
			raw.clickers, clickUsers, err = q.rollupClickers(ctx)
			if !q.previous {
				raw.users[2] = clickUsers // the funnel's clickers, from the same read
			}
			return
		}},
		{"users impression", func(ctx context.Context) (err error) { raw.users[1], err = q.rollupFunnel(ctx, "impression"); return }},
	}
	if q.previous {
		reads = append(reads, reportRead{"users click", func(ctx context.Context) (err error) { raw.users[2], err = q.rollupFunnel(ctx, "click"); return }})
	}
	return append(reads,
		reportRead{"users enter", func(ctx context.Context) (err error) { raw.users[0], err = q.rollupFunnel(ctx, "enter"); return }},
		reportRead{"late", func(ctx context.Context) (err error) { raw.late, err = q.lateEvents(ctx); return }})
}

// rawReads is the fallback for incomplete rollups: what rollupReads gets from the rollups, read
// from events into raw and dupMinutes.
func rawReads(q reportQueries, raw *rawData, dupMinutes *[]int64) []reportRead {
	return []reportRead{
		{"raw minutes", func(ctx context.Context) (err error) { raw.groups, *dupMinutes, err = q.minuteGroups(ctx); return }},
		{"raw users", func(ctx context.Context) (err error) { raw.users, err = q.funnelUsers(ctx); return }},
		{"raw clickers", func(ctx context.Context) (err error) { raw.clickers, err = q.productClickers(ctx); return }},
		{"raw sparse rows", func(ctx context.Context) error { return q.sparseRows(ctx, "events", raw) }},
		{"raw online", func(ctx context.Context) (err error) { raw.online, err = q.onlineMinutes(ctx); return }},
	}
}

// useMinutes takes the minute groups, online readings, stored rows and latest receive time from
// the rollups' minute read.
func (raw *rawData) useMinutes(mr *minuteRead) {
	raw.groups, raw.online, raw.rows, raw.maxReceived = mr.groups, mr.online, mr.rows, mr.maxReceived
}

// addRowTotals sets the stored rows and the latest receive time from the minute groups.
func (raw *rawData) addRowTotals() {
	for _, g := range raw.groups {
		raw.rows += g.rows
		if g.maxReceived.After(raw.maxReceived) {
			raw.maxReceived = g.maxReceived
		}
	}
}

// secondLevel lists the reads that need the operator actions, flags and minute groups:
// second-level clicks and views for the segments and the flag windows, only the seconds and
// products those windows read (windowNeeds), and the comment texts. Both count with count() and take off the
// stored copies only in the minutes where the minute groups found some; with rawMinutes (nil:
// everything from events) the proven-clean minutes come from the rollups.
func secondLevel(q reportQueries, raw *rawData, dupMinutes []int64, rawMinutes map[int64]bool) []reportRead {
	needs := windowNeeds(q.span, raw.actions, raw.flags)
	if q.previous {
		needs = previousNeeds(q.span, raw.actions, raw.flags)
	}
	return []reportRead{
		{"per second", func(ctx context.Context) (err error) {
			raw.perSecond, err = q.perSecond(ctx, needs, dupMinutes, rawMinutes)
			return
		}},
		{"sources", func(ctx context.Context) (err error) {
			raw.sources, err = q.sources(ctx, raw.groups, rawMinutes)
			return
		}},
		{"comments", func(ctx context.Context) (err error) {
			if rawMinutes == nil {
				raw.texts, raw.capped, err = q.commentTexts(ctx, dupMinutes)
			} else {
				raw.texts, raw.capped, err = q.rollupTexts(ctx, rawMinutes, dupMinutes)
			}
			return
		}},
	}
}

// enrich adds what comes from outside the events table: catalog titles and stock (次日主推) and
// the previous sessions. A failure here leaves a note instead of failing the report.
func (b *Builder) enrich(ctx context.Context, r *Report, raw *rawData) {
	stock := map[string]int64{}
	r.Titles = ProductTitles{}
	if b.Products != nil {
		ids := make([]string, 0, len(r.Products))
		for _, p := range r.Products {
			ids = append(ids, p.Product)
		}
		ps, err := b.Products.GetMany(ctx, r.Span.Shop, ids)
		if err != nil {
			r.Notes = append(r.Notes, "catalog unavailable: titles and stock missing")
		}
		for id, p := range ps {
			r.Titles[id] = p.Title
			stock[id] = p.Stock
		}
	}
	r.Push = pickPush(r.Products, stock, b.currency(r.Span.Shop))
	if b.Store != nil {
		prev, err := b.Store.Previous(ctx, r.Span, 7)
		if err != nil {
			r.Notes = append(r.Notes, "previous sessions unavailable: comparison missing")
		}
		r.Compare = compareWith(r.Headline, prev)
	}
}

// edgeMinutes returns the minutes (unix seconds of their start, sorted) that hold a segment or
// flag-window boundary inside them: only their seconds are read; whole minutes come from the
// minute groups. It takes every action and flag-event time (and ±5 minutes around flag events),
// a superset of the boundaries segments and flagRows use.
func edgeMinutes(span SessionSpan, actions []actionRow, flags []flagEvent) []int64 {
	set := map[int64]bool{}
	add := func(t time.Time) {
		t = clampTime(t.Truncate(time.Second), span)
		if u := t.Unix(); u%60 != 0 {
			set[u-u%60] = true
		}
	}
	add(span.Start)
	add(span.End)
	for _, a := range actions {
		add(a.ts)
	}
	for _, f := range flags {
		add(f.ts)
		add(f.ts.Add(-flagWindow))
		add(f.ts.Add(flagWindow))
	}
	out := make([]int64, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// minuteCounts returns clicks per product and entries per minute from the minute groups (once per
// event id).
func minuteCounts(groups []minuteGroup) (map[string]map[int64]int64, map[int64]int64) {
	clicks, views := map[string]map[int64]int64{}, map[int64]int64{}
	for _, g := range groups {
		switch g.typ {
		case "enter":
			views[g.minute.Unix()] += int64(g.ids)
		case "click":
			m := clicks[g.product]
			if m == nil {
				m = map[int64]int64{}
				clicks[g.product] = m
			}
			m[g.minute.Unix()] += int64(g.ids)
		}
	}
	return clicks, views
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
