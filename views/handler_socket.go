package views

import (
	"context"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
)

// sessionCheckEvery is how often an open socket re-checks its session: a logout or a disabled
// user closes it within this time (plus the user cache's few seconds).
const sessionCheckEvery = 2 * time.Second

// Locals keys the upgrade handlers pass to the socket.
const (
	wsShopLocal = "views.ws.shop"
	wsRoomLocal = "views.ws.room"
)

// SocketWriteBuffers is the write-buffer pool of the page sockets. The hub writes its frames to
// the connection itself, so a socket borrows a write buffer only for a frame the websocket
// library writes (none today) instead of holding one for its whole life (10 MB at 10,000
// sockets).
var SocketWriteBuffers = &sync.Pool{}

// registerSockets mounts the room socket and the shop-wide socket. Both need a session; every
// role may read, an anchor only the room's prompter stream (Sockets.ServePrompter).
func (s *Server) registerSockets(r fiber.Router) {
	serve := websocket.New(s.serveSocket, websocket.Config{RecoverHandler: s.socketRecover, WriteBufferPool: SocketWriteBuffers})
	r.Get("/rooms/:room/ws", s.RequireRole(), s.roomSocketUpgrade, serve)
	r.Get("/ws", s.RequireRole(), s.shopSocketUpgrade, serve)
}

// roomSocketUpgrade admits a socket of a room of the user's shop (404 for any other room). While
// ClickHouse is down a room the engine is streaming is still admitted: the socket carries only
// what Redis holds.
func (s *Server) roomSocketUpgrade(c *fiber.Ctx) error {
	u := CurrentUser(c)
	room := c.Params("room")
	ok, _, err := s.Rooms.ExistsLive(c.UserContext(), u.Shop, room)
	if err != nil {
		s.Log.Error("views: room socket", "err", err)
		return c.SendStatus(fiber.StatusServiceUnavailable)
	}
	if !ok {
		return c.SendStatus(fiber.StatusNotFound)
	}
	return s.admitSocket(c, u.Shop, room)
}

// shopSocketUpgrade admits the shop-wide socket (task notifications and other shop messages).
// An anchor has none: the shop's notifications are the team's, not the prompter's.
func (s *Server) shopSocketUpgrade(c *fiber.Ctx) error {
	if CurrentUser(c).Role == RoleAnchor {
		return c.SendStatus(fiber.StatusForbidden)
	}
	return s.admitSocket(c, CurrentUser(c).Shop, "")
}

// admitSocket checks the upgrade request and its Origin (no cross-site socket hijacking).
func (s *Server) admitSocket(c *fiber.Ctx, shop, room string) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return c.SendStatus(fiber.StatusUpgradeRequired)
	}
	if !s.sameOrigin(c) {
		return c.SendStatus(fiber.StatusForbidden)
	}
	c.Locals(wsShopLocal, shop)
	c.Locals(wsRoomLocal, room)
	return c.Next()
}

// serveSocket hands the connection to the hub and closes it early when the session ends.
func (s *Server) serveSocket(conn *websocket.Conn) {
	u, _ := conn.Locals(userLocal).(User)
	shop, _ := conn.Locals(wsShopLocal).(string)
	room, _ := conn.Locals(wsRoomLocal).(string)
	if !u.LoggedIn() || shop != u.Shop {
		_ = conn.Close()
		return
	}
	done := make(chan struct{})
	defer close(done)
	go s.watchSession(conn, u, done)
	if u.Role == RoleAnchor {
		// An anchor sees the prompter's data only (shopSocketUpgrade refuses its /ws).
		s.Hub.ServePrompter(conn, shop, room)
		return
	}
	s.Hub.Serve(conn, shop, room)
}

// watchSession closes conn once the user's session is no longer valid.
func (s *Server) watchSession(conn *websocket.Conn, u User, done <-chan struct{}) {
	t := time.NewTicker(sessionCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), sessionCheckEvery)
			ok := s.stillValid(ctx, u)
			cancel()
			if !ok {
				s.Log.Info("views: closing socket of ended session", "shop", u.Shop, "user", u.Name)
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "session ended"), time.Now().Add(time.Second))
				_ = conn.Close()
				return
			}
		}
	}
}

// socketRecover logs a panic in a socket handler; the client only sees the connection close.
func (s *Server) socketRecover(conn *websocket.Conn) {
	if r := recover(); r != nil {
		s.Log.Error("views: socket panic", "panic", r, "stack", string(debug.Stack()))
		_ = conn.Close()
	}
}
