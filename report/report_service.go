package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bsm/redislock"
	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/live"
)

// Service builds a session's report in the background when the session ends, stores it, and
// rebuilds it when late events arrive (ts inside the session, received after its end) or when
// asked to. Every instance runs one; a Redis lock per session keeps two instances from building
// the same report at once (the store keeps the newest build either way).
//
// Late events are noticed two ways: Observe (an ingest.Observer) sees every accepted batch and
// marks a recently ended session dirty when an event falls inside it; and the periodic sweep
// builds any ended session that has no report yet (a crash between the end and the build). A
// dirty session is rebuilt LateDelay after the last late event, so a burst costs one rebuild.
type Service struct {
	Builder  *Builder
	Store    *Store
	Sessions Sessions              // the live engine's stream sessions
	Redis    redis.UniversalClient // optional: the per-session build lock
	Log      *slog.Logger
	Now      func() time.Time

	// LateDelay is how long after the last late event a rebuild starts (default 10 s); Sweep is
	// how often ended sessions without a report and dirty sessions are looked at (default 15 s);
	// Horizon is how long after its end a session still takes late events (default 48 h).
	LateDelay, Sweep, Horizon time.Duration

	queue chan SessionSpan
	once  sync.Once

	mu      sync.Mutex
	recent  map[string][]SessionSpan // shop\x1froom → ended sessions within the horizon
	dirty   map[string]dirtySpan     // session id → when it last got a late event
	pending map[string]bool          // shop\x1fsession → queued by Request, not built yet
}

type dirtySpan struct {
	span SessionSpan
	last time.Time
}

func (s *Service) init() {
	s.once.Do(func() {
		s.queue = make(chan SessionSpan, 1024)
		s.recent = map[string][]SessionSpan{}
		s.dirty = map[string]dirtySpan{}
		s.pending = map[string]bool{}
		if s.Log == nil {
			s.Log = slog.Default()
		}
		if s.LateDelay <= 0 {
			s.LateDelay = 10 * time.Second
		}
		if s.Sweep <= 0 {
			s.Sweep = 15 * time.Second
		}
		if s.Horizon <= 0 {
			s.Horizon = 48 * time.Hour
		}
	})
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// SessionEnded queues the session's report (it has the signature of SessionEndedFunc). It never
// blocks: the live engine calls it while ending the session.
func (s *Service) SessionEnded(ctx context.Context, shop, room, sessionID string, start, end time.Time) {
	s.init()
	span := SessionSpan{Shop: shop, Room: room, Session: sessionID, Start: start.UTC(), End: end.UTC()}
	s.remember(span)
	select {
	case s.queue <- span:
	default:
		s.Log.Warn("report: report queue full; the sweep will build it", "shop", shop, "session", sessionID)
	}
}

// Request queues the report of shop's session for Run to build, unless it is queued already (a
// page that polls while the report is missing asks every few seconds: one build, not one per
// reload). queued is false when the session does not exist or has not ended. Run owns the build,
// so Close of the server waits for it.
func (s *Service) Request(ctx context.Context, shop, session string) (queued bool, err error) {
	s.init()
	span, ended, err := s.SessionSpan(ctx, shop, session)
	if err != nil || !ended {
		return false, err
	}
	k := span.Shop + "\x1f" + span.Session
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending[k] {
		return true, nil
	}
	select {
	case s.queue <- span:
		s.pending[k] = true
	default: // full: the sweep builds every ended session without a report
	}
	return true, nil
}

func (s *Service) remember(span SessionSpan) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := roomKey(span.Shop, span.Room)
	for _, r := range s.recent[k] {
		if r.Session == span.Session {
			return
		}
	}
	s.recent[k] = append(s.recent[k], span)
}

// Replayed marks dirty the recently ended sessions that hold events which reached ClickHouse
// only now, from the ingest spool (ingest.Writer.OnReplay): acknowledged — and received — before
// the session's end, they may have been missing when its report was built.
func (s *Service) Replayed(ctx context.Context, batches [][]ingest.Event) {
	s.init()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.recent) == 0 {
		return
	}
	for _, events := range batches {
		for i := range events {
			s.markLate(events[i].Shop, &events[i], now, false)
		}
	}
}

// Observe implements ingest.Observer: an event whose ts lies inside a session that has ended
// and that arrives after the end marks the session for a rebuild.
func (s *Service) Observe(ctx context.Context, shop string, events []ingest.Event) {
	s.init()
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range events {
		s.markLate(shop, &events[i], now, true)
	}
}

// markLate marks dirty every recently ended session of e's room whose span holds e's ts — with
// receivedAfter, only when e was received after the session's end. s.mu is held.
func (s *Service) markLate(shop string, e *ingest.Event, now time.Time, receivedAfter bool) {
	if e.Room == "" {
		return
	}
	for _, span := range s.recent[roomKey(shop, e.Room)] {
		if !e.TS.Before(span.Start.Truncate(time.Second)) && e.TS.Before(span.End.Truncate(time.Second)) &&
			(!receivedAfter || e.Received.After(span.End)) {
			s.dirty[span.Session] = dirtySpan{span: span, last: now}
		}
	}
}

// Rebuild builds and stores the report of span now (the page's rebuild action).
func (s *Service) Rebuild(ctx context.Context, span SessionSpan) (*Report, error) {
	s.init()
	if s.Redis != nil {
		lock, err := redislock.New(s.Redis).Obtain(ctx, "ld:report:{"+span.Shop+"}:build:"+span.Session, 5*time.Minute,
			&redislock.Options{RetryStrategy: redislock.LimitRetry(redislock.LinearBackoff(200*time.Millisecond), 300)})
		if err != nil {
			return nil, fmt.Errorf("report: report %s: lock: %w", span.Session, err)
		}
		defer lock.Release(context.Background())
	}
	r, err := s.Builder.Build(ctx, span)
	if err != nil {
		return nil, err
	}
	if err := s.Store.Save(ctx, r); err != nil {
		return nil, err
	}
	s.Log.Info("report: report built", "shop", span.Shop, "room", span.Room, "session", span.Session,
		"ms", r.BuildMillis, "events", r.Quality.Events, "late", r.Quality.Late)
	return r, nil
}

// Run builds queued reports and sweeps until ctx ends.
func (s *Service) Run(ctx context.Context) {
	s.init()
	t := time.NewTicker(s.Sweep)
	defer t.Stop()
	s.sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case span := <-s.queue:
			s.build(ctx, span)
		case <-t.C:
			s.sweep(ctx)
		}
	}
}

func (s *Service) build(ctx context.Context, span SessionSpan) {
	defer func() {
		s.mu.Lock()
		delete(s.pending, span.Shop+"\x1f"+span.Session)
		s.mu.Unlock()
	}()
	if _, err := s.Rebuild(ctx, span); err != nil && !errors.Is(err, context.Canceled) {
		s.Log.Error("report: report build", "shop", span.Shop, "session", span.Session, "err", err)
	}
}

// sweep reloads the recently ended sessions, builds those without a report and rebuilds the
// dirty ones whose last late event is LateDelay old.
func (s *Service) sweep(ctx context.Context) {
	now := s.now()
	ended, err := s.endedSpans(ctx, now.Add(-s.Horizon))
	if err != nil {
		s.Log.Error("report: report sweep", "err", err)
	} else {
		built := map[string]bool{}
		reports, shops, err := s.Store.Recent(ctx, now.Add(-s.Horizon))
		if err != nil {
			s.Log.Error("report: report sweep", "err", err)
			return
		}
		for i, r := range reports {
			built[shops[i]+"\x1f"+r.Session] = !r.End.IsZero()
		}
		recent := map[string][]SessionSpan{}
		for _, sp := range ended {
			recent[roomKey(sp.Shop, sp.Room)] = append(recent[roomKey(sp.Shop, sp.Room)], sp)
			if !built[sp.Shop+"\x1f"+sp.Session] {
				s.build(ctx, sp)
			}
		}
		s.mu.Lock()
		s.recent = recent
		s.mu.Unlock()
	}
	s.mu.Lock()
	var due []SessionSpan
	for id, d := range s.dirty {
		if now.Sub(d.last) >= s.LateDelay {
			due = append(due, d.span)
			delete(s.dirty, id)
		}
	}
	s.mu.Unlock()
	for _, sp := range due {
		s.build(ctx, sp)
	}
}

// Sessions gives the stream sessions the live engine keeps (*live.Engine satisfies it); the
// report reads stream_sessions only through it.
type Sessions interface {
	EndedSessions(ctx context.Context, since time.Time) ([]live.Session, error)
	SessionByID(ctx context.Context, shop, id string) (live.Session, bool, error)
}

// endedSpans returns the spans of the sessions that ended at or after since.
func (s *Service) endedSpans(ctx context.Context, since time.Time) ([]SessionSpan, error) {
	ss, err := s.Sessions.EndedSessions(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("report: ended sessions: %w", err)
	}
	out := make([]SessionSpan, len(ss))
	for i, sess := range ss {
		out[i] = spanOf(sess)
	}
	return out, nil
}

// SessionSpan returns the span of one ended session of shop from the live engine's sessions;
// ok is false when there is no such session or it has not ended.
func (s *Service) SessionSpan(ctx context.Context, shop, session string) (SessionSpan, bool, error) {
	sess, ok, err := s.Sessions.SessionByID(ctx, shop, session)
	if err != nil {
		return SessionSpan{}, false, fmt.Errorf("report: session %s: %w", session, err)
	}
	if !ok || !sess.Ended.After(sess.Started) {
		return SessionSpan{}, false, nil
	}
	return spanOf(sess), true, nil
}

// spanOf is the span of an ended session.
func spanOf(s live.Session) SessionSpan {
	return SessionSpan{Shop: s.Shop, Room: s.Room, Session: s.ID, Start: s.Started.UTC(), End: s.Ended.UTC()}
}

// roomKey identifies a shop's room in the service's maps.
func roomKey(shop, room string) string { return shop + "\x1f" + room }
