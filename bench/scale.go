package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/templates"
)

// The scaling table: how the gateway's throughput and p99 move, against the
// bare proxy in the same rounds, when one thing grows: live sessions (memory
// and Redis stores), sites chosen by Host, access rules, connections, response
// size. The gateways of this table run the same code as `logateway serve`
// (gateway.New behind an http.Server) in a child process of this harness
// (-role=gateway), which can fill their store with live sessions before they
// listen; the other settings come from their config files.

// scaleGateway is one gateway of the scaling table.
type scaleGateway struct {
	name     string
	store    string // memory or redis
	sessions int    // live sessions stored before it listens (besides the visitor's)
	sites    int    // sites in the config: the visitor's is the last, the others are chosen by other Hosts
	rules    int    // access rules: the one that protects /app/ is the last to be tried
	// What an operator may turn off, to show what it costs: the access log
	// (log.access: off), and five of the six identity headers (only
	// X-Forwarded-User is sent).
	noAccessLog, oneIdentityHeader bool
	holdOnly                       bool // started by -hold only, not by the scaling table
}

// runGateway is -role=gateway: the gateway for cfgPath with `prefill` live
// sessions already in its store.
func runGateway(cfgPath string, prefill int) error {
	cfg, err := config.LoadDev(cfgPath, os.Getenv)
	if err != nil {
		return err
	}
	logger, err := obs.NewLogger(os.Stderr, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		return err
	}
	var store session.Store
	switch cfg.Session.Store {
	case "redis":
		r := cfg.Session.Redis
		store, err = session.NewRedisStore(session.RedisOptions{Addrs: r.Addrs, DB: r.DB, KeyPrefix: r.KeyPrefix, LocalCacheTTL: max(r.LocalCacheTTL.D(), 0)})
		if err != nil {
			return err
		}
	default:
		store = session.NewMemoryStore(session.MemoryOptions{MaxSessions: max(cfg.Session.MaxSessions, prefill+10_000)})
	}
	defer store.Close()
	if err := fillSessions(context.Background(), store, prefill); err != nil {
		return err
	}
	tpl, err := templates.New()
	if err != nil {
		return err
	}
	var accessLog *obs.AccessLog
	if cfg.Log.Access != "off" { // as logateway serve does
		var closeLog func() error
		accessLog, closeLog = obs.NewBufferedAccessLog(os.Stdout, cfg.Log.Format)
		defer closeLog()
	}
	gw, err := gateway.New(cfg, gateway.Deps{
		Logger: logger, AccessLog: accessLog, Store: store,
		OrgHTTP: &http.Client{Timeout: 15 * time.Second}, Templates: tpl,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	return serveUntilSignal(ln, gw)
}

// fillSessions stores n sessions through the session manager, as the callback
// does, 32 at a time (a Redis store pays a round trip each).
func fillSessions(ctx context.Context, store session.Store, n int) error {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	m, err := session.NewManager(store, session.Options{CookieName: "lo_session", Keys: [][]byte{key}})
	if err != nil {
		return err
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr atomic.Value
	)
	now := time.Now()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &headerOnly{h: http.Header{}}
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				clear(w.h)
				if _, err := m.Create(ctx, w, benchRecord(i, now)); err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("store session %d: %w", i, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return err
	}
	return nil
}

// scaleConfig is a scaling gateway's YAML: the visitor's site (the bench site
// of gatewayConfig) last among g.sites sites, and g.rules access rules of
// which the one protecting /app/ is the last.
func scaleConfig(g scaleGateway, port int, orgURL, upstream, redisAddr, prefix string) string {
	var rules strings.Builder
	rules.WriteString("      - path: /public/\n        access: public\n")
	for i := 2; i < g.rules; i++ {
		fmt.Fprintf(&rules, "      - path: /section-%03d/\n        access: protected\n", i)
	}
	rules.WriteString("      - path: /app/\n        access: protected\n")
	var sites strings.Builder
	for i := 1; i < g.sites; i++ {
		sites.WriteString(siteYAML(fmt.Sprintf("http://site%02d.localhost:%d", i, port), orgURL, upstream, rules.String()))
	}
	last := siteYAML(fmt.Sprintf("http://localhost:%d", port), orgURL, upstream, rules.String())
	logYAML := "log:\n  level: warn\n  format: json\n"
	if g.oneIdentityHeader {
		last += "    identity_headers: {email: \"-\", preferred_username: \"-\", org_id: \"-\", user_id: \"-\", name: \"-\"}\n"
	}
	if g.noAccessLog {
		logYAML += "  access: \"off\"\n"
	}
	sites.WriteString(last)
	return fmt.Sprintf(`listen: "127.0.0.1:%d"
admin_listen: "off"
`+logYAML+`session:
  store: %s
  redis:
    addrs: [%q]
    key_prefix: %q
sites:
%s`, port, g.store, redisAddr, prefix, sites.String())
}

// scaleRow is one line of the scaling table: the gateway and the bare proxy
// with the small and the large setting.
type scaleRow struct {
	what, small, large string
	flat               bool // the issue asks for flat throughput and p99 here
	bareSmall, gwSmall *result
	bareLarge, gwLarge *result
}

// rate runs op from `workers` goroutines for d and returns completions per
// second and the p50/p99 of one op.
func rate(ctx context.Context, workers int, d time.Duration, op func() error) (perSec float64, p50, p99 time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu   sync.Mutex
		lat  []time.Duration
		wg   sync.WaitGroup
		fail atomic.Value
	)
	began := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				if err := op(); err != nil {
					if ctx.Err() == nil {
						fail.CompareAndSwap(nil, err)
					}
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if e, _ := fail.Load().(error); e != nil {
		return 0, 0, 0, e
	}
	if len(lat) == 0 {
		return 0, 0, 0, errors.New("no operation completed")
	}
	r := &result{}
	for _, l := range lat {
		r.lat = append(r.lat, uint32(l/time.Microsecond))
	}
	return float64(len(lat)) / time.Since(began).Seconds(), r.percentile(0.5), r.percentile(0.99), nil
}

// opRate is how many operations of one kind the gateway completed per second
// with `workers` callers at once.
type opRate struct {
	workers  int
	perSec   float64
	p50, p99 time.Duration
}

// scaleDB is the Redis database of the gateway filled with sessions, so that
// the small Redis row's keyspace does not hold them.
const scaleDB = 1

// scaling starts the scaling gateways, signs a visitor in at each, drives
// them and the bare proxy in interleaved rounds, and returns the table's rows.
func scaling(ctx context.Context, o options, self, tmp string, gws []scaleGateway, ports map[string]int,
	orgURL, upURL, prefix string, bare target, procs *[]*proc) ([]scaleRow, error) {
	var table []scaleGateway
	for _, g := range gws {
		if !g.holdOnly {
			table = append(table, g)
		}
	}
	logf("scaling table: starting %d gateways (the large ones store %d sessions first)…", len(table), o.scaleSessions)
	tg, err := startScaleGateways(o, self, tmp, table, ports, orgURL, upURL, prefix, procs)
	if err != nil {
		return nil, err
	}
	big := func(t target) target {
		t.url = strings.TrimSuffix(t.url, "/app/page") + bigPath
		t.name += ", 1 MiB"
		return t
	}
	type job struct {
		t    target
		conc int
		res  *result
	}
	small, large := o.scaleConc, o.scaleConcBig
	jobs := []*job{
		{t: bare, conc: small}, {t: tg["scale-memory"], conc: small},
		{t: tg["scale-memory-sessions"], conc: small},
		{t: tg["scale-redis"], conc: small}, {t: tg["scale-redis-sessions"], conc: small},
		{t: tg["scale-sites"], conc: small}, {t: tg["scale-rules"], conc: small},
		{t: bare, conc: large}, {t: tg["scale-memory"], conc: large},
		{t: big(bare), conc: small}, {t: big(tg["scale-memory"]), conc: small},
		{t: tg["scale-lean"], conc: small},
	}
	clients := map[int]*http.Client{small: loadClient(small), large: loadClient(large)}
	warm := min(o.warmup, 500*time.Millisecond)
	for _, j := range jobs {
		j.res = &result{name: j.t.name}
		if err := drive(ctx, clients[j.conc], j.t, j.conc, warm, &result{}); err != nil {
			return nil, err
		}
	}
	for r := 1; r <= o.scaleRounds; r++ {
		logf("scaling round %d/%d: %d targets, %v each", r, o.scaleRounds, len(jobs), o.scaleDuration)
		for _, j := range jobs {
			if err := drive(ctx, clients[j.conc], j.t, j.conc, o.scaleDuration, j.res); err != nil {
				return nil, err
			}
		}
	}
	n := func(i int) string { return fmt.Sprintf("%d", i) }
	return []scaleRow{
		{"live sessions, memory store", "1", n(o.scaleSessions + 1), true, jobs[0].res, jobs[1].res, jobs[0].res, jobs[2].res},
		{"live sessions, Redis store", "1", n(o.scaleSessions + 1), true, jobs[0].res, jobs[3].res, jobs[0].res, jobs[4].res},
		{"sites, chosen by Host (the visitor's last)", "1", "50", true, jobs[0].res, jobs[1].res, jobs[0].res, jobs[5].res},
		{"access rules (the matching one tried last)", "2", "200", true, jobs[0].res, jobs[1].res, jobs[0].res, jobs[6].res},
		{"connections", n(small), n(large), false, jobs[0].res, jobs[1].res, jobs[7].res, jobs[8].res},
		{"response size", "1 KiB", "1 MiB", false, jobs[0].res, jobs[1].res, jobs[9].res, jobs[10].res},
		// Not growth but its opposite: what turning optional features off gives back.
		{"optional features: access log, identity headers", "on, 6 headers", "off, 1 header", false, jobs[0].res, jobs[1].res, jobs[0].res, jobs[11].res},
	}, nil
}

// startScaleGateways starts the given scaling gateways (each stores its
// sessions first) and signs a visitor in at each: their targets by name.
func startScaleGateways(o options, self, tmp string, gws []scaleGateway, ports map[string]int,
	orgURL, upURL, prefix string, procs *[]*proc) (map[string]target, error) {
	started := map[string]*proc{}
	for _, g := range gws {
		yaml := scaleConfig(g, ports[g.name], orgURL, upURL, o.redisAddr, prefix+g.name+":")
		if g.store == "redis" && g.sessions > 0 {
			yaml = strings.Replace(yaml, "  redis:\n", fmt.Sprintf("  redis:\n    db: %d\n", scaleDB), 1)
		}
		path := fmt.Sprintf("%s/%s.yaml", tmp, g.name)
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			return nil, err
		}
		p, err := start(tmp, g.name, self, "-role=gateway", "-config", path, "-prefill", fmt.Sprint(g.sessions))
		if err != nil {
			return nil, err
		}
		*procs = append(*procs, p)
		started[g.name] = p
	}
	tg := map[string]target{}
	for _, g := range gws {
		p, port := started[g.name], ports[g.name]
		siteURL := fmt.Sprintf("http://localhost:%d", port)
		if err := p.waitHTTP(loop(port)+"/__lo/healthz", hostOf(siteURL)); err != nil {
			return nil, err
		}
		cookie, err := signIn(siteURL, orgURL)
		if err != nil {
			return nil, fmt.Errorf("sign-in at %s: %w (its log says:\n%s)", g.name, err, p.tail())
		}
		tg[g.name] = target{name: g.name, url: loop(port) + "/app/page", host: hostOf(siteURL), cookie: cookie, want: 200, proc: p}
	}
	return tg, nil
}
