package proxy

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Benchmarks call the handler directly (no front listener), so the proxy's own
// cost is as large a share of ns/op as it can be; the upstream is a real
// loopback server. Compare BenchmarkServe with BenchmarkBareProxy from the same
// run: absolute numbers on shared machines mean little. The proxy's own work
// is a tenth of a loopback request; BenchmarkServeInProcess measures it alone
// (compare old and new test binaries run in turn, with benchstat).

func benchUpstream(b *testing.B) *url.URL {
	b.Helper()
	body := []byte("<p>hello from the upstream</p>")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	}))
	b.Cleanup(up.Close)
	u, _ := url.Parse(up.URL)
	return u
}

// benchRequest looks like a browser's request to a site page.
func benchRequest() *http.Request {
	r := httptest.NewRequest("GET", "http://www.example.org/docs/getting-started?tab=1", nil)
	r.RemoteAddr = "203.0.113.7:51234"
	h := r.Header
	h.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36")
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	h.Set("Accept-Language", "en-US,en;q=0.9")
	h.Set("Accept-Encoding", "gzip, deflate, br")
	h.Set("Cookie", "_ga=GA1.1.123; theme=dark; consent=yes")
	h.Set("Referer", "http://www.example.org/")
	h.Set("Sec-Fetch-Mode", "navigate")
	h.Set("Sec-Fetch-Site", "same-origin")
	h.Set("Upgrade-Insecure-Requests", "1")
	return r
}

// discardWriter is a ResponseWriter that forgets the body.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(code int)        { d.code = code }

// shortRequest carries six headers, as API clients and load generators send:
// one map group of eight holds them, but not them and the forwarding headers.
func shortRequest() *http.Request {
	r := httptest.NewRequest("GET", "http://www.example.org/docs/getting-started?tab=1", nil)
	r.RemoteAddr = "203.0.113.7:51234"
	h := r.Header
	h.Set("User-Agent", "loadgen/1.0")
	h.Set("Accept", "*/*")
	h.Set("Accept-Language", "en-US,en;q=0.9")
	h.Set("Accept-Encoding", "gzip")
	h.Set("Cookie", "_ga=GA1.1.123; theme=dark")
	h.Set("Referer", "http://www.example.org/")
	return r
}

func runParallel(b *testing.B, h func(w http.ResponseWriter, r *http.Request)) {
	runParallelWith(b, benchRequest(), h)
}

func runParallelWith(b *testing.B, req *http.Request, h func(w http.ResponseWriter, r *http.Request)) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			w.code = 0
			h(w, req)
			if w.code != 0 && w.code != http.StatusOK {
				b.Errorf("status %d, want 200", w.code)
				return
			}
		}
	})
}

func benchProxy(b *testing.B, u *url.URL) *Proxy {
	p, err := New(Options{
		Site:                "bench",
		Upstream:            u,
		StripCookies:        []string{"__Host-lo_session"},
		StripCookiePrefixes: []string{"__Host-lo_flow_"},
		StripHeaders:        []string{"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Preferred-Username", "X-Forwarded-Org-Id", "X-Forwarded-User-Id", "X-Forwarded-Name"},
		TrustedProxies:      []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Metrics:             NewMetrics(prometheus.NewRegistry()),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	return p
}

func BenchmarkServe(b *testing.B) {
	p := benchProxy(b, benchUpstream(b))
	runParallel(b, p.ServeHTTP)
}

func BenchmarkServeSignedIn(b *testing.B) {
	p := benchProxy(b, benchUpstream(b))
	runParallel(b, func(w http.ResponseWriter, r *http.Request) { p.Serve(w, r, benchIdentity) })
}

var benchIdentity = &Identity{Headers: []Header{{"X-Forwarded-User", "005xx000001234AAA"}, {"X-Forwarded-Email", "ada@example.com"}, {"X-Forwarded-Org-Id", "00Dxx0000001gEREAY"}}}

// The ShortRequest benchmarks send six headers, so the outgoing header map
// ReverseProxy clones would have to grow for the forwarding headers alone.
func BenchmarkServeShortRequest(b *testing.B) {
	p := benchProxy(b, benchUpstream(b))
	runParallelWith(b, shortRequest(), p.ServeHTTP)
}

func BenchmarkServeSignedInShortRequest(b *testing.B) {
	p := benchProxy(b, benchUpstream(b))
	runParallelWith(b, shortRequest(), func(w http.ResponseWriter, r *http.Request) { p.Serve(w, r, benchIdentity) })
}

func BenchmarkBareProxyPooledShortRequest(b *testing.B) {
	rp := bareProxy(b, newBufferPool())
	runParallelWith(b, shortRequest(), rp.ServeHTTP)
}

// BenchmarkBareProxy is the yardstick: a ReverseProxy with the same tuned
// transport and nothing else.
func BenchmarkBareProxy(b *testing.B) { benchBare(b, nil) }

// BenchmarkBareProxyPooled gives the yardstick the same buffer pool, so the
// difference to BenchmarkServe is the cost of what this package adds.
func BenchmarkBareProxyPooled(b *testing.B) { benchBare(b, newBufferPool()) }

func benchBare(b *testing.B, pool httputil.BufferPool) { runParallel(b, bareProxy(b, pool).ServeHTTP) }

func bareProxy(b *testing.B, pool httputil.BufferPool) *httputil.ReverseProxy {
	u := benchUpstream(b)
	tr := &http.Transport{
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
	}
	b.Cleanup(tr.CloseIdleConnections)
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
		},
		Transport:  tr,
		BufferPool: pool,
	}
}

func BenchmarkStripHeaders(b *testing.B) {
	hs := newHeaderStripper([]string{"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Preferred-Username", "X-Forwarded-Org-Id", "X-Forwarded-User-Id", "X-Forwarded-Name"})
	cs := newCookieStripper([]string{"__Host-lo_session"}, []string{"__Host-lo_flow_"})
	h := benchRequest().Header.Clone()
	spoofed := []string{"admin"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h["X_Forwarded_User"] = spoofed // one spoofed header per request, as an attacker would send
		hs.strip(h)
		cs.strip(h)
	}
	//lint:ignore SA1008 the spoofed, non-canonical spelling is the point
	if _, ok := h["X_Forwarded_User"]; ok {
		b.Fatal("the spoofed header survived")
	}
}

func BenchmarkInjectPage(b *testing.B) {
	in, err := newInjector(&InjectOptions{
		Tag: func(n string) []byte {
			return []byte(`<script nonce="` + n + `" src="/__lo/static/launcher.js"></script>`)
		},
		ExtendCSP: func(c, n string) string { return c + " 'nonce-" + n + "'" },
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	html := make([]byte, 0, 64<<10)
	html = append(html, "<html><body>"...)
	for len(html) < 60<<10 {
		html = append(html, "<p>paragraph of text</p>\n"...)
	}
	html = append(html, "</body></html>"...)
	req := httptest.NewRequest("GET", "/", nil)
	b.SetBytes(int64(len(html)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp := &http.Response{StatusCode: 200, Request: req, Header: http.Header{"Content-Type": {"text/html"}}, Body: io.NopCloser(bytes.NewReader(html))}
		if err := in.modify(resp, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// cannedTransport answers every request in process, so the InProcess
// benchmarks measure the proxy's own work without sockets or a second server;
// on a shared machine they are far steadier than the loopback ones.
type cannedTransport struct{ body []byte }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/plain"}},
		ContentLength: int64(len(c.body)),
		Body:          io.NopCloser(bytes.NewReader(c.body)),
		Request:       r,
	}, nil
}

var canned = cannedTransport{body: []byte("<p>hello from the upstream</p>")}

// runInProcess also reports cpu-ns/op, the process's CPU time (garbage
// collection included) per request: time spent waiting for a busy machine's
// CPU does not count in it, so it moves much less than ns/op.
func runInProcess(b *testing.B, req *http.Request, h func(w http.ResponseWriter, r *http.Request)) {
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	start := processCPU()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		h(w, req)
		if w.code != 0 && w.code != http.StatusOK {
			b.Fatalf("status %d, want 200", w.code)
		}
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func inProcessProxy(b *testing.B) *Proxy {
	u, _ := url.Parse("http://upstream.invalid")
	p := benchProxy(b, u)
	p.rp.Transport = canned // before the first request: the signed-in pool copies p.rp
	return p
}

func BenchmarkServeInProcess(b *testing.B) {
	for _, c := range []struct {
		name string
		req  func() *http.Request
	}{{"browser", benchRequest}, {"short", shortRequest}} {
		b.Run(c.name+"/anonymous", func(b *testing.B) {
			runInProcess(b, c.req(), inProcessProxy(b).ServeHTTP)
		})
		b.Run(c.name+"/signed-in", func(b *testing.B) {
			p := inProcessProxy(b)
			runInProcess(b, c.req(), func(w http.ResponseWriter, r *http.Request) { p.Serve(w, r, benchIdentity) })
		})
		b.Run(c.name+"/bare-pooled", func(b *testing.B) {
			rp := bareProxy(b, newBufferPool())
			rp.Transport = canned
			runInProcess(b, c.req(), rp.ServeHTTP)
		})
	}
}
