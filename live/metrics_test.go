package live

import (
	"math"
	"testing"

	"github.com/livedesk/livedesk"
)

func TestMetricDefinitions(t *testing.T) {
	c := counts{Entries: 200, Leaves: 50, Impressions: 1000, Clicks: 120, Orders: 6, GMV: 59940, AdSpend: 20000,
		Refunds: 1, RefundFen: 9990}
	d := distincts{Viewers: 150, Exposed: 140, Clickers: 100, Buyers: 5}
	m := metrics(c, d, 0, 60000, 150)
	for _, x := range []struct {
		name     string
		r        livedesk.Ratio
		want     float64
		num, den float64
	}{
		{"CTR = clicks/impressions", m.CTR, 0.12, 120, 1000},
		{"CVR = buyers/clickers", m.CVR, 0.05, 5, 100},
		{"order rate = orders/clicks", m.OrderRate, 0.05, 6, 120},
		{"GPM = GMV/views×1000", m.GPM, 299700, 59940, 200},
		{"UV value = GMV/viewers", m.UVValue, 399.6, 59940, 150},
		{"ROI = GMV/ad spend", m.ROI, 2.997, 59940, 20000},
	} {
		if !x.r.OK || math.Abs(x.r.Value-x.want) > 1e-9 || x.r.Num != x.num || x.r.Den != x.den {
			t.Errorf("%s: %+v, want %v = %v/%v", x.name, x.r, x.want, x.num, x.den)
		}
	}
	if m.Views != 200 || m.Viewers != 150 || m.GMV != 59940 || m.RefundFen != 9990 {
		t.Errorf("counts: %+v", m)
	}
	if gpm, uv := m.GPM.Value, m.UVValue.Value; math.Abs(gpm-1000*uv) < 1 {
		t.Errorf("GPM (%v) should differ from 1000 × UV value (%v) when views ≠ viewers", gpm, uv)
	}
	empty := metrics(counts{}, distincts{}, 0, 1, 0)
	if empty.CTR.OK || empty.ROI.OK || empty.CVR.Den != 0 {
		t.Errorf("rates over nothing must be undefined: %+v", empty.CTR)
	}
}

func TestCountsAddHashAndGauge(t *testing.T) {
	var c counts
	c.addHash(map[string]string{"en": "3", "lv": "1", "on": "40", "q:size": "2", "gmv": "1000", "junk": "x"})
	c.add(counts{Entries: 2, Online: 55, HasOnline: true, Questions: map[string]int64{"size": 1}})
	c.add(counts{Entries: 1}) // no gauge: the last one stays
	if c.Entries != 6 || c.Leaves != 1 || c.Online != 55 || !c.HasOnline || c.Questions["size"] != 3 || c.GMV != 1000 {
		t.Fatalf("%+v", c)
	}
}

func TestOnlineTracker(t *testing.T) {
	var o onlineTracker
	o.step(counts{Entries: 10, Leaves: 3})
	if o.value() != 7 {
		t.Fatalf("entries − leaves = %d", o.value())
	}
	o.step(counts{Leaves: 20})
	if o.value() != 0 {
		t.Fatalf("online below 0: %d", o.value())
	}
	o.step(counts{Entries: 5, Online: 400, HasOnline: true})
	o.step(counts{Entries: 5})
	if o.value() != 400 {
		t.Fatalf("the gauge, once reported, wins and carries forward: %d", o.value())
	}
}

func TestTilesDeltas(t *testing.T) {
	last := metrics(counts{GMV: 12000, Clicks: 10, Impressions: 100}, distincts{}, 0, 0, 0)
	prev := metrics(counts{GMV: 10000, Clicks: 0, Impressions: 0}, distincts{}, 0, 0, 0)
	ts := tiles(last, last, prev, 80, 90, 100)
	byKey := map[string]Tile{}
	for _, x := range ts {
		byKey[x.Key] = x
	}
	g := byKey["gmv"]
	if g.Delta != 2000 || g.DeltaPct == nil || math.Abs(*g.DeltaPct-0.2) > 1e-9 {
		t.Errorf("gmv tile %+v", g)
	}
	if c := byKey["ctr"]; c.DeltaPct != nil || c.Last5 != 0.1 || c.Den != 100 {
		t.Errorf("ctr tile against an undefined previous CTR: %+v", c)
	}
	if o := byKey["online"]; o.Value != 80 || o.Delta != -10 {
		t.Errorf("online tile %+v", o)
	}
}
