package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/frontproxy"
	"github.com/logateway/logateway/internal/harness"
)

// The forward-auth subrequest's cost: the whole gateway handler answering
// /__lo/auth in process (compare with BenchmarkAuthenticatedRequest, the same
// visitor through the full proxy), and the latency nginx's auth_request adds
// per page, measured through Debian's nginx on loopback.

// fwdBenchEnv is a forward-auth gateway whose trusted proxy is benchHandler's
// peer, with /app/ protected, and alice's cookie header.
func fwdBenchEnv(b *testing.B, publicURL string) (*harness.Env, string) {
	b.Helper()
	env := harness.Start(b, harness.Options{
		PublicURL: publicURL,
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Config: func(c *config.Config) {
			c.TrustedProxies = []string{"203.0.113.7", "127.0.0.1"}
			c.Sites[0].ForwardAuth.Enabled = true
			c.Sites[0].Access = []config.AccessRule{{Path: "/app/", Access: "protected"}}
		},
	})
	if publicURL != "" {
		return env, "" // signed in through the front proxy by the caller
	}
	return env, benchSignIn(b, env)
}

// BenchmarkForwardAuthSignedIn is nginx's subrequest for a signed-in visitor's
// protected page: session lookup, rule match, identity headers in the answer.
func BenchmarkForwardAuthSignedIn(b *testing.B) {
	env, cookie := fwdBenchEnv(b, "")
	benchHandler(b, env.Gateway, env.URL+"/__lo/auth", cookie, http.StatusOK,
		"X-Original-URI: /app/page", "X-Forwarded-Method: GET", "X-Forwarded-Proto: https")
}

// BenchmarkForwardAuthAnonymousPublic is the subrequest for a visitor without
// a session on a public page.
func BenchmarkForwardAuthAnonymousPublic(b *testing.B) {
	env, _ := fwdBenchEnv(b, "")
	benchHandler(b, env.Gateway, env.URL+"/__lo/auth", "", http.StatusOK, "X-Original-URI: /docs/page")
}

// BenchmarkForwardAuthAnonymousProtected is the 401 with the sign-in URL.
func BenchmarkForwardAuthAnonymousProtected(b *testing.B) {
	env, _ := fwdBenchEnv(b, "")
	benchHandler(b, env.Gateway, env.URL+"/__lo/auth", "", http.StatusUnauthorized, "X-Original-URI: /app/page")
}

// BenchmarkForwardAuthThroughNginx is one signed-in page view at a time
// through nginx over loopback keep-alive connections: "direct" is the same
// nginx configuration without auth_request, "auth_request" asks the gateway
// first. ns/op is the latency per page; the difference is what forward-auth
// adds, and the difference in proc-cpu-µs/op is the gateway's CPU per
// subrequest. Bounded by -benchtime (2000x for the README's figures).
func BenchmarkForwardAuthThroughNginx(b *testing.B) {
	frontproxy.Need(b, frontproxy.Nginx)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream") // not text/html: no sub_filter
		_, _ = w.Write(benchPage)
	}))
	b.Cleanup(up.Close)
	port, err := frontproxy.ReservePort()
	if err != nil {
		b.Fatal(err)
	}
	o := frontproxy.Options{Port: port, Backend: up.Listener.Addr().String()}
	env, _ := fwdBenchEnv(b, "http://"+o.SiteHost())
	o.Gateway = env.Addr
	withAuth := frontproxy.Start(b, frontproxy.Nginx, o)
	client := harness.Client()
	if _, err := env.SignIn(client, harness.AliceUser, harness.AlicePass, "/__lo/healthz"); err != nil {
		b.Fatalf("sign-in through nginx: %v", err)
	}
	baseline := o
	baseline.AuthOff = true
	if baseline.Port, err = frontproxy.ReservePort(); err != nil {
		b.Fatal(err)
	}
	direct := frontproxy.Start(b, frontproxy.Nginx, baseline)

	for _, tc := range []struct {
		name string
		url  string
	}{{"direct", direct.URL}, {"auth_request", withAuth.URL}} {
		b.Run(tc.name, func(b *testing.B) {
			req, _ := http.NewRequest(http.MethodGet, tc.url+"/app/page", nil)
			for _, c := range client.Jar.Cookies(req.URL) {
				req.AddCookie(c)
			}
			tr := &http.Transport{MaxIdleConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			cpu0 := processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d, want 200", resp.StatusCode)
				}
			}
			b.StopTimer()
			// This process runs the client, the backend and the gateway (nginx
			// is another process): the difference between the two subtests is
			// the gateway's CPU per auth subrequest.
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "proc-cpu-µs/op")
		})
	}
}

// processCPU is this process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
