package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bsm/redislock"

	"github.com/livedesk/livedesk"
	"github.com/livedesk/livedesk/account"
	"github.com/livedesk/livedesk/api"
	"github.com/livedesk/livedesk/catalog"
	"github.com/livedesk/livedesk/compliance"
	"github.com/livedesk/livedesk/hub"
	"github.com/livedesk/livedesk/ingest"
	"github.com/livedesk/livedesk/jobs"
	"github.com/livedesk/livedesk/live"
	"github.com/livedesk/livedesk/platform"
	"github.com/livedesk/livedesk/report"
	"github.com/livedesk/livedesk/schema"
	"github.com/livedesk/livedesk/shops"
	"github.com/livedesk/livedesk/stage"
	"github.com/livedesk/livedesk/views"
)

// observeEvery paces the stage and stock observers (see ingest.AsyncObserver): each runs at most
// this often, on everything queued meanwhile — one ClickHouse round per shop for hundreds of
// requests under load, and at most this much delay on a quiet one.
const observeEvery = 100 * time.Millisecond

// open builds every part of the server in dependency order, after storage and before the
// listener. Each step registers its own closer right after it is built, so Close undoes them in
// the reverse order: jobs stop before the engine, the engine before the hub, every ingest
// observer before the writer flushes.
func (m *Main) open(ctx context.Context) error {
	if err := m.openIngest(ctx); err != nil {
		return err
	}
	if err := m.openMetrics(); err != nil {
		return err
	}
	if err := m.openHub(ctx); err != nil {
		return err
	}
	// The one zone and currency resolver: reports, jobs, pages and the API ask it.
	m.Shops = shops.New(m.CH, m.Config.Location)
	m.Shops.Log = m.Log
	m.openStage()
	m.openEngine()
	m.openReports()
	if err := m.openPlatform(ctx); err != nil {
		return err
	}
	m.openQianchuan()
	if err := m.openJobs(ctx); err != nil {
		return err
	}
	if err := m.openViews(ctx); err != nil {
		return err
	}
	m.openAPI()
	return nil
}

// openHub starts the websocket hub: one pub/sub subscription per instance.
func (m *Main) openHub(ctx context.Context) error {
	h, err := hub.New(ctx, m.Redis, m.Log)
	if err != nil {
		return err
	}
	m.Hub = h
	m.onClose(h.Close)
	return nil
}

// openStage builds the catalog and the operator actions, and makes `stock` events update the
// catalog (one write per round of queued batches) and the prompter of rooms presenting the
// product. The stage observes pin/unpin/flash_sale/cue/coupon events posted through the ingest
// API (simulator, platform adapters) too, so the prompter follows them. Both observers write to
// ClickHouse, so they run off the acknowledgement path (their state is rebuilt from the durable
// events); Close drains them before the writer closes.
func (m *Main) openStage() {
	m.Catalog = catalog.NewCatalog(m.CH)
	m.Stage = &stage.Actions{CH: m.CH, Catalog: m.Catalog, Recorder: m.Ingest, Publisher: m.Hub, Log: m.Log,
		Currency: func(ctx context.Context, shop string) livedesk.Currency { return m.Shops.Currency(ctx, shop) }}
	// One worker for both, stock first: a round's stock levels are stored before the stage reads
	// them for the round's pins, so the prompter never shows a level older than the tick's.
	isStock := func(e *ingest.Event) bool { return e.Type == ingest.TypeStock && e.Product != "" }
	obs := ingest.NewAsyncObserver(ingest.Chain{&catalog.StockObserver{Catalog: m.Catalog, Listeners: []catalog.StockListener{m.Stage}, Log: m.Log}, m.Stage},
		ingest.AsyncOptions{Keep: func(ctx context.Context, e *ingest.Event) bool { return isStock(e) || m.Stage.Wants(ctx, e) },
			Every: observeEvery, Log: m.Log})
	m.Ingest.Observers = append(m.Ingest.Observers, obs)
	m.onClose(obs.Close)
}

// openEngine starts the live engine: its counters observe every ingest batch (and the spool's
// late arrivals, so minutes settled meanwhile are computed again), and its tick loop
// (leader-elected across instances) publishes each room's snapshot every second. The stage is
// the one source of the pinned product and records flag responses against the engine's flags.
func (m *Main) openEngine() {
	e := live.NewEngine(m.Redis, m.CH, m.Hub, m.Log)
	m.Ingest.Observers = append(m.Ingest.Observers, e.Counters())
	m.Writer.OnReplay(e.Counters().Replayed)
	m.Stage.Flags = e
	m.Stage.Pins = e
	e.Stages = m.Stage
	e.Catalog = m.Catalog // stock of products no stock event reported yet
	m.flagHooks = &flagNotifier{}
	e.Notifier = m.flagHooks // rules with notify on: raised flags to the shop's group bot
	m.Engine = e
	m.Rooms = live.NewRooms(m.CH)
	// While ClickHouse is down the console pages still open a room the engine is streaming
	// (its latest tick is in Redis); the hub's key is per shop, so no other shop's room passes.
	m.Rooms.Live = func(ctx context.Context, shop, room string) (bool, error) {
		b, err := e.Snapshot(ctx, shop, room)
		return b != nil, err
	}
	m.onClose(goRun(e.Run))
}

// openReports starts the post-stream report service: the engine tells it when a session ends,
// ingest shows it every batch and every replayed one (late events trigger a rebuild), and its
// loop builds reports and sweeps for ended sessions without one.
func (m *Main) openReports() {
	store := &report.Store{CH: m.CH}
	r := &report.Service{
		Builder:  m.reportBuilder(store),
		Store:    store,
		Sessions: m.Engine,
		Redis:    m.Redis,
		Log:      m.Log,
	}
	m.Engine.OnSessionEnded(r.SessionEnded)
	m.Ingest.Observers = append(m.Ingest.Observers, r)
	m.Writer.OnReplay(r.Replayed)
	m.Reports = r
	m.onClose(goRun(r.Run))
}

// reportBuilder is the report's builder; on a sharded ClickHouse it lists every shard's parts.
func (m *Main) reportBuilder(store *report.Store) *report.Builder {
	b := &report.Builder{CH: m.CH, Products: m.Catalog, Store: store, Log: m.Log,
		Currency: func(shop string) livedesk.Currency { return m.Shops.Currency(context.Background(), shop) }}
	if o := m.schemaOptions(); o.Cluster != "" {
		b.PartsTable, b.PartsDB = schema.ClusterParts, o.LocalDatabase()
	}
	return b
}

// openPlatform mounts the platforms' webhooks (/hooks/doudian/:shop, /hooks/tiktok/:shop) and
// starts the order enrichment worker. Pushes go through ingest like posted events, so every
// observer above sees them; the worker is cancelled and awaited by Close before the observers
// drain and the writer flushes.
func (m *Main) openPlatform(ctx context.Context) error {
	secret, err := account.Secret(ctx, m.CH, "integrations", m.secretLock)
	if err != nil {
		return err
	}
	sealer, err := platform.NewSealer(secret)
	if err != nil {
		return err
	}
	m.Integrations = platform.NewIntegrations(m.CH, sealer)
	stats := &platform.Stats{Redis: m.Redis}
	m.Enricher = &platform.Enricher{Integrations: m.Integrations, Events: m.Ingest, Redis: m.Redis, Stats: stats, Log: m.Log,
		AllowPrivate: m.Config.OutboundPrivate}
	m.Hooks = &platform.Hooks{Integrations: m.Integrations, Events: m.Ingest, Stats: stats, Enricher: m.Enricher, Log: m.Log}
	m.Hooks.Register(m.App)
	m.onClose(goRun(m.Enricher.Run))
	m.Relay = &platform.Relay{Events: m.Ingest, CH: m.CH, Log: m.Log}
	m.Totals = &platform.Totals{Events: m.Ingest, CH: m.CH, Redis: m.Redis}
	return nil
}

// relayFrame takes the stream socket's frames of ?format=relay&platform=P&room=R.
func (m *Main) relayFrame(ctx context.Context, shop string, params map[string]string, frame []byte) (any, error) {
	return m.Relay.Ingest(ctx, shop, params["platform"], params["room"], frame)
}

// openJobs starts the daily-workflow scheduler. Notifications go to open pages through the hub
// and to each shop's group-bot webhook; scheduled runs are locked in Redis so that each happens
// on one instance. Close waits for running jobs.
func (m *Main) openJobs(ctx context.Context) error {
	store := jobs.NewStore(m.CH)
	hooks := &jobs.Webhooks{Store: store, Log: m.Log, AllowPrivate: m.Config.OutboundPrivate}
	if m.flagHooks != nil {
		m.flagHooks.hooks.Store(hooks)
	}
	m.Compliance = compliance.NewStore(m.CH)
	runner := &jobs.Runner{Store: store, Registry: jobs.Default(), Publisher: m.Hub, Webhooks: hooks, Log: m.Log,
		Location:  func(shop string) *time.Location { return m.Shops.Zone(context.Background(), shop) },
		Currency:  func(shop string) livedesk.Currency { return m.Shops.Currency(context.Background(), shop) },
		Titles:    m.Catalog.Titles,
		Catalog:   jobsCatalog{m.Catalog, m.Stage},
		Words:     m.Compliance,
		Serialize: jobs.RedisSerializer(m.Redis, "ld:jobs:run:", 2*time.Minute)}
	sc := &jobs.Scheduler{Runner: runner, Locker: jobs.NewRedisLocker(m.Redis, "ld:jobs:lock:"), Log: m.Log,
		Shops: m.Keys.Shops}
	if err := sc.Start(ctx); err != nil {
		return err
	}
	m.Scheduler = sc
	// Events ClickHouse refused for their content: each shop's admin hears of it at once.
	m.Writer.OnDeadLetter(func(ctx context.Context, b ingest.DeadBatch) {
		for _, shop := range b.Shops {
			if err := runner.RaiseDeadLetter(ctx, shop, b.ID, b.ShopRows[shop]); err != nil {
				m.Log.Error("raise dead-letter task", "shop", shop, "err", err)
			}
		}
	})
	m.onClose(func() {
		sc.Stop()
		if m.flagHooks != nil {
			m.flagHooks.hooks.Store(nil)
		}
		hooks.Close()
	})
	return nil
}

// openViews mounts the pages: logins, the room list, the control room, the prompter, products,
// reports, tasks and jobs, and the sockets.
func (m *Main) openViews(ctx context.Context) error {
	secret, err := account.Secret(ctx, m.CH, "session", m.secretLock)
	if err != nil {
		return err
	}
	m.Users = account.NewUsers(m.CH)
	s := &views.Server{
		Jobs:           m.Scheduler,
		Reports:        m.Reports,
		Users:          m.Users,
		Revocations:    &account.Revocations{CH: m.CH, Redis: m.Redis},
		Redis:          m.Redis,
		Rooms:          m.Rooms,
		Catalog:        m.Catalog,
		Hub:            m.Hub,
		Actions:        m.Stage,
		Control:        roomControl{m.Engine},
		LiveRules:      m.Engine,
		States:         m.Engine,
		Titles:         m.Catalog,
		Log:            m.Log,
		Location:       m.Config.Location,
		SecureCookies:  m.Config.SecureCookies,
		Shops:          m.Shops,
		Compliance:     m.Compliance,
		Integrations:   &platform.Admin{Integrations: m.Integrations, Stats: m.Hooks.Stats},
		BaseURL:        m.Config.BaseURL,
		Secret:         secret,
		TrustedProxies: m.Config.TrustedProxies,
	}
	s.Register(m.App)
	m.Pages = s
	return nil
}

// openAPI mounts the JSON API (/api/v1, beside ingest's events): keys of every scope and the
// pages' sessions.
func (m *Main) openAPI() {
	a := &api.Server{Keys: m.Keys, Sessions: m.Pages, Engine: m.Engine, Rooms: m.Rooms, Stage: m.Stage,
		Catalog: m.Catalog, Reports: m.Reports, Scheduler: m.Scheduler, Runner: m.Scheduler.Runner,
		Location: m.Config.Location, Shops: m.Shops, Log: m.Log, Relay: m.Relay, Totals: m.Totals}
	a.Register(m.App)
}

// goRun starts run in a goroutine and returns the closer that cancels it and waits for it.
func goRun(run func(context.Context)) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// roomControl maps the views' calls onto live.Engine (whose calls also return the session).
type roomControl struct{ e *live.Engine }

func (r roomControl) StartSession(ctx context.Context, shop, room, by string) error {
	_, err := r.e.StartSession(ctx, shop, room)
	return err
}

func (r roomControl) EndSession(ctx context.Context, shop, room, by string) error {
	_, err := r.e.EndSession(ctx, shop, room)
	if errors.Is(err, live.ErrNotLive) {
		return nil
	}
	return err
}

func (r roomControl) AcknowledgeFlag(ctx context.Context, shop, room, flagID, by string) error {
	return r.e.AckFlag(ctx, shop, room, flagID, by)
}

func (r roomControl) SnoozeFlag(ctx context.Context, shop, room, flagID, by string, d time.Duration) error {
	return r.e.SnoozeFlag(ctx, shop, room, flagID, d, by)
}

// secretLock serialises the creation of shared secrets across instances.
func (m *Main) secretLock(ctx context.Context) (func(), error) {
	lock, err := redislock.New(m.Redis).Obtain(ctx, "ld:auth:lock:secret", 30*time.Second, &redislock.Options{
		RetryStrategy: redislock.LimitRetry(redislock.LinearBackoff(100*time.Millisecond), 300),
	})
	if err != nil {
		return nil, fmt.Errorf("secret lock: %w", err)
	}
	return func() { _ = lock.Release(context.Background()) }, nil
}
