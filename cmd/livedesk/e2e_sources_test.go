package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/live"
)

// TestControlRoomSourcesAndCurrency: the traffic-source panel draws the tick's shares (window
// and session, unsourced entries labelled), and a USD shop's control room shows money in
// dollars.
func TestControlRoomSourcesAndCurrency(t *testing.T) {
	s := startServer(t)
	s.addUser("shop1", "op", account.RoleOperator, "op-password-1")
	s.addEmptyRoom("shop1", "r1")
	if _, err := s.Shops.Save(context.Background(), "shop1", "America/New_York", "USD", "admin"); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	pg := b.page(t, s.URL())
	login(t, pg, "shop1", "op", "op-password-1")
	pg.open("/rooms/r1", "#sources")
	pg.waitJS(`window.livedesk && livedesk.online`, 5*time.Second)
	snap := fixtureSnapshot("r1", time.Now())
	share := func(src string, n, of int64) live.SourceShare {
		return live.SourceShare{Source: src, Entries: n, Share: livedesk.NewRatio(float64(n), float64(of), 1)}
	}
	snap.Sources = live.SourceShares{
		Last:    []live.SourceShare{share("feed", 3, 4), share("search", 1, 4)},
		Session: []live.SourceShare{share("feed", 50, 100), share("paid", 30, 100), share("", 20, 100)},
	}
	body, _ := json.Marshal(snap)
	if err := hubOf(t, s).Publish(context.Background(), "shop1", "r1", "tick", body); err != nil {
		t.Fatal(err)
	}
	pg.waitJS(`document.querySelectorAll('#sources-session li').length === 3`, 5*time.Second)
	type row struct{ Source, Label, Share string }
	got := evalIn[[]row](pg, `Array.from(document.querySelectorAll('#sources-session li, #sources-last li')).map(li => ({
		Source: li.dataset.source, Label: li.querySelector('.source-label').textContent, Share: li.querySelector('.source-share').textContent}))`)
	want := []row{{"feed", "推荐", "75.0%"}, {"search", "搜索", "25.0%"}, {"feed", "推荐", "50.0%"}, {"paid", "千川/广告", "30.0%"}, {"unknown", "未标注", "20.0%"}}
	if len(got) != len(want) {
		t.Fatalf("source rows %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if !evalIn[bool](pg, `document.getElementById('sources-empty').hidden`) {
		t.Error("the empty note still shows")
	}
	pg.waitText(`#tiles [data-key="gmv"] .tile-value`, "$7,120.00", 2*time.Second)
	pg.noJSErrors()
}
