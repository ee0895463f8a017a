package report

import (
	"testing"
	"time"
)

func TestLeavesDerivedFromTheGauge(t *testing.T) {
	mk := func(online []int64) *Report {
		r := &Report{}
		for i, o := range online {
			r.Minutes = append(r.Minutes, Minute{T: time.Unix(int64(i*60), 0), Online: o, OnlineKnown: o >= 0})
		}
		r.Headline.OnlineSource = "gauge"
		return r
	}
	// online 100 → 120 with 30 entries: 10 left; → 110 with 5 entries: 15 left; unknown minute skipped.
	r := mk([]int64{100, 120, -1, 110})
	leavesOf(r, []int64{100, 30, 0, 5}, []int64{0, 0, 0, 0})
	if r.Headline.Leaves != 25 || r.Headline.LeavesSource != "online_gauge" {
		t.Fatalf("derived: %d %s", r.Headline.Leaves, r.Headline.LeavesSource)
	}
	// Leave events win when there are any.
	r = mk([]int64{100, 120})
	leavesOf(r, []int64{100, 30}, []int64{3, 4})
	if r.Headline.Leaves != 7 || r.Headline.LeavesSource != "events" {
		t.Fatalf("events: %+v", r.Headline)
	}
	// No gauge: nothing to derive from (online is then entries − leaves).
	r = mk([]int64{100})
	r.Headline.OnlineSource = "entries_minus_leaves"
	leavesOf(r, []int64{100}, []int64{0})
	if r.Headline.LeavesSource != "none" {
		t.Fatalf("no gauge: %+v", r.Headline)
	}
}
