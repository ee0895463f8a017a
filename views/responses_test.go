package views

import (
	"testing"

	"github.com/livedesk/livedesk/live"
)

// TestDefaultResponsesInEnglish: every default rule's suggested response has its English label,
// so an English control room shows none in Chinese.
func TestDefaultResponsesInEnglish(t *testing.T) {
	m := newRuleMeta(LangEN)
	for id := range live.RuleNames {
		for _, r := range live.Responses(id) {
			if en := m.Labels[r.Text]; en == "" || en == r.Text {
				t.Errorf("rule %s response %q has no English label", id, r.Text)
			}
		}
	}
	if zh := newRuleMeta(LangZH).Labels["换下一款"]; zh != "换下一款" {
		t.Errorf("zh label %q", zh)
	}
}
