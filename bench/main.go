// Command bench is logateway's performance harness (make bench). In one run on
// loopback it starts a 1 KiB upstream, a bare httputil.ReverseProxy with a tuned
// transport, the emulated org and the gateway twice (memory store, Redis store),
// each proxy in a process of its own so its CPU time and RSS can be read from
// /proc; signs a visitor in through the org's real pages; drives every target
// with the same load in interleaved rounds; then measures the gateway's CPU per
// complete sign-in and per frontdoor mint, heap per stored session and idle RSS.
// Then the scaling table (scale.go): gateways with 100,000 live sessions
// (memory, Redis), 50 sites, 200 access rules, 512 connections and 1 MiB
// responses, each against the bare proxy in the same rounds, and sign-ins and
// frontdoor mints per second.
// It prints the tables and the gateway/bare ratios and writes them to
// bench/results/latest.md. `go run ./bench -smoke` is the short run CI uses to
// prove the harness works; its numbers mean nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/logateway/logateway/internal/harness"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	role, listen, upstream string
	smoke                  bool
	duration, warmup       time.Duration
	rounds, conc           int
	signins, frontdoors    int
	sessions               int
	redisAddr              string
	profile                time.Duration
	out                    string

	// The scaling table (scale.go).
	config                   string // -role=gateway: its config file
	prefill                  int    // -role=gateway: sessions stored before it listens
	scaleDuration            time.Duration
	scaleRounds              int
	scaleConc, scaleConcBig  int
	scaleSessions            int
	rateDuration             time.Duration
	signinWorkers, fdWorkers int
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.role, "role", "", "internal: bare runs the bare reverse proxy, gateway a scaling-table gateway (the harness starts them itself)")
	fs.StringVar(&o.config, "config", "", "internal: -role=gateway config file")
	fs.IntVar(&o.prefill, "prefill", 0, "internal: -role=gateway sessions stored before it listens")
	fs.DurationVar(&o.scaleDuration, "scale-duration", 2*time.Second, "scaling table: load per target per round")
	fs.IntVar(&o.scaleRounds, "scale-rounds", 2, "scaling table: interleaved rounds")
	fs.IntVar(&o.scaleConc, "scale-c", 64, "scaling table: connections of every row but the connections row's large side")
	fs.IntVar(&o.scaleConcBig, "scale-c-large", 512, "scaling table: connections of the connections row's large side")
	fs.IntVar(&o.scaleSessions, "scale-sessions", 100_000, "scaling table: live sessions of the sessions rows' large side")
	fs.DurationVar(&o.rateDuration, "rate-duration", 3*time.Second, "how long sign-ins and frontdoor mints per second are measured")
	fs.IntVar(&o.signinWorkers, "signin-workers", 8, "concurrent visitors signing in for sign-ins per second")
	fs.IntVar(&o.fdWorkers, "frontdoor-workers", 16, "concurrent callers for frontdoor mints per second")
	fs.StringVar(&o.listen, "listen", "", "internal: -role=bare listen address")
	fs.StringVar(&o.upstream, "upstream", "", "internal: -role=bare upstream URL")
	fs.BoolVar(&o.smoke, "smoke", false, "a short run that proves the harness works (CI); its numbers mean nothing")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "load per target per round")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load per target before the rounds")
	fs.IntVar(&o.rounds, "rounds", 3, "interleaved rounds (bare, gateway memory, gateway Redis, unauthenticated)")
	fs.IntVar(&o.conc, "c", 32, "concurrent keep-alive connections")
	fs.IntVar(&o.signins, "signins", 300, "complete sign-ins to measure")
	fs.IntVar(&o.frontdoors, "frontdoors", 2000, "frontdoor mints to measure")
	fs.IntVar(&o.sessions, "sessions", 100_000, "sessions stored to measure heap bytes per session (memory store)")
	fs.StringVar(&o.redisAddr, "redis", "127.0.0.1:6379", "Redis for the Redis-store gateway")
	fs.DurationVar(&o.profile, "profile", 0, "after the rounds, take CPU profiles of both gateways under load for this long (bench/results/gateway-{memory,redis}.pprof)")
	fs.StringVar(&o.out, "out", "bench/results/latest.md", "where the results table is written (relative to the module root)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.smoke {
		o.duration, o.warmup, o.rounds, o.conc = 300*time.Millisecond, 100*time.Millisecond, 1, 4
		o.signins, o.frontdoors, o.sessions = 5, 20, 2000
		o.scaleDuration, o.scaleRounds, o.scaleConc, o.scaleConcBig, o.scaleSessions = 200*time.Millisecond, 1, 4, 16, 2000
		o.rateDuration, o.signinWorkers, o.fdWorkers = 300*time.Millisecond, 2, 2
		o.out = "bench/results/smoke.md"
	}
	return o, nil
}

// logf reports progress on stderr; the results go to stdout.
var logOut io.Writer = os.Stderr

func logf(format string, a ...any) { fmt.Fprintf(logOut, format+"\n", a...) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logOut = stderr
	if o.role == "bare" {
		return runBare(o.listen, o.upstream)
	}
	if o.role == "gateway" {
		return runGateway(o.config, o.prefill)
	}
	if o.role != "" {
		return fmt.Errorf("-role %q is not a role; use bare or gateway", o.role)
	}
	began := time.Now()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "logateway-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil { // keep the processes' logs for the post-mortem
			err = fmt.Errorf("%w\n(config files and process logs kept in %s)", err, tmp)
			return
		}
		os.RemoveAll(tmp)
	}()

	logf("building the gateway (go build ./cmd/logateway)…")
	bin, err := buildGateway(ctx, root, tmp)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	up, upURL, err := startUpstream()
	if err != nil {
		return err
	}
	defer up.Close()

	var procs []*proc
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	ports, taken := map[string]int{}, map[int]bool{}
	scaleGWs := []scaleGateway{
		{name: "scale-memory", store: "memory", sites: 1, rules: 2},
		{name: "scale-memory-sessions", store: "memory", sessions: o.scaleSessions, sites: 1, rules: 2},
		{name: "scale-redis", store: "redis", sites: 1, rules: 2},
		{name: "scale-redis-sessions", store: "redis", sessions: o.scaleSessions, sites: 1, rules: 2},
		{name: "scale-sites", store: "memory", sites: 50, rules: 2},
		{name: "scale-rules", store: "memory", sites: 1, rules: 200},
	}
	names := []string{"org", "mem", "memAdmin", "redis", "redisAdmin", "cache", "cacheAdmin", "bare"}
	for _, g := range scaleGWs {
		names = append(names, g.name)
	}
	for _, n := range names {
		// The kernel may hand a just-closed port out again: insist on distinct ones.
		for ports[n] == 0 || taken[ports[n]] {
			if ports[n], err = freePort(); err != nil {
				return err
			}
		}
		taken[ports[n]] = true
	}
	orgURL := fmt.Sprintf("http://127.0.0.1:%d", ports["org"])
	memURL := fmt.Sprintf("http://localhost:%d", ports["mem"])
	redisURL := fmt.Sprintf("http://localhost:%d", ports["redis"])
	cacheURL := fmt.Sprintf("http://localhost:%d", ports["cache"])

	origins := []string{memURL, redisURL, cacheURL}
	for _, g := range scaleGWs {
		origins = append(origins, fmt.Sprintf("http://localhost:%d", ports[g.name]))
	}
	var callbacks []string
	for _, o := range origins {
		callbacks = append(callbacks, o+"/callback.html")
	}
	org, err := start(tmp, "devorg", bin, "devorg", "--listen", fmt.Sprintf("127.0.0.1:%d", ports["org"]),
		"--callback", strings.Join(callbacks, ","), "--host-origin", strings.Join(origins, ","))
	if err != nil {
		return err
	}
	procs = append(procs, org)
	if err := org.waitHTTP(orgURL+"/.well-known/openid-configuration", ""); err != nil {
		return err
	}

	prefix := fmt.Sprintf("logateway-bench-%d-%d:", os.Getpid(), time.Now().UnixNano())
	defer cleanRedis(o.redisAddr, 0, prefix)
	defer cleanRedis(o.redisAddr, scaleDB, prefix)
	gws := map[string]*proc{}
	idle, idleAnon := map[string]int64{}, map[string]int64{}
	for _, g := range []struct{ name, store, port, cacheTTL string }{
		{"gateway-memory", "memory", "mem", "0s"}, {"gateway-redis", "redis", "redis", "0s"},
		// The opt-in per-replica cache of Redis records (session.redis.local_cache_ttl).
		{"gateway-redis-cache", "redis", "cache", "2s"},
	} {
		port, admin := ports[g.port], ports[g.port+"Admin"]
		cfgPath := filepath.Join(tmp, g.name+".yaml")
		yaml := gatewayConfig(port, admin, orgURL, upURL, g.store, o.redisAddr, prefix, g.cacheTTL)
		if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
			return err
		}
		p, err := start(tmp, g.name, bin, "serve", "--config", cfgPath, "--dev")
		if err != nil {
			return err
		}
		procs = append(procs, p)
		if err := p.waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/__lo/healthz", port), fmt.Sprintf("localhost:%d", port)); err != nil {
			return err
		}
		gws[g.name] = p
	}
	// Idle RSS: started, answered one health check, nothing else yet.
	time.Sleep(200 * time.Millisecond)
	for n, p := range gws {
		rss, _, anon, err := memStatus(p.pid())
		if err != nil {
			return err
		}
		idle[n], idleAnon[n] = rss, anon
	}

	bare, err := start(tmp, "bare", self, "-role=bare", "-listen", fmt.Sprintf("127.0.0.1:%d", ports["bare"]), "-upstream", upURL)
	if err != nil {
		return err
	}
	procs = append(procs, bare)
	bareURL := fmt.Sprintf("http://127.0.0.1:%d", ports["bare"])
	if err := bare.waitHTTP(bareURL+"/", ""); err != nil {
		return err
	}

	logf("signing in through the emulated org (%s)…", orgURL)
	memCookie, err := signIn(memURL, orgURL)
	if err != nil {
		return fmt.Errorf("sign-in at the memory-store gateway: %w (its log says:\n%s)", err, gws["gateway-memory"].tail())
	}
	redisCookie, err := signIn(redisURL, orgURL)
	if err != nil {
		return fmt.Errorf("sign-in at the Redis-store gateway: %w (its log says:\n%s)", err, gws["gateway-redis"].tail())
	}

	cacheCookie, err := signIn(cacheURL, orgURL)
	if err != nil {
		return fmt.Errorf("sign-in at the Redis-store gateway with the local cache: %w (its log says:\n%s)", err, gws["gateway-redis-cache"].tail())
	}

	const page = "/app/page"
	targets := []target{
		{name: "bare proxy", url: bareURL + page, host: fmt.Sprintf("127.0.0.1:%d", ports["bare"]), want: 200, proc: bare},
		{name: "gateway, memory store", url: loop(ports["mem"]) + page, host: hostOf(memURL), cookie: memCookie, want: 200, proc: gws["gateway-memory"]},
		{name: "gateway, Redis store", url: loop(ports["redis"]) + page, host: hostOf(redisURL), cookie: redisCookie, want: 200, proc: gws["gateway-redis"]},
		{name: "gateway, no session → sign-in redirect", url: loop(ports["mem"]) + page, host: hostOf(memURL), want: 302, proc: gws["gateway-memory"]},
		{name: "gateway, Redis store + local cache", url: loop(ports["cache"]) + page, host: hostOf(cacheURL), cookie: cacheCookie, want: 200, proc: gws["gateway-redis-cache"]},
	}
	client := loadClient(o.conc)
	logf("warming up (%v per target)…", o.warmup)
	for _, t := range targets {
		if err := drive(ctx, client, t, o.conc, o.warmup, &result{}); err != nil {
			return err
		}
	}
	results := make([]*result, len(targets))
	for i, t := range targets {
		results[i] = &result{name: t.name}
	}
	for r := 1; r <= o.rounds; r++ {
		for i, t := range targets {
			if err := ctx.Err(); err != nil {
				return err
			}
			logf("round %d/%d: %s, %d connections, %v", r, o.rounds, t.name, o.conc, o.duration)
			if err := drive(ctx, client, t, o.conc, o.duration, results[i]); err != nil {
				return err
			}
		}
	}
	for i, t := range targets {
		_, hwm, _, err := memStatus(t.proc.pid())
		if err != nil {
			return err
		}
		results[i].peakRSS = hwm
	}

	if o.profile > 0 {
		dir := filepath.Join(root, "bench/results")
		if err := profileUnderLoad(ctx, client, targets[1], ports["memAdmin"], o, filepath.Join(dir, "gateway-memory.pprof")); err != nil {
			return err
		}
		if err := profileUnderLoad(ctx, client, targets[2], ports["redisAdmin"], o, filepath.Join(dir, "gateway-redis.pprof")); err != nil {
			return err
		}
	}

	logf("measuring %d complete sign-ins and %d frontdoor mints…", o.signins, o.frontdoors)
	sc, err := signinCost(ctx, memURL, orgURL, gws["gateway-memory"], org, o.signins)
	if err != nil {
		return err
	}
	fc, err := frontdoorCost(ctx, loop(ports["mem"]), hostOf(memURL), memCookie, gws["gateway-memory"], org, o.frontdoors)
	if err != nil {
		return err
	}
	logf("sign-ins per second (%d visitors at once) and frontdoor mints per second (%d callers)…", o.signinWorkers, o.fdWorkers)
	signinTr := &http.Transport{MaxIdleConnsPerHost: 2 * o.signinWorkers, DisableCompression: true}
	defer signinTr.CloseIdleConnections()
	var rates [2]opRate
	if rates[0].perSec, rates[0].p50, rates[0].p99, err = rate(ctx, o.signinWorkers, o.rateDuration, signinOp(memURL, orgURL, signinTr)); err != nil {
		return fmt.Errorf("sign-ins per second: %w (gateway log:\n%s)", err, gws["gateway-memory"].tail())
	}
	fdClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * o.fdWorkers}, Timeout: 10 * time.Second}
	if rates[1].perSec, rates[1].p50, rates[1].p99, err = rate(ctx, o.fdWorkers, o.rateDuration, frontdoorOp(ctx, loop(ports["mem"]), hostOf(memURL), memCookie, fdClient)); err != nil {
		return fmt.Errorf("frontdoor mints per second: %w (gateway log:\n%s)", err, gws["gateway-memory"].tail())
	}
	rates[0].workers, rates[1].workers = o.signinWorkers, o.fdWorkers

	scale, err := scaling(ctx, o, self, tmp, scaleGWs, ports, orgURL, upURL, prefix, targets[0], &procs)
	if err != nil {
		return err
	}

	logf("storing %d sessions in a memory store…", o.sessions)
	heap, err := heapPerSession(o.sessions)
	if err != nil {
		return err
	}

	rep := report{
		results: results, signin: sc, frontdoor: fc, heapPerSession: heap, sessions: o.sessions,
		idleMem: idle["gateway-memory"], idleRedis: idle["gateway-redis"],
		idleMemAnon: idleAnon["gateway-memory"], idleRedisAnon: idleAnon["gateway-redis"],
		scale: scale, rates: rates,
		opts: o, took: time.Since(began), cpus: runtime.NumCPU(),
	}
	text := rep.String()
	fmt.Fprint(stdout, text)
	out := o.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	logf("written to %s", out)
	return nil
}

func loop(port int) string { return fmt.Sprintf("http://127.0.0.1:%d", port) }

func hostOf(raw string) string {
	u, _ := url.Parse(raw)
	return u.Host
}

// gatewayConfig is the YAML of one gateway under test: the dev example's site,
// an upstream whose /app/ needs a session, no access-log shortcuts (the gateway
// writes it to stdout, buffered, as in production), pprof on the admin listener.
func gatewayConfig(port, admin int, orgURL, upstream, store, redisAddr, prefix, cacheTTL string) string {
	return fmt.Sprintf(`listen: "127.0.0.1:%d"
admin_listen: "127.0.0.1:%d"
log:
  level: warn
  format: json
server:
  pprof: true
session:
  store: %s
  redis:
    addrs: [%q]
    key_prefix: %q
    local_cache_ttl: %s
sites:
`, port, admin, store, redisAddr, prefix, cacheTTL) +
		siteYAML(fmt.Sprintf("http://localhost:%d", port), orgURL, upstream, "      - path: /app/\n        access: protected\n")
}

// siteYAML is one site of a gateway under test: the emulated org's client, the
// bench upstream, the given access rules, no frontdoor rate limit to speak of.
func siteYAML(url, orgURL, upstream, access string) string {
	return fmt.Sprintf(`  - url: %s
    org:
      my_domain: %s
    eca:
      client_id: 3MVG9devorg.logateway.client
      client_secret: devorg-client-secret   # the emulated org's; dev only
      scopes: [api, web, lightning, id, openid, refresh_token, profile, email]
    lightning_out:
      app_id: 1Usdevorg000000AAA
    acc:
      agent_id: 0Xxdevorg000000AAA
      agent_label: Devorg Agent
    upstream:
      url: %s
    access:
%s    rate_limit:
      frontdoor_per_minute: 1000000
`, url, orgURL, upstream, access)
}

// signIn signs alice in at the gateway through the org's real pages and returns
// the session cookie as a Cookie header value.
func signIn(gatewayURL, orgURL string) (string, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	if _, err := harness.SignInAt(client, gatewayURL, orgURL, harness.AliceUser, harness.AlicePass, "/__lo/healthz"); err != nil {
		return "", err
	}
	u, _ := url.Parse(gatewayURL)
	for _, c := range jar.Cookies(u) {
		if c.Name == "lo_session" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("signed in at %s but the jar holds no lo_session cookie", gatewayURL)
}

// cleanRedis deletes what the Redis-store gateways wrote under their prefix.
func cleanRedis(addr string, db int, prefix string) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, DB: db})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	for len(keys) > 0 {
		n := min(len(keys), 10_000)
		rdb.Unlink(ctx, keys[:n]...)
		keys = keys[n:]
	}
}

// profileUnderLoad drives t while fetching a CPU profile from the gateway's
// admin listener, and saves it for `go tool pprof`.
func profileUnderLoad(ctx context.Context, client *http.Client, t target, adminPort int, o options, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	logf("profiling %s for %v → %s", t.name, o.profile, path)
	errc := make(chan error, 1)
	go func() {
		c := &http.Client{Timeout: o.profile + 30*time.Second}
		resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/profile?seconds=%d", adminPort, int(o.profile.Seconds())))
		if err != nil {
			errc <- err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(path)
		if err != nil {
			errc <- err
			return
		}
		_, err = io.Copy(f, resp.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		errc <- err
	}()
	if err := drive(ctx, client, t, o.conc, o.profile+500*time.Millisecond, &result{}); err != nil {
		return err
	}
	if err := <-errc; err != nil {
		return fmt.Errorf("CPU profile of %s: %w; its log says:\n%s", t.name, err, t.proc.tail())
	}
	return nil
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
