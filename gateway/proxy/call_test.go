package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
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
// 40 extra headers, so that some are forwarded as they are and some through a
// padded copy (see call.pad), and checks that the outgoing header is exactly
// what the visitor sent minus what is stripped, plus the forwarding and
// identity headers, with no placeholder left behind.
func TestEveryHeaderCountGivesTheUpstreamTheSameHeaders(t *testing.T) {
	up, s := recordingUpstream(t)
	p := newProxy(t, Options{
		Upstream:       mustURL(t, up.URL),
		StripHeaders:   identityNames,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	// Set before the first request: pooled calls copy p.rp when made.
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

// TestTheErrorHandlerNeverSeesAPlaceholder covers both kinds of request
// ReverseProxy reports: the outgoing one (an upstream failure) and the incoming
// one (a refused Upgrade, found before Rewrite), on paths with and without a
// padded copy.
func TestTheErrorHandlerNeverSeesAPlaceholder(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // a refused connection makes the proxy call ErrorHandler

	got := make(chan *http.Request, 1)
	p := newProxy(t, Options{
		Upstream:     mustURL(t, "http://"+addr),
		StripHeaders: identityNames,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, status int, _ error) {
			got <- r
			w.WriteHeader(status)
		},
	})
	id := &Identity{Headers: []Header{{"X-Forwarded-User", "005xx0000012345"}}}
	for _, c := range []struct {
		name    string
		id      *Identity
		headers int
	}{
		{"an anonymous request with few headers", nil, 1},
		{"an anonymous request padded for room", nil, 7},
		{"a signed-in request with room to spare", id, 10},
		{"a signed-in request padded for room", id, 5},
	} {
		for _, upgrade := range []bool{false, true} {
			name := c.name + ": an upstream failure reports the outgoing request"
			if upgrade {
				name = c.name + ": a refused Upgrade reports the visitor's own request"
			}
			t.Run(name, func(t *testing.T) {
				r := httptest.NewRequest("GET", "http://www.example.org/x", nil)
				for i := range c.headers {
					r.Header.Set(fmt.Sprintf("X-Extra-%d", i), "v")
				}
				if upgrade {
					r.Header.Set("Connection", "Upgrade")
					r.Header.Set("Upgrade", "web\x01socket") // not printable: refused before Rewrite
				}
				w := httptest.NewRecorder()
				p.Serve(w, r, c.id)
				var seen *http.Request
				select {
				case seen = <-got:
				default:
					t.Fatalf("ErrorHandler was not called; visitor got %d", w.Code)
				}
				if w.Code != http.StatusBadGateway {
					t.Errorf("visitor got %d, want 502", w.Code)
				}
				if upgrade && seen != r {
					t.Errorf("ErrorHandler got request %p with %d headers, want the visitor's own %p with %d", seen, len(seen.Header), r, len(r.Header))
				}
				if !upgrade && seen.URL.Host != addr {
					t.Errorf("ErrorHandler got a request for host %q, want the outgoing one for %q", seen.URL.Host, addr)
				}
				for k, v := range seen.Header {
					if len(v) == 0 {
						t.Errorf("ErrorHandler's request has header %q without a value (%#v), want none such", k, v)
					}
				}
			})
		}
	}
}

func TestACallIsEmptyWhenItGoesBackToThePool(t *testing.T) {
	up, _ := recordingUpstream(t)
	p := newProxy(t, Options{Upstream: mustURL(t, up.URL), StripHeaders: identityNames})
	id := &Identity{Headers: []Header{{"X-Forwarded-User", "005xx0000012345"}}}
	for _, pad := range []bool{false, true} {
		t.Run(fmt.Sprintf("padded %v: no request, identity or header is kept", pad), func(t *testing.T) {
			c := newCall(p)
			r := httptest.NewRequest("GET", "http://www.example.org/", nil)
			c.serve(httptest.NewRecorder(), r, id, pad)
			if c.orig != nil || c.id != nil || len(c.hdr) != 0 || c.in.Header != nil || c.in.URL != nil {
				t.Errorf("after serve the call holds orig %v, id %v, %d header keys, copy header %v, copy URL %v; want all empty", c.orig, c.id, len(c.hdr), c.in.Header, c.in.URL)
			}
		})
	}
}

// TestHeaderRoomMatchesGoMaps checks headerRoom against the running Go: a map
// made for n entries takes headerRoom(n) without growing, and grows on the
// next. If this fails after a Go upgrade, the map implementation changed and
// headerRoom should follow it (nothing breaks meanwhile; padding is only a
// saving).
func TestHeaderRoomMatchesGoMaps(t *testing.T) {
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = fmt.Sprintf("K-%d", i)
	}
	fill := func(n, m int) float64 {
		return testing.AllocsPerRun(20, func() {
			h := make(http.Header, n)
			for _, k := range keys[:m] {
				h[k] = nil
			}
		})
	}
	for n := 0; n <= 40; n++ {
		room := headerRoom(n)
		t.Run(fmt.Sprintf("a map made for %d entries holds %d before it grows", n, room), func(t *testing.T) {
			// One entry, so that a small map has made its group too.
			base := fill(n, 1)
			if got := fill(n, room); got != base {
				t.Errorf("filling to %d made %v allocations, want %v (no growth)", room, got, base)
			}
			if got := fill(n, room+1); got == base {
				t.Errorf("filling to %d made %v allocations, want more than %v (a growth)", room+1, got, base)
			}
		})
	}
}
