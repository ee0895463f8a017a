package views

import (
	"context"

	"github.com/livedesk/livedesk/live"
)

// RoomRow is one line of the room list.
type RoomRow = live.RoomListing

// RoomStates tells which rooms of a shop are live (the live engine implements it).
type RoomStates interface {
	Rooms(ctx context.Context, shop string) ([]live.RoomInfo, error)
}

// listRooms returns the shop's rooms (live.Rooms.List): live ones first, then by newest activity.
func (s *Server) listRooms(ctx context.Context, shop string) ([]RoomRow, error) {
	var states []live.RoomInfo
	if s.States != nil {
		var err error
		if states, err = s.States.Rooms(ctx, shop); err != nil {
			return nil, err
		}
	}
	return s.Rooms.List(ctx, shop, states)
}
