package gateway_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/logateway/logateway/config"
)

// BenchmarkFeatureCost prices the optional work of a signed-in proxied
// request: the same request, one at a time (no RunParallel, so that waiting
// for the CPU is not counted), through a bare ReverseProxy and through the
// gateway with the access log and identity headers on and off. Read
// cpu-ns/op (this process's user+system CPU: the gateway, the loopback
// upstream and the kernel's work for both) side by side, with -cpu 1:
//
//	go test ./gateway -run '^$' -bench FeatureCost -cpu 1 -count 5
func BenchmarkFeatureCost(b *testing.B) {
	up := benchUpstream(b)
	b.Run("bare", func(b *testing.B) {
		sequential(b, bareProxy(b, up.URL, benchBuffers{}), "http://localhost/app/page", "")
	})
	for _, tc := range []struct {
		name      string
		accessLog bool
		oneHeader bool
	}{{"gateway", true, false}, {"gateway-no-access-log", false, false}, {"gateway-one-identity-header", true, true}, {"gateway-lean", false, true}} {
		b.Run(tc.name, func(b *testing.B) {
			env, cookie := benchGateway(b, up.URL, tc.accessLog, func(c *config.Config) {
				if tc.oneHeader {
					h := &c.Sites[0].IdentityHeaders
					h.Email, h.PreferredUsername, h.OrgID, h.UserID, h.Name = "-", "-", "-", "-", "-"
				}
			})
			sequential(b, env.Gateway, env.URL+"/app/page", cookie)
		})
	}
}

// sequential serves the request b.N times, one after the other, and reports
// the process's CPU per request as cpu-ns/op.
func sequential(b *testing.B, h http.Handler, url, cookie string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := httptest.NewRequest(http.MethodGet, url, nil).WithContext(ctx)
	r.RemoteAddr = "203.0.113.7:51234"
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	base := r.Header.Clone()
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	before := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if code := serveAfresh(h, w, r, base); code != http.StatusOK {
			b.Fatalf("status %d, want 200", code)
		}
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op")
}

// benchBuffers is the bench harness's bare proxy's buffer pool, simplified:
// a 32 KiB buffer per copy, reused.
type benchBuffers struct{}

var benchBufferPool = make(chan []byte, 64)

func (benchBuffers) Get() []byte {
	select {
	case b := <-benchBufferPool:
		return b
	default:
		return make([]byte, 32<<10)
	}
}

func (benchBuffers) Put(b []byte) {
	select {
	case benchBufferPool <- b:
	default:
	}
}
