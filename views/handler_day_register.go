package views

import "github.com/gofiber/fiber/v2"

// registerDay mounts the daily-workflow pages of issue 16: recaps with their exports and the
// retention list, the shop's zone and currency, compliance (banned words, qualifications), and
// the control room's traffic-source shares.
func (s *Server) registerDay(app *fiber.App) {
	if s.Jobs == nil {
		return
	}
	app.Get("/recaps", s.RequireRole(DeskRoles...), s.recapsPage)
	app.Get("/recaps/retention.:ext", s.RequireRole(RoleAdmin, RoleOperator), s.retentionExport)
	app.Get("/recaps/:kind/:day.xlsx", s.RequireRole(DeskRoles...), s.recapXLSX)
	app.Get("/shop", s.RequireRole(RoleAdmin), s.shopPage)
	app.Post("/shop", s.RequireRole(RoleAdmin), s.shopSave)
	if s.Compliance != nil {
		app.Get("/compliance", s.RequireRole(RoleAdmin), s.compliancePage)
		app.Post("/compliance/words", s.RequireRole(RoleAdmin), s.complianceWord)
		app.Post("/compliance/qualifications", s.RequireRole(RoleAdmin), s.complianceQual)
	}
}
