package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/livedesk/livedesk"
)

// runEvalQuestions scores livedesk.ClassifyComment on a labelled corpus (text<TAB>key a line):
// precision and recall per topic key, then the macro averages on the last line.
func runEvalQuestions(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval-questions", "eval-questions [--file testdata/questions.tsv] [--wrong]", stderr)
	file := fs.String("file", "testdata/questions.tsv", "labelled comments, one text<TAB>topic key a line (key none = not a question)")
	wrong := fs.Bool("wrong", false, "also list the misclassified comments")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	corpus, err := livedesk.ReadQuestionCorpus(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	ev := livedesk.EvalQuestions(corpus)
	if *wrong {
		for i, w := range ev.Wrong {
			fmt.Fprintf(stdout, "wrong\t%s\tgot %s want %s\n", w.Text, w.Key, ev.WrongWant[i])
		}
	}
	fmt.Fprintf(stdout, "%s: %d comments, %d classified right\n", *file, ev.N, ev.Correct)
	fmt.Fprintf(stdout, "%-10s %5s %4s %4s %4s %9s %6s\n", "topic", "n", "tp", "fp", "fn", "precision", "recall")
	for _, s := range ev.Scores {
		if s.TP+s.FP+s.FN == 0 {
			continue
		}
		fmt.Fprintf(stdout, "%-10s %5d %4d %4d %4d %9.3f %6.3f\n", s.Key, s.TP+s.FN, s.TP, s.FP, s.FN, s.Precision, s.Recall)
	}
	fmt.Fprintf(stdout, "macro precision %.3f recall %.3f\n", ev.MacroP, ev.MacroR)
	return nil
}
