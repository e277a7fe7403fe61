// Command bench is logateway's performance harness (make bench). In one run on
// loopback it starts a 1 KiB upstream, a bare httputil.ReverseProxy with a tuned
// transport, the emulated org and the gateway twice (memory store, Redis store),
// each proxy in a process of its own so its CPU time and RSS can be read from
// /proc; signs a visitor in through the org's real pages; drives every target
// with the same load in interleaved rounds; then measures the gateway's CPU per
// complete sign-in and per frontdoor mint, heap per stored session and idle RSS.
// It prints one table and the gateway/bare ratios and writes them to
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
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.role, "role", "", "internal: bare runs the bare reverse proxy (the harness starts it itself)")
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
	if o.role != "" {
		return fmt.Errorf("-role %q is not a role; the only one is bare", o.role)
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
	for _, n := range []string{"org", "mem", "memAdmin", "redis", "redisAdmin", "cache", "cacheAdmin", "bare"} {
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

	org, err := start(tmp, "devorg", bin, "devorg", "--listen", fmt.Sprintf("127.0.0.1:%d", ports["org"]),
		"--callback", memURL+"/callback.html,"+redisURL+"/callback.html,"+cacheURL+"/callback.html",
		"--host-origin", memURL+","+redisURL+","+cacheURL)
	if err != nil {
		return err
	}
	procs = append(procs, org)
	if err := org.waitHTTP(orgURL+"/.well-known/openid-configuration", ""); err != nil {
		return err
	}

	prefix := fmt.Sprintf("logateway-bench-%d-%d:", os.Getpid(), time.Now().UnixNano())
	defer cleanRedis(o.redisAddr, prefix)
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
	logf("storing %d sessions in a memory store…", o.sessions)
	heap, err := heapPerSession(o.sessions)
	if err != nil {
		return err
	}

	rep := report{
		results: results, signin: sc, frontdoor: fc, heapPerSession: heap, sessions: o.sessions,
		idleMem: idle["gateway-memory"], idleRedis: idle["gateway-redis"],
		idleMemAnon: idleAnon["gateway-memory"], idleRedisAnon: idleAnon["gateway-redis"],
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
  - url: http://localhost:%d
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
      - path: /app/
        access: protected
    rate_limit:
      frontdoor_per_minute: 1000000
`, port, admin, store, redisAddr, prefix, cacheTTL, port, orgURL, upstream)
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

// cleanRedis deletes what the Redis-store gateway wrote under its own prefix.
func cleanRedis(addr, prefix string) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
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
