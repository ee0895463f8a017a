package views

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address a request came from, for login limits and logs: the connection's
// peer, unless the peer is one of TrustedProxies — then the rightmost X-Forwarded-For entry that
// is not a trusted proxy (entries to its left were written by the client and prove nothing).
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP().String()
	if !s.trusted(peer) {
		return peer
	}
	parts := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		ip := strings.TrimSpace(parts[i])
		if _, err := netip.ParseAddr(ip); err != nil {
			break
		}
		if !s.trusted(ip) {
			return ip
		}
	}
	return peer
}

// trusted reports whether ip is in TrustedProxies.
func (s *Server) trusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range s.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}
