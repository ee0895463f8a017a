package live

import (
	"sort"
	"time"
)

// buildSnapshot composes the tick message from one tick's data. Pure: tests call it directly.
func buildSnapshot(room string, sess Session, live bool, now time.Time, d roomData, flags []Flag, s Settings) Snapshot {
	snap := Snapshot{Room: room, ServerTime: now.UnixMilli(), Current: d.Current,
		SessionTotals: d.Session, Last5: d.Last, Prev5: d.Prev, Products: d.Products, Flags: flags,
		Comments: d.Comments, Questions: d.Questions, Pinned: d.Pinned, WindowS: s.WindowS,
		Sources: d.Sources, Estimated: estimatedFields}
	snap.Session = SessionInfo{State: StateIdle}
	if live {
		snap.Session = SessionInfo{ID: sess.ID, State: StateLive, Started: sess.Started.UnixMilli(),
			ClockS: int64(now.Sub(sess.Started) / time.Second), Auto: sess.Auto}
	}
	if snap.Products == nil {
		snap.Products = []ProductWindow{}
	}
	if snap.Flags == nil {
		snap.Flags = []Flag{}
	}
	if snap.Comments == nil {
		snap.Comments = []Comment{}
	}
	snap.Tiles = tiles(d.Session, d.Last, d.Prev, d.OnlineNow, d.OnlineLast, d.OnlinePrev)
	state := map[string]string{}
	for _, f := range flags {
		if f.Product != "" && flagRank(f.State) > flagRank(state[f.Product]) {
			state[f.Product] = f.State
		}
	}
	for i := range snap.Products {
		snap.Products[i].Flag = state[snap.Products[i].Product]
	}
	snap.Ads = Ads{Spend: d.Session.AdSpend, GMV: d.Session.GMV, ROI: d.Session.ROI,
		Last5Spend: d.Last.AdSpend, Last5ROI: d.Last.ROI, TargetROI: s.TargetROI}
	if roi := d.Last.ROI; roi.OK && s.TargetROI > 0 && roi.Value < s.TargetROI {
		snap.Ads.BelowTarget = true
	}
	return snap
}

// flagRank orders flag states by urgency for the product table.
func flagRank(state string) int {
	switch state {
	case FlagRaised:
		return 3
	case FlagSnoozed:
		return 2
	case FlagAcknowledged, FlagResponded:
		return 1
	}
	return 0
}

// sortRooms puts live rooms first, then by name.
func sortRooms(rs []RoomInfo) {
	sort.Slice(rs, func(i, j int) bool {
		if (rs[i].State == StateLive) != (rs[j].State == StateLive) {
			return rs[i].State == StateLive
		}
		return rs[i].Room < rs[j].Room
	})
}
