package jobs

import (
	"context"

	"github.com/livedesk/livedesk/compliance"
)

// Catalog gives the checks the shop's products and preset cues. cmd wires it over
// catalog.Catalog and stage.Actions, so jobs imports neither.
type Catalog interface {
	Products(ctx context.Context, shop string) ([]ProductText, error)
	Cues(ctx context.Context, shop string) ([]CueText, error)
}

// ProductText is a product as the checks read it: title, selling points, script and stock.
type ProductText struct {
	ID     string
	Title  string
	Points []string
	Script string
	Stock  int64
}

// CueText is one preset cue.
type CueText struct {
	ID   string
	Text string
}

// WordSource gives the shop's banned words and qualification documents; *compliance.Store
// satisfies it.
type WordSource interface {
	Words(ctx context.Context, shop string) ([]string, error)
	Qualifications(ctx context.Context, shop string) ([]compliance.Qualification, error)
}
