package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// TypeReplyRate is the task type of a day whose customer-service reply rate is under target.
const TypeReplyRate = "reply_rate"

// ReplyJob computes the share of incoming customer-service messages between window_start and
// window_end (shop time) answered within reply_minutes, for the shop's current day; under
// target_pct it opens a task listing the conversations waiting longest.
func ReplyJob() *Job {
	return &Job{Name: "cs_reply", Title: "客服 3 分钟回复率", TitleEn: "CS reply rate", Schedule: "*/15 * * * *",
		Params: []Param{
			{Name: "reply_minutes", Kind: "int", Default: "3", Label: "几分钟内回复算及时", LabelEn: "Answered within (minutes)"},
			{Name: "window_start", Kind: "clock", Default: "08:00", Label: "统计时段开始", LabelEn: "Window starts"},
			{Name: "window_end", Kind: "clock", Default: "23:00", Label: "统计时段结束", LabelEn: "Window ends"},
			{Name: "target_pct", Kind: "percent", Default: "80", Label: "回复率目标 %", LabelEn: "Target %"},
			{Name: "list", Kind: "int", Default: "5", Label: "列出等待最久的会话数", LabelEn: "Conversations listed"},
		},
		TaskTypes: []string{TypeReplyRate},
		Check:     checkReplies,
	}
}

func checkReplies(ctx context.Context, e *Env) (Findings, error) {
	start := StartOfDay(e.Now, e.Loc)
	msgs, err := e.Store.Messages(ctx, e.Shop, start, e.Now)
	if err != nil {
		return Findings{}, err
	}
	limit := time.Duration(e.Params.Int("reply_minutes")) * time.Minute
	st := ReplyRate(msgs, e.Loc, e.Params.Clock("window_start"), e.Params.Clock("window_end"), limit, e.Now)
	target := float64(e.Params.Int("target_pct"))
	day := DayKey(e.Now, e.Loc)
	f := Findings{Found: st.Incoming - st.OnTime,
		Covers: func(t Task) bool { return t.SubjectID == day },
		Summary: fmt.Sprintf("今日 %s–%s 进线 %d 条，%d 分钟内回复 %d 条（%.1f%%），等待中会话 %d",
			e.Params["window_start"], e.Params["window_end"], st.Incoming, int(limit.Minutes()), st.OnTime, st.Rate(), len(st.Waiting))}
	if st.Incoming == 0 || st.Rate() >= target {
		return f, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "进线 %d 条，%d 分钟内回复 %d 条。", st.Incoming, int(limit.Minutes()), st.OnTime)
	if n := int(e.Params.Int("list")); len(st.Waiting) > 0 && n > 0 {
		b.WriteString("等待最久：")
		for i, w := range st.Waiting {
			if i == n {
				break
			}
			if i > 0 {
				b.WriteString("、")
			}
			fmt.Fprintf(&b, "%s（自 %s）", w.Conversation, w.Since.In(e.Loc).Format("15:04"))
		}
	}
	f.Tasks = append(f.Tasks, Spec{Type: TypeReplyRate, SubjectKind: SubjectShop, SubjectID: day,
		Severity: SeverityUrgent, Role: RoleAdmin, Due: EndOfDay(e.Now, e.Loc),
		Title:   fmt.Sprintf("%s 客服 %d 分钟回复率 %.0f%%，低于 %.0f%%", day, int(limit.Minutes()), st.Rate(), target),
		TitleEn: fmt.Sprintf("%s CS %d-minute reply rate %.0f%% is under %.0f%%", day, int(limit.Minutes()), st.Rate(), target),
		Detail:  b.String()})
	return f, nil
}
