package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TypeReviewReply is the task type of a negative review waiting for a public reply.
const TypeReviewReply = "review_reply"

// reviewLookback bounds how far back the review checks read.
const reviewLookback = 30 * 24 * time.Hour

// ReviewJob opens a reply task due reply_hours after each review rated max_rating or lower; it
// closes when the reply (a cs_message "out" in conversation "review:<order>") arrives.
func ReviewJob() *Job {
	return &Job{Name: "reviews", Title: "差评回复", TitleEn: "Negative reviews", Schedule: "*/15 * * * *",
		Params: []Param{
			{Name: "max_rating", Kind: "int", Default: "2", Label: "评分不高于几星算差评", LabelEn: "Negative at or below (stars)"},
			{Name: "reply_hours", Kind: "int", Default: "24", Label: "多少小时内公开回复", LabelEn: "Reply within (hours)"},
		},
		TaskTypes: []string{TypeReviewReply},
		Check:     checkReviews,
	}
}

func checkReviews(ctx context.Context, e *Env) (Findings, error) {
	reviews, err := e.Store.Reviews(ctx, e.Shop, e.Now.Add(-reviewLookback), e.Now)
	if err != nil {
		return Findings{}, err
	}
	maxRating := e.Params.Int("max_rating")
	within := time.Duration(e.Params.Int("reply_hours")) * time.Hour
	var f Findings
	for _, r := range reviews {
		if int64(r.Rating) > maxRating || r.Replied {
			continue
		}
		due := r.At.Add(within)
		sev := SeverityWarn
		if !e.Now.Before(due) {
			sev = SeverityUrgent
		}
		f.Tasks = append(f.Tasks, Spec{Type: TypeReviewReply, SubjectKind: SubjectReview, SubjectID: r.Order,
			Severity: sev, Role: RoleOperator, Due: due,
			Title:   fmt.Sprintf("回复差评：订单 %s（%d 星）", r.Order, r.Rating),
			TitleEn: fmt.Sprintf("Reply to the %d-star review of order %s", r.Rating, r.Order),
			Detail:  fmt.Sprintf("商品 %s · %s · “%s”", e.Product(r.Product), clock(r.At, e.Loc), shorten(r.Text, 120))})
	}
	f.Summary = fmt.Sprintf("待回复差评 %d", len(f.Tasks))
	return f, nil
}

func shorten(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// KeywordJobName is the name of the weekly complaint-keyword job (KeywordJob).
const KeywordJobName = "review_keywords"

// KeywordJob counts complaint keywords in the past week's reviews per product and sends the
// counts as a report notification (weekly, Monday morning by default).
func KeywordJob() *Job {
	return &Job{Name: KeywordJobName, Title: "差评关键词周报", TitleEn: "Weekly complaint keywords", Schedule: "0 9 * * 1",
		Params: []Param{
			{Name: "keywords", Kind: "list", Default: "物流慢,尺寸不准,质量差,色差,发错货,破损,客服态度差,不合身",
				Label: "关键词（逗号分隔）", LabelEn: "Keywords (comma separated)"},
			{Name: "days", Kind: "int", Default: "7", Label: "统计最近几天", LabelEn: "Count over the last (days)"},
		},
		Check: checkKeywords,
	}
}

func checkKeywords(ctx context.Context, e *Env) (Findings, error) {
	counts, days, read, err := keywordCounts(ctx, e.Store, e.Shop, e.Params, e.Now)
	if err != nil {
		return Findings{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "近 %d 天差评关键词（%d 条评价）", days, read)
	for i, c := range counts {
		if i == 10 {
			fmt.Fprintf(&b, "\n…共 %d 项", len(counts))
			break
		}
		fmt.Fprintf(&b, "\n%s · %s × %d", e.Product(c.Product), c.Keyword, c.Count)
	}
	if len(counts) == 0 {
		b.WriteString("\n未出现关键词")
	}
	f := Findings{Found: len(counts), Summary: strings.ReplaceAll(b.String(), "\n", "；")}
	f.Notify = append(f.Notify, Notification{Kind: "report", Job: KeywordJobName, Severity: SeverityInfo,
		Title: "差评关键词周报", Text: b.String(), At: e.Now})
	return f, nil
}

// KeywordCounts returns the complaint-keyword counts per product over the keyword job's period
// ending now, and that period in days, for the Jobs page. st is the shop's setting of the keyword
// job (KeywordJobName) with defaults filled in; the page already holds it.
func (r *Runner) KeywordCounts(ctx context.Context, shop string, st Setting) ([]KeywordCount, int64, error) {
	counts, days, _, err := keywordCounts(ctx, r.Store, shop, st.Params, r.Now())
	return counts, days, err
}

// keywordCounts counts params' keywords in shop's reviews over the params' last days (7 when
// unset) ending at now; it also returns the days and how many reviews it read.
func keywordCounts(ctx context.Context, s *Store, shop string, params Values, now time.Time) ([]KeywordCount, int64, int, error) {
	days := params.Int("days")
	if days <= 0 {
		days = 7
	}
	reviews, err := s.Reviews(ctx, shop, now.Add(-time.Duration(days)*24*time.Hour), now)
	if err != nil {
		return nil, 0, 0, err
	}
	texts := make([]ReviewText, 0, len(reviews))
	for _, r := range reviews {
		texts = append(texts, ReviewText{Product: r.Product, Text: r.Text})
	}
	return CountKeywords(texts, params.List("keywords")), days, len(reviews), nil
}
