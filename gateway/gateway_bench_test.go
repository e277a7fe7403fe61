package gateway_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/harness"
)

// The whole gateway handler, called directly (no front listener) so its own
// cost is as large a share of ns/op as it can be: the observe middleware, gin's
// routing, dispatch, the access rules, the session cookie and store lookup, the
// identity headers and the proxy to a real loopback upstream. Compare with
// gateway/proxy's BenchmarkBareProxy from the same run (make bench).

var benchPage = []byte(strings.Repeat("<p>logateway bench page</p>\n", 37)[:1024])

// benchEnv is a signed-in gateway (memory store) in front of a 1 KiB upstream
// whose /app/ needs a session. It returns the env and alice's cookie header.
func benchEnv(b *testing.B, accessLog bool) (*harness.Env, string) {
	return benchGateway(b, benchUpstream(b).URL, accessLog, nil)
}

// benchGateway is benchEnv's gateway in front of upstream, with edit (when not
// nil) applied to its config after the access rule.
func benchGateway(b *testing.B, upstream string, accessLog bool, edit func(*config.Config)) (*harness.Env, string) {
	b.Helper()
	env := harness.Start(b, harness.Options{
		Upstream:  upstream,
		AccessLog: accessLog,
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Config: func(c *config.Config) {
			c.Sites[0].Access = []config.AccessRule{{Path: "/app/", Access: "protected"}}
			if edit != nil {
				edit(c)
			}
		},
	})
	return env, benchSignIn(b, env)
}

// benchSignIn signs alice in at env and returns her session cookie header.
func benchSignIn(b *testing.B, env *harness.Env) string {
	b.Helper()
	client := harness.Client()
	if _, err := env.SignIn(client, harness.AliceUser, harness.AlicePass, "/__lo/healthz"); err != nil {
		b.Fatalf("sign-in: %v", err)
	}
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/", nil)
	for _, c := range client.Jar.Cookies(req.URL) {
		if c.Name == "lo_session" {
			return c.Name + "=" + c.Value
		}
	}
	b.Fatal("signed in, but the jar holds no lo_session cookie")
	return ""
}

// cpuTime is the CPU this process has used, user and system, in
// nanoseconds: the handler, the in-process upstream and the kernel's loopback
// work together. On a shared machine it moves less than ns/op, which also
// counts the time spent waiting for the CPU.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchUpstream is the benchmarks' upstream: the 1 KiB page for every path.
func benchUpstream(b *testing.B) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(benchPage)
	}))
	b.Cleanup(up.Close)
	return up
}

// serveAfresh serves r with the headers of base and w emptied first (the
// gateway adds its request id to the incoming headers) and returns the status.
func serveAfresh(h http.Handler, w *discardWriter, r *http.Request, base http.Header) int {
	clear(w.h)
	w.code = 0
	clear(r.Header)
	for k, v := range base {
		r.Header[k] = v
	}
	h.ServeHTTP(w, r)
	return w.code
}

// discardWriter is a ResponseWriter that forgets the body.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) {
	if d.code == 0 {
		d.code = http.StatusOK
	}
	return len(p), nil
}
func (d *discardWriter) WriteHeader(code int) {
	if d.code == 0 {
		d.code = code
	}
}

// benchHandler sends a browser-like GET for path, with cookie when not empty
// and the extra "Name: value" headers, through h from parallel goroutines, and
// checks every answer's status.
func benchHandler(b *testing.B, h http.Handler, url, cookie string, want int, extra ...string) {
	b.ReportAllocs()
	before := cpuTime()
	b.ResetTimer()
	defer func() { b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op") }()
	b.RunParallel(func(pb *testing.PB) {
		// A server's request context can be cancelled; ReverseProxy relies on
		// that instead of CloseNotify, which this writer does not have.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := httptest.NewRequest(http.MethodGet, url, nil).WithContext(ctx)
		r.RemoteAddr = "203.0.113.7:51234"
		r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36")
		r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		r.Header.Set("Accept-Language", "en-US,en;q=0.9")
		r.Header.Set("Sec-Fetch-Mode", "navigate")
		if cookie != "" {
			r.Header.Set("Cookie", "_ga=GA1.1.123; "+cookie+"; theme=dark")
		}
		for _, kv := range extra {
			k, v, _ := strings.Cut(kv, ": ")
			r.Header.Set(k, v)
		}
		// The proxy strips and sets headers on its outgoing copy only, but the
		// request id lands on the incoming one: start every request clean.
		base := r.Header.Clone()
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			if code := serveAfresh(h, w, r, base); code != want {
				b.Errorf("status %d, want %d", code, want)
				return
			}
		}
	})
}

// BenchmarkAuthenticatedRequest is a signed-in visitor's page view through the
// whole gateway (memory store), without the access log.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	env, cookie := benchEnv(b, false)
	benchHandler(b, env.Gateway, env.URL+"/app/page", cookie, http.StatusOK)
}

// BenchmarkAuthenticatedRequestAccessLog adds the JSON access log line, written
// to a discarding logger, to show what the line costs.
func BenchmarkAuthenticatedRequestAccessLog(b *testing.B) {
	env, cookie := benchEnv(b, true)
	benchHandler(b, env.Gateway, env.URL+"/app/page", cookie, http.StatusOK)
}

// BenchmarkAnonymousPublicRequest is a visitor without a session on a public
// page: no store lookup, no identity.
func BenchmarkAnonymousPublicRequest(b *testing.B) {
	env, _ := benchEnv(b, false)
	benchHandler(b, env.Gateway, env.URL+"/docs/page", "", http.StatusOK)
}

// BenchmarkUnauthenticatedRedirect is a visitor without a session on a
// protected page: the 302 to /__lo/login.
func BenchmarkUnauthenticatedRedirect(b *testing.B) {
	env, _ := benchEnv(b, false)
	benchHandler(b, env.Gateway, env.URL+"/app/page", "", http.StatusFound)
}

// BenchmarkBareProxyRequest is the yardstick for the benchmarks above, in the
// same process, with the same request, writer and kind of upstream: a bare
// httputil.ReverseProxy with the bench harness's tuned transport. The gap
// between it and BenchmarkAuthenticatedRequest is the gateway's own work.
func BenchmarkBareProxyRequest(b *testing.B) {
	benchHandler(b, bareProxy(b, benchUpstream(b).URL, nil), "http://localhost/app/page", "", http.StatusOK)
}

// bareProxy is the yardstick: a bare httputil.ReverseProxy to upstream with
// the bench harness's tuned transport, and pool as its BufferPool (nil: none).
func bareProxy(b *testing.B, upstream string, pool httputil.BufferPool) *httputil.ReverseProxy {
	target, _ := url.Parse(upstream)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true,
		ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10}
	b.Cleanup(tr.CloseIdleConnections)
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		},
		Transport:  tr,
		BufferPool: pool,
	}
}
