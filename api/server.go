package api

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk"

	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/jobs"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/platform"
	"github.com/livedesk/livedesk/report"
	"github.com/livedesk/livedesk/shops"
	"github.com/livedesk/livedesk/stage"
	"github.com/livedesk/livedesk/views"
)

// Server holds the services the API calls. cmd/livedesk fills it.
type Server struct {
	Keys      *ingest.Keys     // Bearer keys and their scopes
	Sessions  *views.Server    // login sessions (SessionUser)
	Engine    *live.Engine     // snapshots, minutes, sessions, flags, settings
	Rooms     *live.Rooms      // which rooms a shop has
	Stage     *stage.Actions   // the prompter's stage and the operator's actions
	Catalog   *catalog.Catalog // products
	Reports   *report.Service  // post-stream reports
	Scheduler *jobs.Scheduler  // jobs: next runs
	Runner    *jobs.Runner     // jobs: run, settings, runs, tasks
	Relay     *platform.Relay  // live-room relay intake (nil: not mounted)
	Totals    *platform.Totals // running-totals intake (nil: not mounted)
	Location  *time.Location   // the shop's time zone (its name goes with every time)
	Shops     *shops.Settings  // each shop's zone and currency for the exports (nil: Location and CNY)
	Log       *slog.Logger
	Now       func() time.Time
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Register mounts the API on app under /api/v1.
func (s *Server) Register(app *fiber.App) {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Location == nil {
		s.Location = time.UTC
	}
	r := app.Group("/api/v1")
	r.Get("/openapi.json", s.openAPI)
	read, operate, admin, stageRead := s.auth(needRead), s.auth(needOperate), s.auth(needAdmin), s.auth(needStage)

	r.Get("/rooms", read, s.listRooms)
	r.Get("/rooms/:room/live", read, s.roomLive)
	r.Get("/rooms/:room/minutes", read, s.roomMinutes)
	r.Get("/rooms/:room/stage", stageRead, s.roomStage)
	r.Get("/rooms/:room/sessions", read, s.roomSessions)
	r.Post("/rooms/:room/sessions", admin, s.recordSession)
	r.Get("/rooms/:room/settings", read, s.getSettings)
	r.Put("/rooms/:room/settings", operate, s.putSettings)
	r.Get("/rooms/:room/rules", read, s.getRules)
	r.Put("/rooms/:room/rules", operate, s.putRules)
	r.Post("/rooms/:room/session/start", operate, s.sessionStart)
	r.Post("/rooms/:room/session/end", operate, s.sessionEnd)
	r.Post("/rooms/:room/actions/:action", operate, s.roomAction)
	r.Post("/rooms/:room/flags/:flag/:verb", operate, s.flagAction)

	r.Get("/sessions/:id/report", read, s.sessionReport)
	r.Get("/sessions/:id/report.xlsx", read, s.sessionReportXLSX)
	r.Get("/sessions/:id/minutes.csv", read, s.sessionMinutesCSV)

	r.Get("/products", read, s.listProducts)
	r.Post("/products", admin, s.createProduct)
	r.Get("/products/:id", read, s.getProduct)
	r.Put("/products/:id", admin, s.putProduct)
	r.Delete("/products/:id", admin, s.deleteProduct)

	r.Get("/tasks", read, s.listTasks)
	r.Post("/tasks/:id/done", operate, s.taskDone)
	r.Post("/tasks/:id/snooze", operate, s.taskSnooze)

	r.Get("/jobs", read, s.listJobs)
	r.Get("/jobs/runs", read, s.listRuns)
	r.Post("/jobs/:name/run", admin, s.runJob)

	ingestScope := s.auth(livedesk.ScopeIngest) // relays and dashboards' totals (relay.go)
	r.Post("/relay/:platform", ingestScope, s.postRelay)
	r.Post("/totals", ingestScope, s.postTotals)
}
