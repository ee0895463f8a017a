package views

import (
	"context"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/live"
)

// LiveRules is what the settings panel, the rules editor and the flag responses need of the live
// engine (*live.Engine implements it). Room "" is the shop's defaults.
type LiveRules interface {
	Config(ctx context.Context, shop, room string) (live.Config, error)
	SaveSettings(ctx context.Context, shop, room string, s live.Settings, actor string) error
	SaveRules(ctx context.Context, shop, room string, rules []live.Rule, actor string) ([]live.Rule, error)
	ResetRules(ctx context.Context, shop, room, actor string) error
	Changes(ctx context.Context, shop, room string, limit int) ([]live.ConfigChange, error)
	Preview(ctx context.Context, shop, room string, r live.Rule) ([]live.PreviewHit, error)
	Flag(ctx context.Context, shop, room, id string) (live.Flag, error)
}

// ruleMeta is what the rules editor and the flags panel need to label rules in the user's
// language: the metrics, the scopes, the question topics and the default rules' names.
type ruleMeta struct {
	Metrics []live.MetricDef     `json:"metrics"`
	Names   map[string][2]string `json:"names"` // default rule id → [zh, en]
	Topics  map[string]string    `json:"topics"`
	Ops     []string             `json:"ops"`
	// Labels are the default rules' response texts in the page's language, by their Chinese
	// text: a response still worded so is shown translated; any other text is the operator's own.
	Labels map[string]string `json:"labels"`
}

// newRuleMeta returns the labels for lang.
func newRuleMeta(lang string) ruleMeta {
	m := ruleMeta{Metrics: live.RuleMetrics, Names: live.RuleNames, Topics: map[string]string{}, Ops: live.Ops,
		Labels: map[string]string{}}
	for id := range live.RuleNames {
		for _, r := range live.Responses(id) {
			m.Labels[r.Text] = r.Text
			if en, ok := responseEN[r.Text]; ok && lang == LangEN {
				m.Labels[r.Text] = en
			}
		}
	}
	for _, t := range livedesk.Topics {
		m.Topics[t.Key] = livedesk.TopicLabel(t.Key, lang)
	}
	return m
}
