package report

import (
	"sort"

	"github.com/livedesk/livedesk"
)

// maxExamples is how many example texts a question topic shows.
const maxExamples = 3

// questionTopics classifies the session's comment texts with the live engine's classifier
// (classifyComment, so the report and the control room agree) and returns the topics by count,
// each with its most frequent texts as examples. Count is distinct comment events.
func questionTopics(texts []textCount) []TopicRow {
	rows := map[string]*TopicRow{}
	for _, t := range texts { // most frequent first, so examples are the most asked
		topic := livedesk.ClassifyComment(t.text)
		if topic == "" {
			continue
		}
		r := rows[topic]
		if r == nil {
			r = &TopicRow{Topic: topic, Examples: []string{}}
			rows[topic] = r
		}
		r.Count += t.n
		if len(r.Examples) < maxExamples {
			r.Examples = append(r.Examples, t.text)
		}
	}
	out := make([]TopicRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Topic < out[j].Topic
	})
	return out
}
