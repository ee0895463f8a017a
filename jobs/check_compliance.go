package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/livedesk/livedesk/compliance"
)

// Task types of the compliance checks.
const (
	TypeBannedWord    = "banned_word"   // a banned advertising word in a product text or cue
	TypeQualification = "qualification" // a qualification document expires soon
)

// Fields the compliance scan reads.
const (
	FieldTitle  = "title"  // 商品标题
	FieldPoints = "points" // 卖点
	FieldScript = "script" // 话术脚本
	FieldCue    = "cue"    // 预设提词
)

var fieldZH = map[string]string{FieldTitle: "商品标题", FieldPoints: "卖点", FieldScript: "话术脚本", FieldCue: "预设提词"}
var fieldEN = map[string]string{FieldTitle: "title", FieldPoints: "selling points", FieldScript: "script", FieldCue: "preset cue"}

// Hit is one banned word found in one field of a product or cue.
type Hit struct {
	Kind  string // SubjectProduct or "cue"
	ID    string // product or cue id
	Name  string // product title or the cue's text
	Field string
	Word  string
	Text  string // the field's text
}

// ScanTexts finds every banned word of words in the products' titles, selling points and
// scripts and in the preset cues, one Hit per (item, field, word).
func ScanTexts(products []ProductText, cues []CueText, words []string) []Hit {
	var out []Hit
	add := func(kind, id, name, field, text string) {
		for _, w := range compliance.Find(text, words) {
			out = append(out, Hit{Kind: kind, ID: id, Name: name, Field: field, Word: w, Text: text})
		}
	}
	for _, p := range products {
		add(SubjectProduct, p.ID, p.Title, FieldTitle, p.Title)
		add(SubjectProduct, p.ID, p.Title, FieldPoints, strings.Join(p.Points, "\n"))
		add(SubjectProduct, p.ID, p.Title, FieldScript, p.Script)
	}
	for _, c := range cues {
		add("cue", c.ID, c.Text, FieldCue, c.Text)
	}
	return out
}

// ComplianceJob scans, every day at 09:00, the product titles, selling points, scripts and the
// preset cues for the shop's banned words (广告法 极限词) and raises a task per hit naming the
// word and the field; the task closes once the word is gone.
func ComplianceJob() *Job {
	return &Job{Name: "compliance", Title: "广告法禁用词扫描", TitleEn: "Banned-word scan", Schedule: "0 9 * * *",
		TaskTypes: []string{TypeBannedWord},
		Check:     checkCompliance,
	}
}

func checkCompliance(ctx context.Context, e *Env) (Findings, error) {
	if e.Catalog == nil || e.Words == nil {
		return Findings{Summary: "未接入商品库或禁用词表", Covers: func(Task) bool { return false }}, nil
	}
	words, err := e.Words.Words(ctx, e.Shop)
	if err != nil {
		return Findings{}, err
	}
	products, err := e.Catalog.Products(ctx, e.Shop)
	if err != nil {
		return Findings{}, err
	}
	cues, err := e.Catalog.Cues(ctx, e.Shop)
	if err != nil {
		return Findings{}, err
	}
	hits := ScanTexts(products, cues, words)
	var f Findings
	for _, h := range hits {
		where, whereEn := fmt.Sprintf("商品「%s」的%s", h.Name, fieldZH[h.Field]), fmt.Sprintf("the %s of “%s”", fieldEN[h.Field], h.Name)
		subject := "product"
		if h.Kind == "cue" {
			where, whereEn, subject = fmt.Sprintf("预设提词「%s」", short(h.Name, 20)), fmt.Sprintf("preset cue “%s”", short(h.Name, 20)), "cue"
		}
		f.Tasks = append(f.Tasks, Spec{Type: TypeBannedWord, SubjectKind: SubjectProduct,
			SubjectID: subject + ":" + h.ID + ":" + h.Field + ":" + h.Word, Severity: SeverityWarn, Role: RoleAdmin,
			Due:     EndOfDay(e.Now, e.Loc),
			Title:   fmt.Sprintf("违禁词「%s」出现在%s", h.Word, where),
			TitleEn: fmt.Sprintf("Banned word “%s” in %s", h.Word, whereEn),
			Detail:  fmt.Sprintf("字段：%s · 原文：%s", fieldZH[h.Field], short(h.Text, 80))})
	}
	f.Summary = fmt.Sprintf("扫描商品 %d 个、预设提词 %d 条，禁用词命中 %d 处", len(products), len(cues), len(hits))
	return f, nil
}

func short(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " / "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// QualificationJob checks the shop's qualification documents every day at 09:00: a task 30
// days before a document expires (warn_days) that turns urgent at 7 days (urgent_days) and stays
// urgent once expired, due on the expiry day (seed 000: 资质有效期，到期前 30 天续签).
func QualificationJob() *Job {
	return &Job{Name: "qualifications", Title: "资质到期提醒", TitleEn: "Qualification expiry", Schedule: "0 9 * * *",
		Params: []Param{
			{Name: "warn_days", Kind: "int", Default: "30", Label: "到期前多少天提醒", LabelEn: "Remind (days before expiry)"},
			{Name: "urgent_days", Kind: "int", Default: "7", Label: "到期前多少天紧急", LabelEn: "Urgent (days before expiry)"},
		},
		TaskTypes: []string{TypeQualification},
		Check:     checkQualifications,
	}
}

// DaysLeft is how many shop days remain until expires (a date): 0 on the expiry day, negative
// after it.
func DaysLeft(now time.Time, loc *time.Location, expires time.Time) int {
	l := now.In(loc)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	exp := time.Date(expires.Year(), expires.Month(), expires.Day(), 0, 0, 0, 0, time.UTC)
	return int(exp.Sub(today).Hours() / 24)
}

func checkQualifications(ctx context.Context, e *Env) (Findings, error) {
	if e.Words == nil {
		return Findings{Summary: "未接入资质表", Covers: func(Task) bool { return false }}, nil
	}
	qs, err := e.Words.Qualifications(ctx, e.Shop)
	if err != nil {
		return Findings{}, err
	}
	warn, urgent := int(e.Params.Int("warn_days")), int(e.Params.Int("urgent_days"))
	var f Findings
	for _, q := range qs {
		left := DaysLeft(e.Now, e.Loc, q.Expires)
		if left > warn {
			continue
		}
		sev := SeverityWarn
		if left <= urgent {
			sev = SeverityUrgent
		}
		exp := q.Expires.Format("2006-01-02")
		title, titleEn := fmt.Sprintf("资质「%s」还有 %d 天到期（%s），请续签", q.Name, left, exp),
			fmt.Sprintf("“%s” expires in %d days (%s): renew it", q.Name, left, exp)
		if left < 0 {
			title, titleEn = fmt.Sprintf("资质「%s」已于 %s 过期", q.Name, exp), fmt.Sprintf("“%s” expired on %s", q.Name, exp)
		}
		due := time.Date(q.Expires.Year(), q.Expires.Month(), q.Expires.Day()+1, 0, 0, 0, 0, e.Loc)
		f.Tasks = append(f.Tasks, Spec{Type: TypeQualification, SubjectKind: SubjectShop, SubjectID: "qual:" + q.ID + ":" + exp,
			Severity: sev, Role: RoleAdmin, Due: due, Title: title, TitleEn: titleEn,
			Detail: strings.TrimSpace("证件编号 " + q.Number)})
	}
	f.Summary = fmt.Sprintf("资质 %d 项，%d 天内到期 %d 项", len(qs), warn, len(f.Tasks))
	return f, nil
}
