package livedesk

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// LabelledComment is one line of a question corpus: a comment and its topic key (TopicNone when
// it is not a question).
type LabelledComment struct {
	Text, Key string
}

// ReadQuestionCorpus reads a question corpus: one "text<TAB>key" a line, the key one of the
// Topics' keys or TopicNone; blank lines and lines starting with # are skipped.
func ReadQuestionCorpus(r io.Reader) ([]LabelledComment, error) {
	var out []LabelledComment
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, '\t')
		if i < 0 {
			return nil, fmt.Errorf("line %d: want text<TAB>key", n)
		}
		text, key := line[:i], strings.TrimSpace(line[i+1:])
		if key != TopicNone && TopicLabel(key, "zh") == "" {
			return nil, fmt.Errorf("line %d: unknown topic key %q", n, key)
		}
		out = append(out, LabelledComment{Text: text, Key: key})
	}
	return out, sc.Err()
}

// TopicScore is one topic key's result over a corpus. Precision is TP/(TP+FP) and recall
// TP/(TP+FN); a key never predicted has precision 0 (when it has examples).
type TopicScore struct {
	Key               string
	TP, FP, FN        int
	Precision, Recall float64
}

// QuestionEval is ClassifyComment's score over a corpus: per key (the Topics' keys, then
// TopicNone) and the macro averages over the keys that occur in the corpus or the predictions.
type QuestionEval struct {
	N, Correct     int
	Scores         []TopicScore
	MacroP, MacroR float64
	Wrong          []LabelledComment // the misclassified comments, Key = the predicted key
	WrongWant      []string          // the wanted key of each Wrong comment
}

// EvalQuestions classifies every comment of corpus and scores the result per topic key.
func EvalQuestions(corpus []LabelledComment) QuestionEval {
	keys := make([]string, 0, len(Topics)+1)
	for _, t := range Topics {
		keys = append(keys, t.Key)
	}
	keys = append(keys, TopicNone)
	idx := map[string]int{}
	ev := QuestionEval{N: len(corpus), Scores: make([]TopicScore, len(keys))}
	for i, k := range keys {
		idx[k] = i
		ev.Scores[i].Key = k
	}
	for _, c := range corpus {
		got := ClassifyComment(c.Text)
		if got == "" {
			got = TopicNone
		}
		if got == c.Key {
			ev.Correct++
			ev.Scores[idx[got]].TP++
			continue
		}
		ev.Scores[idx[got]].FP++
		ev.Scores[idx[c.Key]].FN++
		ev.Wrong = append(ev.Wrong, LabelledComment{Text: c.Text, Key: got})
		ev.WrongWant = append(ev.WrongWant, c.Key)
	}
	used := 0
	for i := range ev.Scores {
		s := &ev.Scores[i]
		if s.TP+s.FP+s.FN == 0 {
			continue
		}
		used++
		if s.TP+s.FP > 0 {
			s.Precision = float64(s.TP) / float64(s.TP+s.FP)
		}
		if s.TP+s.FN > 0 {
			s.Recall = float64(s.TP) / float64(s.TP+s.FN)
		} else {
			s.Recall = 1 // predicted but absent from the corpus: its false positives count in precision
		}
		ev.MacroP += s.Precision
		ev.MacroR += s.Recall
	}
	if used > 0 {
		ev.MacroP /= float64(used)
		ev.MacroR /= float64(used)
	}
	return ev
}
