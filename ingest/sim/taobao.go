package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/livedesk/livedesk/ingest"
)

// TaobaoPrice is the price given to a Taobao item in the replay (the data set has none): a
// deterministic ¥9.90–¥299.80 derived from the item id.
func TaobaoPrice(item int64) int64 { return 990 + (item%2900)*10 }

// Taobao converts the Alibaba Tianchi UserBehavior CSV (user,item,category,behaviour,unix
// seconds; no header) into events of room: pv → click, buy → a paid order of one item at
// TaobaoPrice. cart and fav have no event type and are skipped (counted in skipped). Ids are
// "tb-<line>" so a second replay of the same file is all duplicates; the category is kept as the
// unknown field "category".
func Taobao(r io.Reader, room string) (events []ingest.Event, skipped map[string]int, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	cr.ReuseRecord = true
	skipped = map[string]int{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return events, skipped, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sim: taobao: %w", err)
		}
		item, err1 := strconv.ParseInt(rec[1], 10, 64)
		sec, err2 := strconv.ParseInt(rec[4], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("sim: taobao line %d: item and time must be integers", line)
		}
		ev := ingest.Event{ID: "tb-" + strconv.Itoa(line), Room: room, User: "tb" + rec[0], Product: "tb" + rec[1],
			TS: time.Unix(sec, 0).UTC(), Extra: `{"category":"` + rec[2] + `"}`}
		if _, err := strconv.ParseInt(rec[2], 10, 64); err != nil {
			ev.Extra = ""
		}
		switch rec[3] {
		case "pv":
			ev.Type = ingest.TypeClick
		case "buy":
			ev.Type, ev.Status, ev.Order = ingest.TypeOrder, ingest.StatusPaid, "tb-o"+strconv.Itoa(line)
			ev.Qty, ev.Amount = 1, TaobaoPrice(item)
		default:
			skipped[rec[3]]++
			continue
		}
		events = append(events, ev)
	}
}
