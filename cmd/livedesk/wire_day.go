package main

import (
	"context"
	"strconv"

	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/jobs"
	"github.com/livedesk/livedesk/stage"
)

// jobsCatalog gives the recaps and the compliance scan the catalog's products and the stage's
// preset cues (jobs imports neither).
type jobsCatalog struct {
	c *catalog.Catalog
	s *stage.Actions
}

// Products returns every product of shop with its texts and stock.
func (j jobsCatalog) Products(ctx context.Context, shop string) ([]jobs.ProductText, error) {
	ps, err := j.c.List(ctx, shop)
	if err != nil {
		return nil, err
	}
	out := make([]jobs.ProductText, 0, len(ps))
	for _, p := range ps {
		out = append(out, jobs.ProductText{ID: p.ID, Title: p.Title, Points: p.Points, Script: p.Script, Stock: p.Stock})
	}
	return out, nil
}

// Cues returns shop's preset cues, numbered from 1.
func (j jobsCatalog) Cues(ctx context.Context, shop string) ([]jobs.CueText, error) {
	cs, err := j.s.Presets(ctx, shop)
	if err != nil {
		return nil, err
	}
	out := make([]jobs.CueText, 0, len(cs))
	for i, c := range cs {
		out = append(out, jobs.CueText{ID: strconv.Itoa(i + 1), Text: c})
	}
	return out, nil
}
