package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/proxy"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/templates"
)

// Deps are what the gateway is built from. Nothing here is global: a test builds
// a gateway with its own logger, store and HTTP client.
type Deps struct {
	Logger       *slog.Logger
	AccessLog    *obs.AccessLog // nil: no access log
	Metrics      *obs.Metrics
	Tracing      *obs.Tracing // nil: tracing off
	ProxyMetrics *proxy.Metrics
	Store        session.Store
	OrgHTTP      *http.Client // for every call to the org or IdP
	Templates    *templates.Renderer
	DevOrgURL    string      // set in dev mode: shown on every page
	DevUsers     [][2]string // dev mode: test users (username, password) listed on the dev page
}

// Gateway is the public HTTP handler. Its state is swapped atomically on reload.
type Gateway struct {
	deps  Deps
	state atomic.Pointer[state]
}

type state struct {
	cfg     *config.Config
	engine  *gin.Engine
	sites   map[string]*site // by lower-case Host header value
	trusted []netip.Prefix   // trusted_proxies: peers whose forwarding headers are believed
	version int64
}

// New builds the gateway for cfg (already validated).
func New(cfg *config.Config, d Deps) (*Gateway, error) {
	if d.OrgHTTP == nil {
		d.OrgHTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if d.Metrics == nil {
		d.Metrics = obs.NewMetrics()
	}
	// Every call to the org and the IdP is timed by endpoint.
	if _, done := d.OrgHTTP.Transport.(*obs.OrgTransport); !done {
		c := *d.OrgHTTP
		c.Transport = &obs.OrgTransport{Next: c.Transport, Metrics: d.Metrics, Tracing: d.Tracing}
		d.OrgHTTP = &c
	}
	if d.ProxyMetrics == nil {
		d.ProxyMetrics = proxy.NewMetrics(d.Metrics.Registry)
	}
	g := &Gateway{deps: d}
	st, err := g.build(cfg, 1)
	if err != nil {
		return nil, err
	}
	g.state.Store(st)
	return g, nil
}

// Reload swaps in a new, already validated config. On error the old one stays.
// Sessions survive: the store is shared by every config version.
func (g *Gateway) Reload(cfg *config.Config) error {
	old := g.state.Load()
	st, err := g.build(cfg, old.version+1)
	if err != nil {
		g.deps.Metrics.Reloads.WithLabelValues("rejected").Inc()
		return err
	}
	g.state.Store(st)
	g.deps.Metrics.Reloads.WithLabelValues("ok").Inc()
	// Let in-flight requests on the old proxies finish, then drop their idle conns.
	time.AfterFunc(30*time.Second, func() {
		for _, s := range old.sites {
			if s.proxy != nil {
				s.proxy.Close()
			}
			if s.orgHTTP != g.deps.OrgHTTP {
				s.orgHTTP.CloseIdleConnections()
			}
		}
	})
	return nil
}

// Config is the config in force.
func (g *Gateway) Config() *config.Config { return g.state.Load().cfg }

// ServeHTTP serves one request with the config in force when it arrived.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.state.Load().engine.ServeHTTP(w, r)
}

func (g *Gateway) build(cfg *config.Config, version int64) (*state, error) {
	st := &state{cfg: cfg, sites: make(map[string]*site, len(cfg.Sites)), version: version}
	var err error
	if st.trusted, err = trustedPrefixes(cfg); err != nil {
		return nil, err
	}
	for _, sc := range cfg.Sites {
		s, err := g.buildSite(cfg, sc)
		if err != nil {
			return nil, err
		}
		st.sites[s.name] = s
	}
	st.engine = g.routes(st)
	return st, nil
}

// siteFor picks the site by Host. A port-less Host also matches a site on the
// default port of its scheme.
func (st *state) siteFor(host string) *site {
	if s, ok := st.sites[host]; ok {
		return s
	}
	h := strings.ToLower(host)
	if s, ok := st.sites[h]; ok {
		return s
	}
	if hh, port, err := net.SplitHostPort(h); err == nil && (port == "80" || port == "443") {
		return st.sites[hh]
	}
	return nil
}

// SessionFor loads the session a request carries, for the request's site. Tests
// and tools use it; handlers use the site's manager directly.
func (g *Gateway) SessionFor(ctx context.Context, r *http.Request) (*session.Session, error) {
	s := g.state.Load().siteFor(r.Host)
	if s == nil {
		return nil, fmt.Errorf("no site for host %q", r.Host)
	}
	return s.loadSession(ctx, r)
}
