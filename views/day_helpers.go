package views

import (
	"fmt"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/compliance"
	"github.com/livedesk/livedesk/jobs"
)

func daysLeft(now time.Time, loc *time.Location, q compliance.Qualification) int {
	return jobs.DaysLeft(now, loc, q.Expires)
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

func sourceLabel(src, lang string) string { return livedesk.SourceLabel(src, lang) }

func recapKindKey(kind string) string { return "recaps." + kind }

func pushReason(lang string, l jobs.ProductLine) string {
	if lang == LangEN {
		return l.ReasonEn
	}
	return l.Reason
}
