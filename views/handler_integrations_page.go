package views

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/livedesk/livedesk/platform"
)

// Integrations is what the Integrations page needs of the platform package
// (*platform.Admin satisfies it).
type Integrations interface {
	List(ctx context.Context, shop string) ([]platform.Integration, error)
	Put(ctx context.Context, in platform.Integration) error
	Remove(ctx context.Context, shop, platform, by string) error
	Summary(ctx context.Context, shop, platform string) (platform.Summary, error)
}

func (s *Server) registerIntegrations(r fiber.Router) {
	if s.Integrations == nil {
		return
	}
	r.Get("/integrations", s.RequireRole(RoleAdmin), s.integrationsPage)
	r.Post("/integrations/:platform", s.RequireRole(RoleAdmin), s.integrationSave)
	r.Post("/integrations/:platform/remove", s.RequireRole(RoleAdmin), s.integrationRemove)
}

// IntegrationCard is one platform on the Integrations page.
type IntegrationCard struct {
	Platform  string
	Connected bool
	In        platform.Integration // secret masked
	HookURL   string
	Summary   platform.Summary
}

// IntegrationsView is what the Integrations page shows. Msg/Bad are a notice or an error for
// the card Focus.
type IntegrationsView struct {
	Cards []IntegrationCard
	Ads   []IntegrationCard // ad platforms (千川): set on the command line, polled, no push URL
	Focus string
	Msg   string
	Bad   string
}

// integrationsPage shows, per platform, the shop's connection, the URL to register, the last
// message, counts by type and the last errors.
func (s *Server) integrationsPage(c *fiber.Ctx) error {
	p := s.page(c, "integrations.title")
	v, err := s.integrationsView(c, p)
	if err != nil {
		return s.reply(c, fmt.Errorf("views: integrations page: %w", err))
	}
	switch {
	case c.Query("saved") != "":
		v.Focus, v.Msg = c.Query("saved"), p.T("integrations.saved")
	case c.Query("removed") != "":
		v.Focus, v.Msg = c.Query("removed"), p.T("integrations.removed")
	}
	return s.render(c, IntegrationsPage(p, v))
}

func (s *Server) integrationsView(c *fiber.Ctx, p Page) (IntegrationsView, error) {
	ctx, shop := c.UserContext(), p.User.Shop
	list, err := s.Integrations.List(ctx, shop)
	if err != nil {
		return IntegrationsView{}, err
	}
	var v IntegrationsView
	for _, name := range platform.Platforms {
		card := IntegrationCard{Platform: name, HookURL: platform.HookURL(s.BaseURL, name, shop)}
		for _, in := range list {
			if in.Platform == name {
				card.Connected, card.In = true, in
			}
		}
		if card.Summary, err = s.Integrations.Summary(ctx, shop, name); err != nil {
			return IntegrationsView{}, err
		}
		v.Cards = append(v.Cards, card)
	}
	for _, name := range platform.AdPlatforms {
		card := IntegrationCard{Platform: name}
		for _, in := range list {
			if in.Platform == name {
				card.Connected, card.In = true, in
			}
		}
		if card.Summary, err = s.Integrations.Summary(ctx, shop, name); err != nil {
			return IntegrationsView{}, err
		}
		v.Ads = append(v.Ads, card)
	}
	return v, nil
}
