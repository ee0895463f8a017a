package report

// Leaves when no source reports them: the live-room relays (Douyin, TikTok LIVE) have no leave
// message, only entries and the online gauge. A minute's leaves are then derived from the gauge:
// entries − (online at the minute's end − online at the previous minute's end), never below 0.
// The headline says which it is (LeavesSource) and the page says so beside the number.

func init() {
	reportLabels["leaves"] = [2]string{"离开次数", "Leaves"}
	reportLabels["leaves_gauge"] = [2]string{"离开（推算）", "Leaves (derived)"}
	reportLabels["def_leaves_gauge"] = [2]string{"直播间转发没有离开消息：每分钟 离开 = 进入 −（在线人数的增加），不低于 0",
		"relays send no leave message: per minute, leaves = entries − the rise in online viewers, never below 0"}
}

// leavesOf fills the headline's leaves: the leave events when there are any, else derived from
// the online gauge (per-minute online values as onlineSeries filled them), else none.
func leavesOf(r *Report, enters, leaves []int64) {
	h := &r.Headline
	if n := sumInts(leaves); n > 0 {
		h.Leaves, h.LeavesSource = n, "events"
		return
	}
	if h.OnlineSource != "gauge" || sumInts(enters) == 0 {
		h.LeavesSource = "none"
		return
	}
	var total, prev int64
	have := false
	for i := range r.Minutes {
		m := r.Minutes[i]
		if !m.OnlineKnown {
			continue
		}
		if have && i < len(enters) {
			if d := enters[i] - (m.Online - prev); d > 0 {
				total += d
			}
		}
		prev, have = m.Online, true
	}
	h.Leaves, h.LeavesSource = total, "online_gauge"
}
