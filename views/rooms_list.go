package views

import (
	"context"
	"sort"
	"time"

	"github.com/livedesk/livedesk/live"
)

// RoomRow is one line of the room list.
type RoomRow struct {
	Room     string
	Title    string
	Last     time.Time // newest event, zero when none
	Events24 uint64    // events in the last 24 hours
	Live     bool      // a stream session is running
}

// RoomStates tells which rooms of a shop are live (the live engine implements it).
type RoomStates interface {
	Rooms(ctx context.Context, shop string) ([]live.RoomInfo, error)
}

// listRooms returns the shop's rooms: those created in the console, those named by events of the
// last 90 days and those the live engine knows; live rooms first, then by newest activity.
func (s *Server) listRooms(ctx context.Context, shop string) ([]RoomRow, error) {
	acts, err := s.Rooms.Activity(ctx, shop)
	if err != nil {
		return nil, err
	}
	byRoom := make(map[string]*RoomRow, len(acts))
	for _, a := range acts {
		byRoom[a.Room] = &RoomRow{Room: a.Room, Title: a.Title, Last: a.Last, Events24: a.Events24}
	}
	if s.States != nil {
		states, err := s.States.Rooms(ctx, shop)
		if err != nil {
			return nil, err
		}
		for _, st := range states {
			r, ok := byRoom[st.Room]
			if !ok {
				r = &RoomRow{Room: st.Room}
				byRoom[st.Room] = r
			}
			r.Live = st.State == live.StateLive
		}
	}
	out := make([]RoomRow, 0, len(byRoom))
	for _, r := range byRoom {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Live != out[j].Live {
			return out[i].Live
		}
		if !out[i].Last.Equal(out[j].Last) {
			return out[i].Last.After(out[j].Last)
		}
		return out[i].Room < out[j].Room
	})
	return out, nil
}
