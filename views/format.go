package views

import (
	"fmt"
	"strconv"
	"time"

	"github.com/livedesk/livedesk"
)

// Money formats fen for people (livedesk.Money): 123456 → "¥1,234.56".
func Money(fen int64) string { return livedesk.Money(fen) }

// Int formats n with thousands separators (livedesk.Int): 1234567 → "1,234,567".
func Int(n int64) string { return livedesk.Int(n) }

// Rate formats num ÷ den as a percentage with one decimal ("3.2%"), or "—" when den is zero.
// Show the denominator next to it (RateTitle) so every rate says what it is divided by.
func Rate(num, den int64) string {
	if den == 0 {
		return "—"
	}
	return strconv.FormatFloat(float64(num)*100/float64(den), 'f', 1, 64) + "%"
}

// RateTitle explains a rate for a tooltip: "12 / 345".
func RateTitle(num, den int64) string { return Int(num) + " / " + Int(den) }

// Time formats t in loc as "2006-01-02 15:04:05".
func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// Clock formats t in loc as "15:04".
func Clock(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format("15:04")
}

// Duration formats d as "1:02:03" (hours:minutes:seconds), for session clocks.
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}
