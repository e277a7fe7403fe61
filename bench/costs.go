package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"slices"
	"time"

	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
)

// cost is what one kind of request costs the gateway and, for comparison, the
// org it called (the org runs in its own process, so neither is the other's).
type cost struct {
	n          int
	gatewayCPU time.Duration // per operation
	orgCPU     time.Duration // per operation
	p50, p99   time.Duration // wall time the visitor waited
}

// signinCost runs n complete sign-ins one after the other, each a new visitor
// (new cookie jar) on kept-alive connections: /__lo/login's redirect, the org's
// form and consent, the callback with the code exchange, the id_token check and
// the session write, and the redirect to rd (the gateway's cheap health page, so
// that no upstream work is counted).
func signinCost(ctx context.Context, gatewayURL, orgURL string, gw, org *proc, n int) (cost, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}
	defer tr.CloseIdleConnections()
	one := signinOp(gatewayURL, orgURL, tr)
	if err := one(); err != nil { // warm: JWKS fetched, connections open
		return cost{}, fmt.Errorf("sign-in: %w (gateway log:\n%s)", err, gw.tail())
	}
	return measure(ctx, gw, org, n, func(int) error { return one() })
}

// signinOp is one complete sign-in of a new visitor (a new cookie jar).
func signinOp(gatewayURL, orgURL string, tr *http.Transport) func() error {
	return func() error {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Transport: tr, Timeout: 20 * time.Second}
		_, err := harness.SignInAt(c, gatewayURL, orgURL, harness.AliceUser, harness.AlicePass, "/__lo/healthz")
		return err
	}
}

// frontdoorCost mints n frontdoor URLs for one signed-in session through
// GET /__lo/frontdoor. The gateway's CPU per mint is its overhead over the org
// call: the org's own work runs in the other process.
func frontdoorCost(ctx context.Context, base, host, cookie string, gw, org *proc, n int) (cost, error) {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}, Timeout: 10 * time.Second}
	one := frontdoorOp(ctx, base, host, cookie, c)
	if err := one(); err != nil {
		return cost{}, fmt.Errorf("%w (gateway log:\n%s)", err, gw.tail())
	}
	return measure(ctx, gw, org, n, func(int) error { return one() })
}

// frontdoorOp is one GET /__lo/frontdoor for the session in cookie.
func frontdoorOp(ctx context.Context, base, host, cookie string, c *http.Client) func() error {
	return func() error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/__lo/frontdoor", nil)
		req.Host = host
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /__lo/frontdoor: status %d, want 200: %.200s", resp.StatusCode, body)
		}
		return nil
	}
}

// measure runs op n times in sequence and divides the two processes' CPU
// deltas by n.
func measure(ctx context.Context, gw, org *proc, n int, op func(i int) error) (cost, error) {
	g0, err := cpuTime(gw.pid())
	if err != nil {
		return cost{}, err
	}
	o0, err := cpuTime(org.pid())
	if err != nil {
		return cost{}, err
	}
	lat := make([]time.Duration, 0, n)
	for i := range n {
		if err := ctx.Err(); err != nil {
			return cost{}, err
		}
		t0 := time.Now()
		if err := op(i); err != nil {
			return cost{}, err
		}
		lat = append(lat, time.Since(t0))
	}
	g1, err := cpuTime(gw.pid())
	if err != nil {
		return cost{}, err
	}
	o1, err := cpuTime(org.pid())
	if err != nil {
		return cost{}, err
	}
	slices.Sort(lat)
	return cost{
		n: n, gatewayCPU: (g1 - g0) / time.Duration(n), orgCPU: (o1 - o0) / time.Duration(n),
		p50: lat[len(lat)/2], p99: lat[(len(lat)-1)*99/100],
	}, nil
}

// heapPerSession stores n sessions in a memory store through the session
// manager, as the callback does, and returns the live heap they add per
// session. Records look like a Salesforce sign-in's: real token lengths.
func heapPerSession(n int) (float64, error) {
	store := session.NewMemoryStore(session.MemoryOptions{MaxSessions: n})
	defer store.Close()
	before := liveHeap()
	if err := fillSessions(context.Background(), store, n); err != nil {
		return 0, err
	}
	after := liveHeap()
	if got := store.Len(); got != n {
		return 0, fmt.Errorf("memory store holds %d sessions, want %d", got, n)
	}
	runtime.KeepAlive(store)
	return float64(after-before) / float64(n), nil
}

// benchRecord is the i-th stored session: a Salesforce sign-in's record with
// real token lengths.
func benchRecord(i int, now time.Time) *session.Record {
	return &session.Record{
		Site: "http://localhost:8080",
		Identity: session.Identity{
			UserID: fmt.Sprintf("005Hs00000%08dAA", i), OrgID: "00DHs000000abcdEAA",
			Username:          fmt.Sprintf("visitor%d@example.com.acme", i),
			PreferredUsername: fmt.Sprintf("visitor%d@example.com.acme", i),
			Email:             fmt.Sprintf("visitor%d@example.com", i),
			Name:              fmt.Sprintf("Visitor Number %d", i),
			IdentityURL:       fmt.Sprintf("https://login.salesforce.com/id/00DHs000000abcdEAA/005Hs00000%08dAA", i),
		},
		Tokens: session.Tokens{
			AccessToken:  fmt.Sprintf("00DHs000000abcd!AQ4AQ%091d", i),
			RefreshToken: fmt.Sprintf("5Aep861TSESvWeug_x%069d", i),
			InstanceURL:  "https://acme.my.salesforce.com", Scope: "web api id openid refresh_token",
			IssuedAt: now, ExpiresAt: now.Add(2 * time.Hour), Flow: "web-server",
		},
	}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// headerOnly is a ResponseWriter for Manager.Create's Set-Cookie.
type headerOnly struct{ h http.Header }

func (w *headerOnly) Header() http.Header         { return w.h }
func (w *headerOnly) Write(p []byte) (int, error) { return len(p), nil }
func (w *headerOnly) WriteHeader(int)             {}
