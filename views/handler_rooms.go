package views

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk"
)

// registerRooms mounts the room list, room creation and the control room.
func (s *Server) registerRooms(r fiber.Router) {
	r.Get("/", s.RequireRole(), s.roomsPage)
	r.Post("/rooms", s.RequireRole(StreamRoles...), s.roomCreate)
}

// roomsPage lists the rooms of the user's shop.
func (s *Server) roomsPage(c *fiber.Ctx) error {
	u := CurrentUser(c)
	rooms, err := s.listRooms(c.UserContext(), u.Shop)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: rooms page: %w", err))
	}
	return s.render(c, RoomsPage(s.page(c, "rooms.title"), rooms, ""))
}

// roomCreate records a new room of the user's shop and opens its control room.
func (s *Server) roomCreate(c *fiber.Ctx) error {
	u := CurrentUser(c)
	room := strings.TrimSpace(c.FormValue("room"))
	if livedesk.ValidRoom(room) != nil {
		rooms, err := s.listRooms(c.UserContext(), u.Shop)
		if err != nil {
			return s.reply(c, fmt.Errorf("views: rooms page: %w", err))
		}
		c.Status(fiber.StatusBadRequest)
		p := s.page(c, "rooms.title")
		return s.render(c, RoomsPage(p, rooms, p.T("rooms.new.bad")))
	}
	if err := s.Rooms.Create(c.UserContext(), u.Shop, room, s.now()); err != nil {
		return s.reply(c, fmt.Errorf("views: create room: %w", err))
	}
	return c.Redirect("/rooms/"+url.PathEscape(room), fiber.StatusSeeOther)
}
