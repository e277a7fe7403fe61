package proxy

import (
	"bufio"
	"context"
	"github.com/logateway/logateway/internal/wstest"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// seen is what an upstream received.
type seen struct {
	mu     sync.Mutex
	header http.Header
	host   string
	uri    string
}

func (s *seen) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.header = r.Header.Clone()
	s.host = r.Host
	s.uri = r.RequestURI
}

func (s *seen) get() (http.Header, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header, s.uri
}

// recordingUpstream answers 200 "ok" and remembers the last request.
func recordingUpstream(t *testing.T) (*httptest.Server, *seen) {
	t.Helper()
	s := &seen{}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(up.Close)
	return up, s
}

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", s, err)
	}
	return u
}

func newProxy(t testing.TB, opts Options) *Proxy {
	t.Helper()
	if opts.Site == "" {
		opts.Site = "test"
	}
	p, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// front serves the proxy the way the gateway will: a visitor who sends the
// header "Test-Signed-In: 1" gets id, anyone else is anonymous.
func front(t testing.TB, p *Proxy, id *Identity) *httptest.Server {
	t.Helper()
	fs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Test-Signed-In") == "1" {
			p.Serve(w, r, id)
			return
		}
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(fs.Close)
	return fs
}

// rawClient sends headers exactly as written (no compression, no cookie jar).
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", req.URL, err)
	}
	return resp, string(b)
}

func normalized(k string) string {
	return strings.ReplaceAll(strings.ToLower(k), "_", "-")
}

// valuesOf returns every value the upstream got under any spelling of name.
func valuesOf(h http.Header, name string) []string {
	var out []string
	for k, v := range h {
		if normalized(k) == normalized(name) {
			out = append(out, v...)
		}
	}
	return out
}

var identityNames = []string{"X-Forwarded-User", "X-Forwarded-Email"}

func TestSpoofedIdentityHeadersNeverReachTheUpstream(t *testing.T) {
	up, s := recordingUpstream(t)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), StripHeaders: identityNames})
	id := &Identity{Headers: []Header{{"X-Forwarded-User", "005xx0000012345"}, {"X-Forwarded-Email", "ada@example.com"}}}
	fs := front(t, p, id)

	for _, signedIn := range []bool{false, true} {
		for _, spelling := range []string{"X-Forwarded-User", "x-forwarded-user", "X_Forwarded_User", "x_forwarded_user", "X-FORWARDED-USER"} {
			name := "an anonymous visitor's " + spelling + " is stripped"
			if signedIn {
				name = "a signed-in visitor's " + spelling + " is replaced by the gateway's"
			}
			t.Run(name, func(t *testing.T) {
				req, _ := http.NewRequest("GET", fs.URL+"/page", nil)
				req.Header[spelling] = []string{"admin"} // set raw: the client writes the key as given
				req.Header["X_Forwarded_Email"] = []string{"evil@example.com"}
				if signedIn {
					req.Header.Set("Test-Signed-In", "1")
				}
				do(t, req)
				h, _ := s.get()
				users, emails := valuesOf(h, "X-Forwarded-User"), valuesOf(h, "X-Forwarded-Email")
				if signedIn {
					if len(users) != 1 || users[0] != "005xx0000012345" || len(emails) != 1 || emails[0] != "ada@example.com" {
						t.Errorf("upstream got users %q emails %q, want only the gateway's [005xx0000012345] [ada@example.com]", users, emails)
					}
				} else if len(users)+len(emails) != 0 {
					t.Errorf("upstream got users %q emails %q, want none", users, emails)
				}
			})
		}
	}
}

func TestGatewayCookiesNeverReachTheUpstream(t *testing.T) {
	up, s := recordingUpstream(t)
	p := newProxy(t, Options{
		Upstream:            mustURL(t, up.URL),
		StripCookies:        []string{"__Host-lo_session"},
		StripCookiePrefixes: []string{"__Host-lo_flow_"},
	})
	fs := front(t, p, nil)
	cases := []struct {
		name    string
		cookies []string // one Cookie header line each
		want    []string // what the upstream must get
	}{
		{"other cookies pass byte for byte when no gateway cookie is present",
			[]string{"theme=dark;  lang=fr"}, []string{"theme=dark;  lang=fr"}},
		{"the session cookie is removed and the others kept",
			[]string{"theme=dark; __Host-lo_session=s3cr3t; lang=fr"}, []string{"theme=dark; lang=fr"}},
		{"flow cookies are removed by prefix",
			[]string{"__Host-lo_flow_abc=v; a=1; __Host-lo_flow_def=w"}, []string{"a=1"}},
		{"gateway cookies on separate header lines are removed",
			[]string{"a=1", "__Host-lo_session=s3cr3t"}, []string{"a=1"}},
		{"a header with only gateway cookies is dropped",
			[]string{"__Host-lo_session=s3cr3t"}, nil},
		{"a gateway cookie smuggled after a comma is removed",
			[]string{"a=b, __Host-lo_session=s3cr3t; c=d"}, []string{"c=d"}},
		{"a cookie whose name merely contains the session name is kept",
			[]string{"x__Host-lo_session=1"}, []string{"x__Host-lo_session=1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", fs.URL+"/", nil)
			req.Header["Cookie"] = c.cookies
			do(t, req)
			h, _ := s.get()
			got := h["Cookie"]
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("upstream Cookie = %q, want %q", got, c.want)
			}
			if strings.Contains(strings.Join(got, ";"), "s3cr3t") {
				t.Errorf("upstream Cookie %q carries the session value", got)
			}
		})
	}
}

func TestForwardedHeaders(t *testing.T) {
	up, s := recordingUpstream(t)
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	cases := []struct {
		name                string
		trusted             []netip.Prefix
		wantXFF, wantProto  string
		wantHostFromRequest bool
	}{
		{"a trusted peer's chain is extended and its proto and host kept",
			[]netip.Prefix{loopback}, "203.0.113.9, 198.51.100.1, 127.0.0.1", "https", false},
		{"an untrusted peer's forwarding headers are replaced",
			nil, "127.0.0.1", "http", true},
		{"a peer outside the trusted prefixes is not believed",
			[]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "127.0.0.1", "http", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProxy(t, Options{Upstream: mustURL(t, up.URL), TrustedProxies: c.trusted})
			fs := front(t, p, nil)
			req, _ := http.NewRequest("GET", fs.URL+"/", nil)
			req.Header["X-Forwarded-For"] = []string{"203.0.113.9", "198.51.100.1"}
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("X-Forwarded-Host", "www.example.org")
			req.Header["X_Forwarded_For"] = []string{"6.6.6.6"}
			req.Header.Set("Forwarded", "for=6.6.6.6")
			do(t, req)
			h, _ := s.get()
			wantHost := "www.example.org"
			if c.wantHostFromRequest {
				wantHost = req.URL.Host
			}
			if got := valuesOf(h, "X-Forwarded-For"); len(got) != 1 || got[0] != c.wantXFF {
				t.Errorf("X-Forwarded-For = %q, want [%q]", got, c.wantXFF)
			}
			if got := h.Get("X-Forwarded-Proto"); got != c.wantProto {
				t.Errorf("X-Forwarded-Proto = %q, want %q", got, c.wantProto)
			}
			if got := h.Get("X-Forwarded-Host"); got != wantHost {
				t.Errorf("X-Forwarded-Host = %q, want %q", got, wantHost)
			}
			if got := h.Values("Forwarded"); len(got) != 0 {
				t.Errorf("Forwarded = %q, want none", got)
			}
		})
	}
}

func TestUpstreamPathPrefixAndQueryAreKept(t *testing.T) {
	up, s := recordingUpstream(t)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL+"/base/")})
	fs := front(t, p, nil)
	req, _ := http.NewRequest("GET", fs.URL+"/a%2Fb/c?x=1&y=%2F", nil)
	do(t, req)
	if _, uri := s.get(); uri != "/base/a%2Fb/c?x=1&y=%2F" {
		t.Errorf("upstream request URI = %q, want %q", uri, "/base/a%2Fb/c?x=1&y=%2F")
	}
}

func TestUpstreamFailures(t *testing.T) {
	type call struct {
		status int
		err    error
		path   string
	}
	run := func(t *testing.T, opts Options) call {
		calls := make(chan call, 1)
		opts.ErrorHandler = func(w http.ResponseWriter, r *http.Request, status int, err error) {
			calls <- call{status, err, r.URL.Path}
			w.WriteHeader(status)
		}
		p := newProxy(t, opts)
		fs := front(t, p, nil)
		resp, _ := do(t, mustGet(t, fs.URL+"/x"))
		select {
		case c := <-calls:
			if resp.StatusCode != c.status {
				t.Errorf("visitor got %d, want the callback's %d", resp.StatusCode, c.status)
			}
			return c
		default:
			t.Fatalf("ErrorHandler was not called; visitor got %d", resp.StatusCode)
		}
		return call{}
	}

	t.Run("a refused connection is a 502 through the callback", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		c := run(t, Options{Upstream: mustURL(t, "http://"+addr)})
		if c.status != http.StatusBadGateway || c.err == nil || c.path != "/x" {
			t.Errorf("callback got status %d err %v path %q, want 502, an error, /x", c.status, c.err, c.path)
		}
	})

	t.Run("an upstream slower than Timeout is a 504 through the callback", func(t *testing.T) {
		release := make(chan struct{})
		up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(up.Close)
		t.Cleanup(func() { close(release) })
		start := time.Now()
		c := run(t, Options{Upstream: mustURL(t, up.URL), Timeout: 150 * time.Millisecond})
		if c.status != http.StatusGatewayTimeout || c.err == nil {
			t.Errorf("callback got status %d err %v, want 504 and an error", c.status, c.err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("the timeout took %v, want about 150ms", d)
		}
	})

	t.Run("the proxy keeps serving after an upstream failure", func(t *testing.T) {
		up, _ := recordingUpstream(t)
		p := newProxy(t, Options{Upstream: mustURL(t, up.URL)})
		fs := front(t, p, nil)
		for range 3 {
			if resp, body := do(t, mustGet(t, fs.URL+"/")); resp.StatusCode != 200 || body != "ok" {
				t.Fatalf("got %d %q, want 200 ok", resp.StatusCode, body)
			}
		}
	})
}

func mustGet(t testing.TB, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestNewRefusesBadOptions(t *testing.T) {
	tag := func(string) []byte { return nil }
	csp := func(c, _ string) string { return c }
	cases := []struct {
		name string
		opts Options
	}{
		{"no upstream", Options{}},
		{"an ftp upstream", Options{Upstream: mustURL(t, "ftp://x")}},
		{"an upstream without host", Options{Upstream: mustURL(t, "http:///x")}},
		{"an upstream with credentials", Options{Upstream: mustURL(t, "http://u:p@x")}},
		{"injection without a tag", Options{Upstream: mustURL(t, "http://x"), Inject: &InjectOptions{ExtendCSP: csp}}},
		{"injection without a CSP extension", Options{Upstream: mustURL(t, "http://x"), Inject: &InjectOptions{Tag: tag}}},
		{"an invalid inject path", Options{Upstream: mustURL(t, "http://x"), Inject: &InjectOptions{Tag: tag, ExtendCSP: csp, Paths: []string{"docs"}}}},
	}
	for _, c := range cases {
		t.Run("it refuses "+c.name, func(t *testing.T) {
			if _, err := New(c.opts); err == nil {
				t.Errorf("New(%+v) = nil error, want an error", c.opts)
			}
		})
	}
}

func TestServerSentEventsArriveBeforeTheStreamEnds(t *testing.T) {
	second := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-second:
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "data: two\n\n")
	}))
	t.Cleanup(up.Close)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL)})
	fs := front(t, p, nil)

	resp, err := rawClient.Do(mustGet(t, fs.URL+"/events"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if line != "data: one\n" {
			t.Errorf("first line = %q, want %q", line, "data: one\n")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the first event did not arrive while the upstream held the stream open")
	}
	close(second)
}

func TestWebSocketEchoThroughTheProxy(t *testing.T) {
	var upstreamUser atomic.Value
	up := httptest.NewServer(wstest.Echo(func(r *http.Request) {
		upstreamUser.Store(r.Header.Get("X-Forwarded-User"))
	}))
	t.Cleanup(up.Close)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), StripHeaders: identityNames})
	fs := front(t, p, &Identity{Headers: []Header{{"X-Forwarded-User", "005A"}}})

	conn, br := wstest.Handshake(t, strings.TrimPrefix(fs.URL, "http://"), "x", "Test-Signed-In: 1\r\nX_Forwarded_User: evil\r\n")
	wstest.ExpectEcho(t, conn, br, "hello", "second message")
	if got, _ := upstreamUser.Load().(string); got != "005A" {
		t.Errorf("upstream saw X-Forwarded-User %q on the upgrade, want the gateway's 005A", got)
	}
}

// patternReader yields n bytes of a repeating pattern without holding them.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	for i := range b {
		b[i] = byte(i)
	}
	p.left -= int64(len(b))
	return len(b), nil
}

// peakHeapGrowth runs f while sampling the heap and returns the largest growth
// over the heap in use before f started.
func peakHeapGrowth(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > base && m.HeapAlloc-base > peak.Load() {
				peak.Store(m.HeapAlloc - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak.Load()
}

func TestLargeBodiesStreamWithFlatMemory(t *testing.T) {
	const size = 100 << 20
	const limit = 20 << 20
	var received atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			n, _ := io.Copy(io.Discard, r.Body)
			received.Store(n)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = io.Copy(w, &patternReader{left: size})
	}))
	t.Cleanup(up.Close)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL)})
	fs := front(t, p, nil)

	t.Run("a 100 MiB upload streams through", func(t *testing.T) {
		growth := peakHeapGrowth(func() {
			req, _ := http.NewRequest("POST", fs.URL+"/upload", &patternReader{left: size})
			req.ContentLength = size
			resp, err := rawClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		})
		if received.Load() != size {
			t.Errorf("upstream received %d bytes, want %d", received.Load(), size)
		}
		if growth > limit {
			t.Errorf("heap grew by %d MiB during the upload, want under %d MiB", growth>>20, limit>>20)
		}
		t.Logf("upload: peak heap growth %.1f MiB", float64(growth)/(1<<20))
	})

	t.Run("a 100 MiB download streams through", func(t *testing.T) {
		var n int64
		growth := peakHeapGrowth(func() {
			resp, err := rawClient.Do(mustGet(t, fs.URL+"/download"))
			if err != nil {
				t.Fatal(err)
			}
			n, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
		if n != size {
			t.Errorf("visitor received %d bytes, want %d", n, size)
		}
		if growth > limit {
			t.Errorf("heap grew by %d MiB during the download, want under %d MiB", growth>>20, limit>>20)
		}
		t.Logf("download: peak heap growth %.1f MiB", float64(growth)/(1<<20))
	})
}

func TestClientCancelIsNotAnUpstreamFailure(t *testing.T) {
	started := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	t.Cleanup(up.Close)
	var called atomic.Bool
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), ErrorHandler: func(http.ResponseWriter, *http.Request, int, error) { called.Store(true) }})
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() { p.ServeHTTP(httptest.NewRecorder(), req); close(done) }()
	<-started
	cancel()
	<-done
	if called.Load() {
		t.Error("ErrorHandler was called for a visitor who left, want no callback")
	}
}
