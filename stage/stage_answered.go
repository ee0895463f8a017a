package stage

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/ingest"
)

// AnsweredTextPrefix starts the text of a topic-answered event.
const AnsweredTextPrefix = "已回答："

// AnswerTopic marks the buyer question topic (a livedesk.PrompterTopic) answered now in room (the anchor's "answered" tap
// on the prompter): the prompter then counts only the topic's questions after this moment. It
// is recorded as a cue event with Extra {"answered":"<topic>"} (so the report can show it) and
// stored with the stage, so it survives a restart and reaches every screen.
func (a *Actions) AnswerTopic(ctx context.Context, shop, room, topic, by string) (Stage, error) {
	label := livedesk.TopicLabel(topic, "zh")
	if !livedesk.PrompterTopic(topic) { // "other" is never on the prompter, so never answered there
		return Stage{}, invalid("topic", "unknown question topic", "未知的提问类别")
	}
	return a.change(ctx, shop, room, func(st *Stage, now time.Time) (*ingest.Event, error) {
		if st.Answered == nil {
			st.Answered = map[string]int64{}
		}
		st.Answered[topic] = ms(now)
		return &ingest.Event{Type: ingest.TypeCue, User: by, Text: AnsweredTextPrefix + label,
			Extra: extra(map[string]any{"answered": topic})}, nil
	})
}

// answeredTopic returns the topic a cue event marks answered ("" when it does not).
func answeredTopic(e *ingest.Event) string {
	if e.Extra == "" || !strings.Contains(e.Extra, `"answered"`) {
		return ""
	}
	var x struct {
		Answered string `json:"answered"`
	}
	if json.Unmarshal([]byte(e.Extra), &x) != nil || livedesk.TopicLabel(x.Answered, "zh") == "" {
		return ""
	}
	return x.Answered
}
