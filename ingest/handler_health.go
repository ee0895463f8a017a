package ingest

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Check reports whether one dependency is reachable.
type Check func(ctx context.Context) error

// Health serves /healthz (the process is up) and /readyz (every check passes).
type Health struct {
	Checks map[string]Check
}

// Register mounts the health routes.
func (h *Health) Register(r fiber.Router) {
	r.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	r.Get("/readyz", h.ready)
}

func (h *Health) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	out := fiber.Map{}
	ok := true
	for name, check := range h.Checks {
		if err := check(ctx); err != nil {
			out[name] = "unreachable"
			ok = false
			continue
		}
		out[name] = "ok"
	}
	if !ok {
		return c.Status(fiber.StatusServiceUnavailable).JSON(out)
	}
	return c.JSON(out)
}
