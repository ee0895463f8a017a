package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/outbound"
)

// LiveRoom is a room with a live session and when the session started.
type LiveRoom struct {
	Room    string
	Started time.Time
}

// LiveRooms tells which rooms of a shop have a live session (cmd adapts the live engine).
type LiveRooms interface {
	LiveRooms(ctx context.Context, shop string) ([]LiveRoom, error)
}

// QianchuanPoller polls the 千川 live report of every 千川 integration while a session of its
// room is live: at most once per Every per integration across all instances (a Redis key), with
// exponential backoff after errors (up to MaxBackoff); token errors are shown on the
// Integrations page as token errors. Increases of stat_cost become ad_spend events through
// Totals (key "qc:<advertiser>:<aweme>:<day>"); the first reading of a day is where counting
// starts unless the session began before that day (it spans midnight).
type QianchuanPoller struct {
	Integrations *Integrations
	Totals       *Totals
	Live         LiveRooms
	Stats        *Stats
	Redis        redis.UniversalClient
	Log          *slog.Logger
	Client       *http.Client // nil: an outbound.Client (public addresses only, unless AllowPrivate)
	AllowPrivate bool
	Now          func() time.Time
	Every        time.Duration // default one minute
	Check        time.Duration // how often due polls are looked for (default 5 s)
	MaxBackoff   time.Duration // default 30 minutes

	once  sync.Once
	mu    sync.Mutex
	state map[string]*pollState
}

type pollState struct {
	next  time.Time
	fails int
}

func (q *QianchuanPoller) now() time.Time {
	if q.Now != nil {
		return q.Now()
	}
	return time.Now()
}

func (q *QianchuanPoller) init() {
	q.once.Do(func() {
		if q.Every <= 0 {
			q.Every = time.Minute
		}
		if q.Check <= 0 {
			q.Check = 5 * time.Second
		}
		if q.MaxBackoff <= 0 {
			q.MaxBackoff = 30 * time.Minute
		}
		if q.Client == nil {
			q.Client = outbound.Client(10*time.Second, q.AllowPrivate)
		}
		if q.Log == nil {
			q.Log = slog.Default()
		}
		q.state = map[string]*pollState{}
	})
}

// Run polls until ctx ends.
func (q *QianchuanPoller) Run(ctx context.Context) {
	q.init()
	t := time.NewTicker(q.Check)
	defer t.Stop()
	for {
		q.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick polls every integration that is due and whose room is live.
func (q *QianchuanPoller) Tick(ctx context.Context) {
	q.init()
	list, err := q.Integrations.List(ctx, "")
	if err != nil {
		q.Log.Warn("platform: 千川: list integrations", "err", err)
		return
	}
	for _, in := range list {
		if in.Platform != Qianchuan || ctx.Err() != nil {
			continue
		}
		q.pollIfDue(ctx, in)
	}
}

func (q *QianchuanPoller) pollIfDue(ctx context.Context, in Integration) {
	now := q.now()
	k := aad(in.Shop, in.Platform)
	q.mu.Lock()
	st := q.state[k]
	if st == nil {
		st = &pollState{}
		q.state[k] = st
	}
	due := !now.Before(st.next)
	q.mu.Unlock()
	if !due {
		return
	}
	room, ok := q.liveRoom(ctx, in, now)
	if !ok {
		return
	}
	// One poll per Every per integration, whichever instance gets there first.
	got, err := q.Redis.SetNX(ctx, "ld:platform:"+livedesk.ShopTag(in.Shop)+":qianchuan:poll", now.UnixMilli(), q.Every*9/10).Result()
	if err != nil || !got {
		q.setNext(k, now.Add(q.Check), false)
		return
	}
	err = q.Poll(ctx, in, room)
	q.setNext(k, now, err != nil)
	if err != nil {
		q.Log.Info("platform: 千川 poll failed", "shop", in.Shop, "err", err)
	}
}

// setNext schedules the next poll: Every after a success, doubling after each failure.
func (q *QianchuanPoller) setNext(k string, now time.Time, failed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	st := q.state[k]
	if !failed {
		st.fails = 0
		st.next = now.Add(q.Every)
		return
	}
	st.fails++
	wait := q.Every << min(st.fails, 10)
	if wait > q.MaxBackoff || wait <= 0 {
		wait = q.MaxBackoff
	}
	st.next = now.Add(wait)
}

// liveRoom finds the integration's room and whether a session of it is live.
func (q *QianchuanPoller) liveRoom(ctx context.Context, in Integration, now time.Time) (LiveRoom, bool) {
	rooms, err := q.Live.LiveRooms(ctx, in.Shop)
	if err != nil {
		q.Log.Warn("platform: 千川: live rooms", "err", err, "shop", in.Shop)
		return LiveRoom{}, false
	}
	if in.Room != "" {
		for _, r := range rooms {
			if r.Room == in.Room {
				return r, true
			}
		}
		return LiveRoom{}, false
	}
	switch len(rooms) {
	case 0:
		return LiveRoom{}, false
	case 1:
		return rooms[0], true
	}
	q.Stats.Failed(ctx, in.Shop, Qianchuan, fmt.Sprintf("%d rooms are live: the spend cannot be given to one; set the room (integration set --room)", len(rooms)), now)
	return LiveRoom{}, false
}

// Poll reads the live report once and stores the increase of stat_cost for room.
func (q *QianchuanPoller) Poll(ctx context.Context, in Integration, room LiveRoom) error {
	q.init()
	now := q.now()
	tok, ok, err := q.Integrations.Token(ctx, in.Shop, Qianchuan)
	if err != nil {
		return err
	}
	if !ok || tok.Access == "" {
		err := &tokenError{"no 千川 access token stored (give it to livedesk integration set --platform qianchuan on standard input)"}
		q.Stats.failed(ctx, in.Shop, Qianchuan, ErrorToken, err.Error(), now)
		return err
	}
	fen, err := qianchuanLiveCost(ctx, q.Client, in, tok.Access, now)
	if err != nil {
		kind := ""
		if isTokenError(err) {
			kind = ErrorToken
		}
		var rl *rateLimited
		msg := err.Error()
		if errors.As(err, &rl) {
			msg = "千川 answered: too many requests; polling backs off"
		}
		q.Stats.failed(ctx, in.Shop, Qianchuan, kind, msg, now)
		return err
	}
	day := now.In(cst)
	dayStart := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, cst)
	r := reading{key: "qc:" + in.AdvertiserID + ":" + in.AwemeID + ":" + day.Format("20060102"), kind: totAdSpend, value: fen,
		baseline: !room.Started.Before(dayStart)}
	res, err := q.Totals.apply(ctx, in.Shop, room.Room, now, []reading{r}, nil)
	if err != nil {
		q.Stats.Failed(ctx, in.Shop, Qianchuan, "storage unavailable: the spend is read again at the next poll", now)
		return err
	}
	m := Message{Kind: "stat_cost", Raw: "stat_cost today: " + livedesk.FormatYuan(fen) + " (" + strconv.Itoa(res.Accepted) + " new ad_spend event)"}
	if err := q.Stats.Received(ctx, in.Shop, Qianchuan, "", m, now); err != nil {
		q.Log.Warn("platform: 千川: count poll", "err", err)
	}
	return nil
}
