package ingest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUnavailable means storage could not take the events; nothing was acknowledged.
var ErrUnavailable = errors.New("ingest: storage unavailable")

// maxErrors caps the rejected-line details returned in one response.
const maxErrors = 100

// ErrTooManyLines refuses a body of more than MaxLines lines, before any is parsed (413).
var ErrTooManyLines = fmt.Errorf("ingest: more than %d lines in one request; send smaller batches", MaxLines)

// Result is what one request's events came to.
type Result struct {
	Accepted   int      `json:"accepted"`
	Duplicates int      `json:"duplicates"`
	Rejected   int      `json:"rejected"`
	Errors     []Reject `json:"errors,omitempty"`
}

// Service runs the ingest pipeline: parse → dedup → durable write → observers.
type Service struct {
	Dedup     *Dedup
	Writer    *Writer
	Observers []Observer
	Log       *slog.Logger
	Now       func() time.Time
	// Quota holds each shop to its events per second and Redis memory (nil: no quotas).
	Quota *Quota
	// MaxInflight bounds the body bytes being parsed, deduplicated and written at once (default
	// 256 MB); past it requests get ErrBusy (429 + Retry-After) so memory stays bounded. The
	// writer's queue bounds the events waiting for ClickHouse the same way.
	MaxInflight int64

	inflight atomic.Int64
	stats    struct{ requests, parse, claim, write, observe atomic.Int64 }
}

// ServiceStats adds up where ingest time went since start (for the bench and profiling).
type ServiceStats struct {
	Requests                     int64
	Parse, Claim, Write, Observe time.Duration
}

// Stats returns the time spent in each stage, summed over requests.
func (s *Service) Stats() ServiceStats {
	return ServiceStats{Requests: s.stats.requests.Load(), Parse: time.Duration(s.stats.parse.Load()),
		Claim: time.Duration(s.stats.claim.Load()), Write: time.Duration(s.stats.write.Load()),
		Observe: time.Duration(s.stats.observe.Load())}
}

// Ingest handles one body for shop. Valid events are kept even when other lines are rejected.
// It returns ErrBusy or ErrUnavailable (wrapped) when nothing could be acknowledged.
func (s *Service) Ingest(ctx context.Context, shop string, body []byte) (Result, error) {
	size := int64(len(body))
	limit := s.MaxInflight
	if limit <= 0 {
		limit = 256 << 20
	}
	if n := s.inflight.Add(size); n > limit && n != size {
		s.inflight.Add(-size)
		return Result{}, fmt.Errorf("%w: %d bytes of requests in progress", ErrBusy, n-size)
	}
	defer s.inflight.Add(-size)
	s.stats.requests.Add(1)
	newlines := bytes.Count(body, []byte{'\n'})
	if newlines >= MaxLines {
		return Result{}, ErrTooManyLines
	}
	began := time.Now()
	events, rejects, rejected := parse(body, shop, s.now(), maxErrors, newlines)
	s.stats.parse.Add(int64(time.Since(began)))
	if rejected < 0 {
		return Result{}, ErrTooManyLines
	}
	res := Result{Rejected: rejected, Errors: rejects}
	if len(events) == 0 {
		countResult(res)
		return res, nil
	}
	if err := s.Quota.Take(ctx, shop, len(events)); err != nil {
		return res, err
	}
	if s.Writer.Full(len(events)) {
		// Refused before claiming: a refusal under load costs no Redis round trips (claiming
		// and releasing 1,000 ids took Redis time the accepted requests were waiting for).
		return res, ErrBusy
	}
	began = time.Now()
	claim, err := s.Dedup.Claim(ctx, shop, events)
	s.stats.claim.Add(int64(time.Since(began)))
	if errors.Is(err, ErrPending) {
		return res, fmt.Errorf("%w: %w", ErrBusy, err)
	}
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	res.Duplicates = claim.Duplicates
	if err := s.store(ctx, claim); err != nil {
		if errors.Is(err, ErrBusy) {
			return res, err
		}
		return res, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	res.Accepted = len(claim.Fresh)
	countResult(res)
	return res, nil
}

// store makes claimed events durable, marks their ids stored and tells the observers. On a failed
// write the claims are released so that a retry is not taken for a duplicate.
func (s *Service) store(ctx context.Context, claim *Claim) error {
	if len(claim.Fresh) == 0 {
		return nil
	}
	began := time.Now()
	err := s.Writer.Write(ctx, claim.Fresh)
	s.stats.write.Add(int64(time.Since(began)))
	if err != nil {
		if rerr := s.Dedup.Release(claim); rerr != nil {
			s.Log.Error("ingest: release dedup keys after failed write", "err", rerr)
		}
		return err
	}
	// The events are durable: acknowledge them even if Redis fails now. Their claims then lapse
	// after the lease and a re-send is checked against ClickHouse (Dedup.Stored).
	began = time.Now()
	defer func() { s.stats.observe.Add(int64(time.Since(began))) }()
	// Marking the ids stored and telling each observer are independent Redis round trips: run
	// them side by side, and acknowledge once all are done (observers see every acknowledged
	// batch before its 2xx).
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.Dedup.Commit(cctx, claim); err != nil {
			s.Log.Error("ingest: mark stored ids", "err", err)
		}
	}()
	for i, o := range s.Observers {
		if i == len(s.Observers)-1 {
			o.Observe(ctx, claim.shop, claim.Fresh)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.Observe(ctx, claim.shop, claim.Fresh)
		}()
	}
	wg.Wait()
	return nil
}

// Record stores events the server itself produces (operator actions such as pins and cues). They
// go through the same dedup, durable write and observers as posted events. An event without an id
// gets a random one; one without a time gets the received time.
func (s *Service) Record(ctx context.Context, events []Event) error {
	_, err := s.Submit(ctx, events)
	return err
}

// Submit is Record returning how many events were new (Accepted) and how many were already
// stored (Duplicates): the platform adapters build events with ids derived from the platform's
// own ids, so a redelivered push is a duplicate and is counted once.
func (s *Service) Submit(ctx context.Context, events []Event) (Result, error) {
	if len(events) == 0 {
		return Result{}, nil
	}
	shop := events[0].Shop
	var res Result
	now := s.now()
	for i := range events {
		if events[i].Shop != shop {
			return Result{}, errors.New("ingest: record: events of more than one shop")
		}
		if events[i].Received.IsZero() {
			events[i].Received = now.UTC()
		}
		if events[i].ID == "" {
			events[i].ID = "srv-" + newToken() // server-made events need no sender id
		}
		if events[i].TS.IsZero() {
			events[i].TS = events[i].Received
		}
		// Every stored time is in the window the parser enforces (the dedup's lookDepth relies on
		// no id being claimed more than an hour before its event time). Adapters check it
		// themselves; one that did not loses the event here, counted and logged, not the batch.
		if !InWindow(events[i].TS, now) {
			res.Rejected++
			res.Errors = append(res.Errors, Reject{Line: i + 1, Field: "ts", Reason: "before 2010 or more than an hour in the future"})
			s.Log.Warn("ingest: record: event time outside the window", "shop", shop, "id", events[i].ID, "ts", events[i].TS)
		}
	}
	if res.Rejected > 0 {
		events = slices.DeleteFunc(slices.Clone(events), func(e Event) bool { return !InWindow(e.TS, now) })
	}
	if len(events) == 0 {
		return res, nil
	}
	if err := s.Quota.Take(ctx, shop, len(events)); err != nil {
		return Result{}, fmt.Errorf("ingest: record: %w", err)
	}
	claim, err := s.Dedup.Claim(ctx, shop, events)
	if err != nil {
		return Result{}, fmt.Errorf("ingest: record: %w", err)
	}
	if err := s.store(ctx, claim); err != nil {
		return Result{}, fmt.Errorf("ingest: record: %w", err)
	}
	res.Accepted, res.Duplicates = len(claim.Fresh), claim.Duplicates
	return res, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// newToken is 24 random hex digits (server-made event ids).
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
