package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/internal/redistest"
)

// The store pair: a signed-in visitor's request for a protected upstream page,
// over real loopback HTTP (client → gateway → upstream), with the session in
// memory or in Redis. Run both in one invocation and compare ns/op; the
// ratio memory/redis is the throughput of the Redis store relative to memory:
//
//	go test -run '^$' -bench 'ProxiedRequest(Memory|Redis)Store' ./gateway/

var storeBenchPage = []byte(strings.Repeat("<p>logateway store bench</p>\n", 36)[:1024])

func benchProxiedRequest(b *testing.B, store session.Store) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(storeBenchPage)
	}))
	b.Cleanup(up.Close)
	env := harness.Start(b, harness.Options{
		Store:    store,
		Upstream: up.URL,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Config: func(c *config.Config) {
			c.Sites[0].Access = []config.AccessRule{{Path: "/app/", Access: "protected"}}
		},
	})
	b.Cleanup(func() { _ = store.Close() })
	jar := harness.Client()
	if _, err := env.SignIn(jar, harness.AliceUser, harness.AlicePass, "/__lo/healthz"); err != nil {
		b.Fatalf("sign-in: %v", err)
	}
	cookie := cookieValue(jar, env.URL, "lo_session")
	if cookie == "" {
		b.Fatal("signed in, but the jar holds no lo_session cookie")
	}
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: 30 * time.Second}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, env.URL+"/app/home", nil)
			req.Header.Set("Accept", "text/html")
			req.AddCookie(&http.Cookie{Name: "lo_session", Value: cookie})
			resp, err := client.Do(req)
			if err != nil {
				b.Errorf("request: %v", err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d, want 200 from the upstream (is the session still valid?)", resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkProxiedRequestMemoryStore(b *testing.B) {
	benchProxiedRequest(b, session.NewMemoryStore(session.MemoryOptions{}))
}

func BenchmarkProxiedRequestRedisStore(b *testing.B) {
	addr := redistest.Addr(b)
	if !redistest.IsReal(b, addr) {
		b.Logf("benchmarking against miniredis at %s, not a real Redis: the ratio says little", addr)
	}
	prefix := redistest.Prefix(b)
	b.Cleanup(func() { redistest.FlushPrefix(b, addr, prefix) })
	s, err := session.NewRedisStore(session.RedisOptions{Addrs: []string{addr}, KeyPrefix: prefix})
	if err != nil {
		b.Fatal(err)
	}
	benchProxiedRequest(b, s)
}
