package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"github.com/logateway/logateway/internal/harness"
)

// rig is everything one bench run starts: the built gateway, the upstream, the
// emulated org, the three gateways under test, the bare proxy and their ports.
// close stops it all.
type rig struct {
	o               options
	root, tmp, bin  string
	self            string // this binary, run again as -role=bare and -role=gateway
	up              *http.Server
	upURL           string
	ports           map[string]int
	scaleGWs        []scaleGateway
	procs           []*proc
	org, bare       *proc
	gws             map[string]*proc
	idle, idleAnon  map[string]int64
	prefix          string // Redis keys of this run; "" until gateways are started
	cookies         map[string]string
	client          *http.Client
	orgURL, bareURL string
	memURL          string
	redisURL        string
	cacheURL        string
}

// newRig builds the gateway, starts the upstream and picks every port.
func newRig(ctx context.Context, o options) (*rig, error) {
	r := &rig{o: o, gws: map[string]*proc{}, idle: map[string]int64{}, idleAnon: map[string]int64{}, cookies: map[string]string{}}
	var err error
	if r.root, err = moduleRoot(); err != nil {
		return nil, err
	}
	if r.tmp, err = os.MkdirTemp("", "logateway-bench-"); err != nil {
		return nil, err
	}
	if err := r.prepare(ctx); err != nil {
		return nil, r.close(err)
	}
	return r, nil
}

func (r *rig) prepare(ctx context.Context) error {
	logf("building the gateway (go build ./cmd/logateway)…")
	var err error
	if r.bin, err = buildGateway(ctx, r.root, r.tmp, r.o.hold); err != nil {
		return err
	}
	if r.self, err = os.Executable(); err != nil {
		return err
	}
	if r.up, r.upURL, err = startUpstream(); err != nil {
		return err
	}
	r.scaleGWs = []scaleGateway{
		{name: "scale-memory", store: "memory", sites: 1, rules: 2},
		{name: "scale-memory-sessions", store: "memory", sessions: r.o.scaleSessions, sites: 1, rules: 2},
		{name: "scale-redis", store: "redis", sites: 1, rules: 2},
		{name: "scale-redis-sessions", store: "redis", sessions: r.o.scaleSessions, sites: 1, rules: 2},
		{name: "scale-sites", store: "memory", sites: 50, rules: 2},
		{name: "scale-rules", store: "memory", sites: 1, rules: 200},
		{name: "scale-lean", store: "memory", sites: 1, rules: 2, noAccessLog: true, oneIdentityHeader: true},
		// Only under -hold: each of the two apart.
		{name: "scale-no-access-log", store: "memory", sites: 1, rules: 2, noAccessLog: true, holdOnly: true},
		{name: "scale-one-identity-header", store: "memory", sites: 1, rules: 2, oneIdentityHeader: true, holdOnly: true},
	}
	names := []string{"org", "mem", "memAdmin", "redis", "redisAdmin", "cache", "cacheAdmin", "bare"}
	for _, g := range r.scaleGWs {
		names = append(names, g.name)
	}
	if r.ports, err = distinctPorts(names); err != nil {
		return err
	}
	r.orgURL = loop(r.ports["org"])
	r.memURL = fmt.Sprintf("http://localhost:%d", r.ports["mem"])
	r.redisURL = fmt.Sprintf("http://localhost:%d", r.ports["redis"])
	r.cacheURL = fmt.Sprintf("http://localhost:%d", r.ports["cache"])
	r.bareURL = loop(r.ports["bare"])
	return nil
}

// distinctPorts gives each name a free port; the kernel may hand a just-closed
// port out again, so it insists on distinct ones.
func distinctPorts(names []string) (map[string]int, error) {
	ports, taken := map[string]int{}, map[int]bool{}
	for _, n := range names {
		for ports[n] == 0 || taken[ports[n]] {
			p, err := freePort()
			if err != nil {
				return nil, err
			}
			ports[n] = p
		}
		taken[ports[n]] = true
	}
	return ports, nil
}

// close cleans Redis, stops every process and the upstream, and removes the
// temporary directory, or keeps it (and says where) when the run failed.
func (r *rig) close(err error) error {
	if r.prefix != "" {
		cleanRedis(r.o.redisAddr, scaleDB, r.prefix)
		cleanRedis(r.o.redisAddr, 0, r.prefix)
	}
	for _, p := range r.procs {
		p.stop()
	}
	if r.up != nil {
		r.up.Close()
	}
	if err != nil { // keep the processes' logs for the post-mortem
		return fmt.Errorf("%w\n(config files and process logs kept in %s)", err, r.tmp)
	}
	os.RemoveAll(r.tmp)
	return nil
}

// startAll starts the org, the gateways and the bare proxy, and signs a visitor
// in at each gateway.
func (r *rig) startAll() error {
	if err := r.startOrg(); err != nil {
		return err
	}
	r.prefix = fmt.Sprintf("logateway-bench-%d-%d:", os.Getpid(), time.Now().UnixNano())
	if err := r.startGateways(); err != nil {
		return err
	}
	bare, err := start(r.tmp, "bare", r.self, "-role=bare", "-listen", fmt.Sprintf("127.0.0.1:%d", r.ports["bare"]), "-upstream", r.upURL)
	if err != nil {
		return err
	}
	r.procs = append(r.procs, bare)
	r.bare = bare
	if err := bare.waitHTTP(r.bareURL+"/", ""); err != nil {
		return err
	}
	if err := r.signInAll(); err != nil {
		return err
	}
	r.client = loadClient(r.o.conc)
	return nil
}

func (r *rig) startOrg() error {
	origins := []string{r.memURL, r.redisURL, r.cacheURL}
	for _, g := range r.scaleGWs {
		origins = append(origins, fmt.Sprintf("http://localhost:%d", r.ports[g.name]))
	}
	var callbacks []string
	for _, o := range origins {
		callbacks = append(callbacks, o+"/callback.html")
	}
	org, err := start(r.tmp, "devorg", r.bin, "devorg", "--listen", fmt.Sprintf("127.0.0.1:%d", r.ports["org"]),
		"--callback", strings.Join(callbacks, ","), "--host-origin", strings.Join(origins, ","))
	if err != nil {
		return err
	}
	r.procs = append(r.procs, org)
	r.org = org
	return org.waitHTTP(r.orgURL+"/.well-known/openid-configuration", "")
}

// startGateways starts the three gateways of the throughput table and reads
// their idle RSS: started, answered one health check, nothing else yet.
func (r *rig) startGateways() error {
	for _, g := range []struct{ name, store, port, cacheTTL string }{
		// The Redis store without and with the client-side cache of records
		// (session.redis.local_cache_ttl, on by default at 2s).
		{"gateway-memory", "memory", "mem", "off"}, {"gateway-redis", "redis", "redis", "off"},
		{"gateway-redis-cache", "redis", "cache", "2s"},
	} {
		port, admin := r.ports[g.port], r.ports[g.port+"Admin"]
		cfgPath := filepath.Join(r.tmp, g.name+".yaml")
		yaml := gatewayConfig(port, admin, r.orgURL, r.upURL, g.store, r.o.redisAddr, r.prefix, g.cacheTTL)
		if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
			return err
		}
		p, err := startEnv(r.tmp, g.name, r.bin, r.o.gatewayEnv, "serve", "--config", cfgPath, "--dev")
		if err != nil {
			return err
		}
		r.procs = append(r.procs, p)
		if err := p.waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/__lo/healthz", port), fmt.Sprintf("localhost:%d", port)); err != nil {
			return err
		}
		r.gws[g.name] = p
	}
	time.Sleep(200 * time.Millisecond)
	for n, p := range r.gws {
		rss, _, anon, err := memStatus(p.pid())
		if err != nil {
			return err
		}
		r.idle[n], r.idleAnon[n] = rss, anon
	}
	return nil
}

func (r *rig) signInAll() error {
	logf("signing in through the emulated org (%s)…", r.orgURL)
	for _, g := range []struct{ port, url, gw, what string }{
		{"mem", r.memURL, "gateway-memory", "the memory-store gateway"},
		{"redis", r.redisURL, "gateway-redis", "the Redis-store gateway"},
		{"cache", r.cacheURL, "gateway-redis-cache", "the Redis-store gateway with the local cache"},
	} {
		c, err := signIn(g.url, r.orgURL)
		if err != nil {
			return fmt.Errorf("sign-in at %s: %w (its log says:\n%s)", g.what, err, r.gws[g.gw].tail())
		}
		r.cookies[g.port] = c
	}
	return nil
}

// targets are the rows of the throughput table, driven in this order each round.
func (r *rig) targets() []target {
	const page = "/app/page"
	return []target{
		{name: "bare proxy", url: r.bareURL + page, host: fmt.Sprintf("127.0.0.1:%d", r.ports["bare"]), want: 200, proc: r.bare},
		{name: "gateway, memory store", url: loop(r.ports["mem"]) + page, host: hostOf(r.memURL), cookie: r.cookies["mem"], want: 200, proc: r.gws["gateway-memory"]},
		{name: "gateway, Redis store, cache off", url: loop(r.ports["redis"]) + page, host: hostOf(r.redisURL), cookie: r.cookies["redis"], want: 200, proc: r.gws["gateway-redis"]},
		{name: "gateway, no session → sign-in redirect", url: loop(r.ports["mem"]) + page, host: hostOf(r.memURL), want: 302, proc: r.gws["gateway-memory"]},
		{name: "gateway, Redis store + local cache (default)", url: loop(r.ports["cache"]) + page, host: hostOf(r.cacheURL), cookie: r.cookies["cache"], want: 200, proc: r.gws["gateway-redis-cache"]},
	}
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
	rdb, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, SelectDB: db,
		ForceSingleClient: true, DisableCache: true, ClientSetInfo: rueidis.DisableClientSetInfo})
	if err != nil {
		return
	}
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for cursor := uint64(0); ; {
		e, err := rdb.Do(ctx, rdb.B().Scan().Cursor(cursor).Match(prefix+"*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			return
		}
		if len(e.Elements) > 0 {
			rdb.Do(ctx, rdb.B().Unlink().Key(e.Elements...).Build())
		}
		if cursor = e.Cursor; cursor == 0 {
			return
		}
	}
}
