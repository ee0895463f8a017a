package views

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/report"
)

// registerReports mounts the post-stream report (复盘): the report page, its rebuild action and
// exports, and a room's past sessions. Every route is scoped to the user's shop.
func (s *Server) registerReports(r fiber.Router) {
	if s.Reports == nil {
		return
	}
	h := &reportHandlers{s: s, store: s.Reports.Store, svc: s.Reports}
	r.Get("/rooms/:room/sessions", s.RequireRole(DeskRoles...), h.sessions)
	r.Get("/sessions/:id/report", s.RequireRole(DeskRoles...), h.page)
	r.Get("/sessions/:id/report.xlsx", s.RequireRole(DeskRoles...), h.xlsx)
	r.Get("/sessions/:id/minutes.csv", s.RequireRole(DeskRoles...), h.csv)
	r.Post("/sessions/:id/report/rebuild", s.RequireRole(RoleAdmin, RoleOperator), h.rebuild)
}

// reportHandlers serves the report pages.
type reportHandlers struct {
	s     *Server
	store *report.Store
	svc   *report.Service
}

// load returns the stored report of the session id of the user's shop. When the session has
// ended but no report is stored yet, it asks the report service for a build and returns building.
func (h *reportHandlers) load(c *fiber.Ctx) (r *report.Report, building bool, err error) {
	u := CurrentUser(c)
	id := c.Params("id")
	r, ok, err := h.store.Load(c.UserContext(), u.Shop, id)
	if err != nil || ok {
		return r, false, err
	}
	building, err = h.svc.Request(c.UserContext(), u.Shop, id)
	return nil, building, err
}

// lang maps the page language onto the report labels' ("en" or zh-CN).
func reportLang(lang string) string {
	if lang == LangEN {
		return "en"
	}
	return "zh"
}

// RatePct formats a rate as a percentage with two decimals, "—" without a denominator.
func RatePct(r livedesk.Ratio) string {
	if !r.OK {
		return "—"
	}
	return strconv.FormatFloat(r.Value*100, 'f', 2, 64) + "%"
}

// RateMoney formats a money rate (fen, e.g. GPM, UV value) as ¥ with two decimals, or "—".
func RateMoney(r livedesk.Ratio) string {
	if !r.OK {
		return "—"
	}
	return Money(int64(math.Round(r.Value)))
}

// RatePlain formats a plain ratio (ROI) with two decimals, or "—".
func RatePlain(r livedesk.Ratio) string {
	if !r.OK {
		return "—"
	}
	return strconv.FormatFloat(r.Value, 'f', 2, 64)
}

// RateParts says what a rate divides: "12 ÷ 345".
func RateParts(r livedesk.Ratio) string {
	return Int(int64(math.Round(r.Num))) + " ÷ " + Int(int64(math.Round(r.Den)))
}

// RateMoneyParts says what a money rate divides: "¥1,234.00 ÷ 345".
func RateMoneyParts(r livedesk.Ratio) string {
	return Money(int64(math.Round(r.Num))) + " ÷ " + Int(int64(math.Round(r.Den)))
}
