package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/livedesk/livedesk/jobs"
)

// TestRecapTargetROISetting: the recaps' decimal parameter (target_roi, kind "number") shows on
// the jobs page with its default, refuses a value that is not a number naming the field, saves
// 2.5, shows it again, and the next recap compares ROI against it.
func TestRecapTargetROISetting(t *testing.T) {
	s := startServer(t)
	s.addUser("shop1", "boss", "admin", "pass-boss-1")
	boss := newWebClient(t, s.URL())
	boss.login("shop1", "boss", "pass-boss-1")
	_, _, page := boss.get("/jobs")
	if !regexp.MustCompile(`name="p_target_roi" value="3"`).MatchString(page) {
		t.Fatalf("target_roi not on the jobs page with its default 3")
	}
	j, _ := jobs.Default().Get("morning_recap")
	form := func(roi string) url.Values {
		v := url.Values{"_csrf": {boss.csrf("/jobs")}, "enabled": {"on"}, "schedule": {j.Schedule}}
		for _, p := range j.Params {
			v.Set("p_"+p.Name, p.Default)
		}
		v.Set("p_target_roi", roi)
		return v
	}
	code, _, page := boss.postForm("/jobs/morning_recap", form("abc"))
	if code != http.StatusBadRequest || !strings.Contains(page, "target_roi") {
		t.Fatalf("bad target ROI: %d %.300s", code, page)
	}
	if code, _, _ := boss.postForm("/jobs/morning_recap", form("2.5")); code != http.StatusSeeOther {
		t.Fatalf("save target ROI: %d", code)
	}
	if _, _, page := boss.get("/jobs"); !regexp.MustCompile(`name="p_target_roi" value="2.5"`).MatchString(page) {
		t.Fatal("saved target ROI not shown")
	}
	if _, err := s.Scheduler.Runner.Run(context.Background(), "shop1", "morning_recap", jobs.TriggerManual); err != nil {
		t.Fatal(err)
	}
	refs, err := s.Scheduler.Runner.Store.Recaps(context.Background(), "shop1", 1)
	if err != nil || len(refs) != 1 {
		t.Fatalf("recaps: %v %v", refs, err)
	}
	r, ok, err := s.Scheduler.Runner.Store.Recap(context.Background(), "shop1", refs[0].Kind, refs[0].Day)
	if err != nil || !ok || r.TargetROI != 2.5 {
		t.Fatalf("recap target ROI: %v %v %+v", ok, err, r)
	}
	if _, _, page := boss.get("/recaps"); !strings.Contains(page, "2.5") {
		t.Error("the recap page does not show the target ROI 2.5")
	}
}
