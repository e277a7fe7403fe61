package harness

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/templates"
)

// Replicas is one emulated org and n gateway replicas of the same site, as a
// load balancer would run them: one config (so the same session keys and site
// URL), one store backend, one listener each. Replica 0 is the embedded Env.
//
// Cookies belong to a site, not to a port, so every replica answers for
// Env.URL (http://localhost:<replica 0 port>); a client reaches replica i with
// Via, which keeps the URL and Host and only changes where it dials.
type Replicas struct {
	*Env
	Gateways []*gateway.Gateway
	Stores   []session.Store
	Metrics  []*obs.Metrics
	Addrs    []string // each replica's listener, 127.0.0.1:port

	siteHostPort string // host:port of Env.URL, the address clients dial for the site
	servers      []*http.Server
	mu           sync.Mutex
	transports   map[int]*http.Transport
}

// StartReplicas starts the org and n gateways. newStore(i) gives replica i its
// own Store value; for a shared session state they must all point at one
// backend (e.g. RedisStores with the same address and KeyPrefix). o.Store is
// ignored. t.Cleanup stops everything and closes the stores.
func StartReplicas(t testing.TB, n int, o Options, newStore func(i int) session.Store) *Replicas {
	t.Helper()
	r, err := StartReplicasE(n, o, newStore)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// StartReplicasE is StartReplicas for programs (the benchmark harness).
func StartReplicasE(n int, o Options, newStore func(i int) session.Store) (*Replicas, error) {
	if n < 1 {
		return nil, fmt.Errorf("harness: StartReplicas needs at least 1 replica, got %d", n)
	}
	if newStore == nil {
		return nil, fmt.Errorf("harness: StartReplicas needs newStore (one Store per replica on a shared backend)")
	}
	o.Store = newStore(0)
	env, err := StartE(o)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(env.URL)
	r := &Replicas{
		Env:          env,
		Gateways:     []*gateway.Gateway{env.Gateway},
		Stores:       []session.Store{env.Store},
		Metrics:      []*obs.Metrics{env.Metrics},
		Addrs:        []string{env.gwListener.Addr().String()},
		siteHostPort: u.Host,
		transports:   map[int]*http.Transport{},
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for i := 1; i < n; i++ {
		if err := r.add(i, o, newStore(i), logger); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

func (r *Replicas) add(i int, o Options, store session.Store, logger *slog.Logger) error {
	tpl, err := templates.New()
	if err != nil {
		return err
	}
	m := obs.NewMetrics()
	d := gateway.Deps{Logger: logger.With("replica", i), Metrics: m, Store: store, Templates: tpl,
		OrgHTTP: &http.Client{Timeout: 10 * time.Second}}
	if o.AccessLog {
		d.AccessLog = obs.NewAccessLog(io.Discard, "json")
	}
	if o.DevBanners {
		d.DevOrgURL = r.OrgURL
	}
	gw, err := gateway.New(r.Config, d)
	if err != nil {
		store.Close()
		return fmt.Errorf("harness: replica %d: %w", i, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		store.Close()
		return err
	}
	var h http.Handler = gw
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	r.Gateways = append(r.Gateways, gw)
	r.Stores = append(r.Stores, store)
	r.Metrics = append(r.Metrics, m)
	r.Addrs = append(r.Addrs, ln.Addr().String())
	r.servers = append(r.servers, srv)
	return nil
}

// Close stops every replica and the org, and closes every store.
func (r *Replicas) Close() {
	for _, srv := range r.servers {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
	}
	r.Env.Close()
	r.mu.Lock()
	for _, t := range r.transports {
		t.CloseIdleConnections()
	}
	r.mu.Unlock()
	for _, s := range r.Stores {
		_ = s.Close()
	}
}

// Transport returns a transport that sends every request for the site
// (Env.URL's host:port) to replica i, and everything else (the org) where its
// URL says. One transport per replica is shared, so connections are reused.
func (r *Replicas) Transport(i int) *http.Transport {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.transports[i]; ok {
		return t
	}
	target := r.Addrs[i]
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	t := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == r.siteHostPort {
				addr = target
			}
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     30 * time.Second,
	}
	r.transports[i] = t
	return t
}

// Via returns a copy of c (same cookie jar, timeout and redirect policy) whose
// requests to the site go to replica i: a visitor whose load balancer picked
// replica i for this request.
func (r *Replicas) Via(c *http.Client, i int) *http.Client {
	cc := *c
	cc.Transport = r.Transport(i)
	return &cc
}

// SignInVia signs client in through replica i (every gateway request of the
// sign-in goes to i; the org is reached directly). client itself is not
// changed: its jar receives the cookie.
func (r *Replicas) SignInVia(i int, client *http.Client, username, password, rd string) (*url.URL, error) {
	return r.SignIn(r.Via(client, i), username, password, rd)
}
