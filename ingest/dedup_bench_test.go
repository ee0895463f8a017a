package ingest

import (
	"context"
	"strconv"
	"testing"

	"github.com/livedesk/livedesk/schema/localdb/localtest"
)

// BenchmarkClaim claims and commits 1,000 new ids per op on a private Redis.
func BenchmarkClaim(b *testing.B) {
	_, rdb := localtest.Redis(b)
	d := NewDedup(rdb)
	evs := make([]Event, 1000)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i := range evs {
			n++
			evs[i].ID = "sim-1-room1-" + strconv.Itoa(n)
		}
		c, err := d.Claim(context.Background(), "shop", evs)
		if err != nil || len(c.Fresh) != len(evs) {
			b.Fatal(err)
		}
		if err := d.Commit(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
}
