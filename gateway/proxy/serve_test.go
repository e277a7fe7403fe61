package proxy

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// capturingTransport remembers the last outgoing header exactly as the
// transport got it, before the wire hides nil values and key spellings.
type capturingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	last http.Header
}

func (c *capturingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.last = r.Header.Clone()
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *capturingTransport) get() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// TestEveryHeaderCountGivesTheUpstreamTheSameHeaders sends requests with 0 to
// 40 extra headers, so that the outgoing header map ReverseProxy clones grows
// in forwarded, in setIdentity or not at all, and checks that the outgoing
// header is exactly what the visitor sent minus what is stripped, plus the
// forwarding and identity headers, each with its value.
func TestEveryHeaderCountGivesTheUpstreamTheSameHeaders(t *testing.T) {
	up, s := recordingUpstream(t)
	p := newProxy(t, Options{
		Upstream:       mustURL(t, up.URL),
		StripHeaders:   identityNames,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	// Set before the first request: the signed-in pool copies p.rp.
	capture := &capturingTransport{next: p.rp.Transport}
	p.rp.Transport = capture
	id := &Identity{Headers: []Header{{"x-forwarded-user", "005xx0000012345"}, {"X-Forwarded-Email", "ada@example.com"}}}
	fs := front(t, p, id)

	for _, signedIn := range []bool{false, true} {
		for _, behindProxy := range []bool{false, true} {
			for extra := 0; extra <= 40; extra++ {
				name := fmt.Sprintf("signed in %v, behind a proxy %v, %d extra headers: the upstream gets exactly the expected headers", signedIn, behindProxy, extra)
				t.Run(name, func(t *testing.T) {
					req, _ := http.NewRequest("GET", fs.URL+"/page", nil)
					req.Header.Set("User-Agent", "test")
					want := map[string]string{"User-Agent": "test", "X-Forwarded-Proto": "http", "X-Forwarded-Host": req.URL.Host, "X-Forwarded-For": "127.0.0.1"}
					for i := range extra {
						k, v := fmt.Sprintf("X-Extra-%d", i), fmt.Sprintf("value %d", i)
						req.Header.Set(k, v)
						want[k] = v
					}
					req.Header["X_Forwarded_User"] = []string{"admin"}
					if behindProxy {
						req.Header.Set("X-Forwarded-For", "203.0.113.9")
						req.Header.Set("X-Forwarded-Proto", "https")
						req.Header.Set("X-Forwarded-Host", "www.example.org")
						want["X-Forwarded-For"] = "203.0.113.9, 127.0.0.1"
						want["X-Forwarded-Proto"] = "https"
						want["X-Forwarded-Host"] = "www.example.org"
					}
					if signedIn {
						req.Header.Set("Test-Signed-In", "1")
						want["Test-Signed-In"] = "1"
						want["X-Forwarded-User"] = "005xx0000012345"
						want["X-Forwarded-Email"] = "ada@example.com"
					}
					resp, body := do(t, req)
					if resp.StatusCode != http.StatusOK || body != "ok" {
						t.Fatalf("visitor got %d %q, want 200 \"ok\"", resp.StatusCode, body)
					}

					out := capture.get()
					for k, v := range out {
						if len(v) == 0 {
							t.Errorf("outgoing header %q has no value (%#v), want every key to carry one", k, v)
						}
					}
					if got, wantKeys := keysOf(out), keysOf(want); got != wantKeys {
						t.Errorf("outgoing header keys\n  %s\nwant\n  %s", got, wantKeys)
					}
					h, _ := s.get()
					for k, v := range want {
						if got := h[k]; len(got) != 1 || got[0] != v {
							t.Errorf("upstream %s = %q, want [%q]", k, got, v)
						}
					}
				})
			}
		}
	}
}

func keysOf[V any](h map[string]V) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, " ")
}

// TestConcurrentVisitorsEachGetTheirOwnIdentity runs signed-in requests of
// many visitors at once through the pooled signed-in ReverseProxy copies: each
// upstream request must carry its own visitor's identity, never another's.
func TestConcurrentVisitorsEachGetTheirOwnIdentity(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Join(r.Header.Values("X-Forwarded-User"), ",")))
	}))
	t.Cleanup(up.Close)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), StripHeaders: identityNames})
	fs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("user")
		if user == "" {
			p.ServeHTTP(w, r)
			return
		}
		p.Serve(w, r, &Identity{Headers: []Header{{"X-Forwarded-User", user}}})
	}))
	t.Cleanup(fs.Close)

	const visitors, requests = 16, 25
	var wg sync.WaitGroup
	errs := make(chan string, visitors*requests)
	for v := range visitors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := ""
			if v%4 != 0 { // every fourth visitor is anonymous
				user = fmt.Sprintf("005xx%010d", v)
			}
			for range requests {
				resp, err := rawClient.Get(fs.URL + "/?user=" + user)
				if err != nil {
					errs <- err.Error()
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(b) != user {
					errs <- fmt.Sprintf("visitor %q: upstream saw X-Forwarded-User %q (read error %v), want %q", user, b, err, user)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestHeaderStripperFindsEverySpelling(t *testing.T) {
	s := newHeaderStripper([]string{"X-Forwarded-User", "-Odd-Name", "9-Digits"})
	cases := []struct {
		key   string
		strip bool
	}{
		{"X-Forwarded-User", true},
		{"x-forwarded-user", true},
		{"X_FORWARDED_USER", true},
		{"x_Forwarded_user", true},
		{"-Odd-Name", true},
		{"_odd_name", true},
		{"9-Digits", true},
		{"9_digits", true},
		{"X-Forwarded-For", true},
		{"x_forwarded_for", true},
		{"forwarded", true},
		{"FORWARDED", true},
		{"Accept-Language", false}, // the length of X-Forwarded-For, another first byte
		{"Y-Forwarded-User", false},
		{"X-Forwarded-Usr", false},
		{"", false},
	}
	for _, c := range cases {
		verb := "keeps"
		if c.strip {
			verb = "strips"
		}
		t.Run(fmt.Sprintf("it %s %q", verb, c.key), func(t *testing.T) {
			h := http.Header{c.key: {"v"}, "Other": {"o"}}
			s.strip(h)
			if _, kept := h[c.key]; kept == c.strip {
				t.Errorf("after strip, %q kept = %v, want %v", c.key, kept, !c.strip)
			}
			if _, ok := h["Other"]; !ok {
				t.Errorf("after strip, Other is gone, want it kept")
			}
		})
	}
}

// The canonical identity names a pooled call remembers are per slot and per
// name: a call reused with other names (another caller, or the same slot
// with a renamed header) sends the new names, canonical, and nothing of the
// old ones.
func TestAPooledCallCanonicalizesNewIdentityNames(t *testing.T) {
	up, _ := recordingUpstream(t)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), StripHeaders: []string{"X-Who", "X-Mail", "X-Other"}})
	capture := &capturingTransport{next: p.rp.Transport}
	p.rp.Transport = capture // before the first signed-in request: the pool copies p.rp
	for i, names := range [][2]string{{"x-who", "x-mail"}, {"x-other", "X-Who"}, {"X-WHO", "x-mail"}, {"x-who", "x-mail"}} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "http://site.example/page", nil)
		r.RemoteAddr = "192.0.2.1:1234"
		p.Serve(w, r, &Identity{Headers: []Header{{names[0], "first"}, {names[1], "second"}}})
		if w.Code != http.StatusOK {
			t.Fatalf("request %d: status %d", i, w.Code)
		}
		out := capture.get()
		want := map[string]string{http.CanonicalHeaderKey(names[0]): "first", http.CanonicalHeaderKey(names[1]): "second"}
		for _, k := range []string{"X-Who", "X-Mail", "X-Other"} {
			if got := out[k]; want[k] == "" && got != nil || want[k] != "" && (len(got) != 1 || got[0] != want[k]) {
				t.Errorf("request %d with names %v: outgoing %s = %q, want %q (keys %s)", i, names, k, got, want[k], keysOf(out))
			}
		}
	}
	c := &signedInCall{}
	for _, tc := range [][2]string{{"x-a", "X-A"}, {"x-a", "X-A"}, {"x-b", "X-B"}, {"content-type", "Content-Type"}} {
		if got := c.canonicalName(0, tc[0]); got != tc[1] {
			t.Errorf("canonicalName(0, %q) = %q, want %q", tc[0], got, tc[1])
		}
	}
	if got := c.canonicalName(cachedNames+1, "x-late"); got != "X-Late" {
		t.Errorf("canonicalName past the cache = %q, want X-Late", got)
	}
}

// An upstream that echoes the request id the proxy sent must not make the
// visitor see it twice; an id of the upstream's own stays beside it.
func TestAnEchoedHeaderReachesTheVisitorOnce(t *testing.T) {
	for _, tc := range []struct {
		name     string
		upstream []string // what the upstream answers in X-Request-Id; "=" is the value it was sent
		want     []string
	}{
		{"echoed", []string{"="}, []string{"gw-id"}},
		{"its own", []string{"up-id"}, []string{"gw-id", "up-id"}},
		{"echoed and its own", []string{"=", "up-id"}, []string{"gw-id", "up-id"}},
		{"none", nil, []string{"gw-id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, v := range tc.upstream {
					if v == "=" {
						v = r.Header.Get("X-Request-Id")
					}
					w.Header().Add("X-Request-Id", v)
				}
			}))
			t.Cleanup(up.Close)
			for _, inject := range []bool{false, true} {
				opts := Options{Upstream: mustURL(t, up.URL), EchoedHeaders: []string{"x-request-id"}}
				if inject {
					opts.Inject = &InjectOptions{Tag: func(string) []byte { return []byte(`<script src="/x.js"></script>`) },
						ExtendCSP: func(csp, _ string) string { return csp }}
				}
				p := newProxy(t, opts)
				w := httptest.NewRecorder()
				r := httptest.NewRequest(http.MethodGet, "http://site.example/page", nil)
				r.Header.Set("X-Request-Id", "gw-id")
				w.Header().Set("X-Request-Id", "gw-id") // as the gateway's observe does
				p.Serve(w, r, nil)
				if got := w.Result().Header.Values("X-Request-Id"); !slices.Equal(got, tc.want) {
					t.Errorf("inject %v: the visitor got X-Request-Id %q, want %q", inject, got, tc.want)
				}
			}
		})
	}
}
