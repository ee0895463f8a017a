package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrUnavailable means storage could not take the events; nothing was acknowledged.
var ErrUnavailable = errors.New("ingest: storage unavailable")

// maxErrors caps the rejected-line details returned in one response.
const maxErrors = 100

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
}

// Ingest handles one body for shop. Valid events are kept even when other lines are rejected.
// It returns ErrBusy or ErrUnavailable (wrapped) when nothing could be acknowledged.
func (s *Service) Ingest(ctx context.Context, shop string, body []byte) (Result, error) {
	events, rejects := Parse(body, shop, s.now())
	res := Result{Rejected: len(rejects)}
	if len(rejects) > maxErrors {
		rejects = rejects[:maxErrors]
	}
	res.Errors = rejects
	if len(events) == 0 {
		return res, nil
	}
	fresh, dups, claimed, err := s.Dedup.Claim(ctx, shop, events)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	res.Duplicates = dups
	if err := s.Writer.Write(ctx, fresh); err != nil {
		if rerr := s.Dedup.Release(claimed); rerr != nil {
			s.Log.Error("ingest: release dedup keys after failed write", "err", rerr)
		}
		if errors.Is(err, ErrBusy) {
			return res, err
		}
		return res, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	res.Accepted = len(fresh)
	for _, o := range s.Observers {
		o.Observe(ctx, shop, fresh)
	}
	return res, nil
}

// Record stores events the server itself produces (operator actions such as pins and cues). They
// go through the same dedup, durable write and observers as posted events.
func (s *Service) Record(ctx context.Context, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	shop := events[0].Shop
	for i := range events {
		if events[i].Shop != shop {
			return errors.New("ingest: record: events of more than one shop")
		}
		if events[i].Received.IsZero() {
			events[i].Received = s.now().UTC()
		}
	}
	fresh, _, claimed, err := s.Dedup.Claim(ctx, shop, events)
	if err != nil {
		return fmt.Errorf("ingest: record: %w", err)
	}
	if err := s.Writer.Write(ctx, fresh); err != nil {
		_ = s.Dedup.Release(claimed)
		return fmt.Errorf("ingest: record: %w", err)
	}
	for _, o := range s.Observers {
		o.Observe(ctx, shop, fresh)
	}
	return nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
