package gateway_test

// Forward-auth mode behind Debian's real nginx and Caddy, each run with the
// configuration in docs/forward-auth (internal/frontproxy fills in loopback
// addresses), in front of a recording test backend and the gateway.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/frontproxy"
	"github.com/logateway/logateway/internal/harness"
)

// frontEnv is a front proxy at URL, the gateway behind it in forward-auth
// mode, and the site's backend (up). full is a second gateway in full-proxy
// mode under the same access rules, for comparing judgements.
type frontEnv struct {
	*harness.Env
	proxy    *frontproxy.Proxy
	up       *pxUpstream
	full     *harness.Env
	fullUp   *pxUpstream
	proxyHst string // host:port of the front proxy, as the site's host
}

// frontRules are the access rules of both gateways: site A's of startPx.
func frontRules(s *config.Site) {
	s.Access = []config.AccessRule{{Path: "/private/", Access: "protected"}, {Path: "/public/", Access: "public"}}
	s.DefaultAccess = "public"
}

func startFront(t *testing.T, kind frontproxy.Kind) *frontEnv {
	t.Helper()
	frontproxy.Need(t, kind)
	port, err := frontproxy.ReservePort()
	if err != nil {
		t.Fatal(err)
	}
	f := &frontEnv{up: newPxUpstream(t, "site"), fullUp: newPxUpstream(t, "full")}
	o := frontproxy.Options{Port: port, Backend: f.up.hostPort()}
	f.proxyHst = o.SiteHost()
	f.Env = harness.Start(t, harness.Options{
		PublicURL: "http://" + o.SiteHost(),
		Config: func(c *config.Config) {
			c.TrustedProxies = []string{"127.0.0.1", "::1"}
			s := &c.Sites[0]
			s.ForwardAuth = config.ForwardAuth{Enabled: true, SigninRedirect: kind == frontproxy.Caddy}
			frontRules(s)
		},
	})
	o.Gateway = f.Env.Addr
	f.proxy = frontproxy.Start(t, kind, o)
	f.full = harness.Start(t, harness.Options{Upstream: f.fullUp.srv.URL, Config: func(c *config.Config) { frontRules(&c.Sites[0]) }})
	return f
}

// rawTo sends one request exactly as written to addr and returns the answer.
func rawTo(t *testing.T, addr, method, target, host string, headers ...string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, target, host)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %s %s: %v", method, target, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// proxyAddr is where to dial the front proxy (it listens on 127.0.0.1 only).
func (f *frontEnv) proxyAddr() string {
	return strings.Replace(f.proxyHst, "localhost", "127.0.0.1", 1)
}

// spoofs are identity headers a visitor adds, in the spellings upstream stacks
// read as the real thing.
var spoofs = []string{
	"X-Forwarded-User: mallory@evil.example",
	"x-forwarded-email: mallory@evil.example",
	"X_Forwarded_User: mallory@evil.example",
	"X-Forwarded-Org-Id: 00Dmallory",
	"X-Forwarded-Name: Mallory",
}

// noSpoofs fails when the backend got a visitor's identity header or, for an
// anonymous visitor, any identity header at all.
func noSpoofs(t *testing.T, h http.Header, anonymous bool) {
	t.Helper()
	for k, vs := range h {
		for _, v := range vs {
			if strings.Contains(v, "allory") {
				t.Errorf("the backend got the visitor's %s: %q", k, v)
			}
		}
		if !anonymous {
			continue
		}
		for _, n := range identityNames {
			if pxNorm(k) == n {
				t.Errorf("the backend got %s: %q for an anonymous visitor", k, vs)
			}
		}
	}
}

// cookieNames lists the names in a Cookie header, as a lenient parser reads
// it (empty parts skipped).
func cookieNames(h string) []string {
	var out []string
	for _, part := range strings.Split(h, ";") {
		if name, _, _ := strings.Cut(strings.TrimSpace(part), "="); name != "" {
			out = append(out, name)
		}
	}
	return out
}

func TestForwardAuthBehindRealFrontProxies(t *testing.T) {
	for _, kind := range []frontproxy.Kind{frontproxy.Nginx, frontproxy.Caddy} {
		t.Run(string(kind), func(t *testing.T) {
			f := startFront(t, kind)
			nf := pxNoFollow(nil)

			t.Run("an anonymous visitor on a protected page is sent to sign in", func(t *testing.T) {
				before := f.up.count()
				resp, body := pxDo(t, nf, "GET", f.URL+"/private/x?a=1&b=2", http.Header{"Accept": {"text/html"}}, nil)
				want := "/__lo/login?rd=" + url.QueryEscape("/private/x?a=1&b=2")
				// nginx makes the Location absolute; either form is the same place.
				loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
				if resp.StatusCode != http.StatusFound || err != nil || loc.Host != f.proxyHst || loc.RequestURI() != want {
					t.Fatalf("got %d Location %q %.100q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), body, want)
				}
				if n := len(f.up.since(before)); n != 0 {
					t.Errorf("the backend was asked %d times, want none", n)
				}
			})

			t.Run("a script asking anonymously for a protected resource gets 401", func(t *testing.T) {
				resp, _ := pxDo(t, nf, "GET", f.URL+"/private/api", http.Header{"Accept": {"application/json"}}, nil)
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("got %d, want 401", resp.StatusCode)
				}
			})

			t.Run("visitors cannot call the auth endpoint themselves", func(t *testing.T) {
				for _, p := range []string{"/__lo/auth", "/__lo/auth/private/x"} {
					resp, body := rawTo(t, f.proxyAddr(), "GET", p, f.proxyHst, "X-Original-URI: /public/x")
					if resp.StatusCode != http.StatusNotFound {
						t.Errorf("%s: got %d %.80q, want the proxy's 404", p, resp.StatusCode, body)
					}
				}
			})

			t.Run("a public page needs no gateway session and carries no identity", func(t *testing.T) {
				before := f.up.count()
				resp, body := rawTo(t, f.proxyAddr(), "GET", "/public/x", f.proxyHst, spoofs...)
				hits := f.up.since(before)
				if resp.StatusCode != 200 || len(hits) != 1 || hits[0].Path != "/public/x" {
					t.Fatalf("got %d %.100q with %d backend hits, want 200 from the backend", resp.StatusCode, body, len(hits))
				}
				noSpoofs(t, hits[0].Header, true)
			})

			client := harness.Client()
			t.Run("sign-in through the front proxy lands on the protected page", func(t *testing.T) {
				final, err := f.SignIn(client, harness.AliceUser, harness.AlicePass, "/private/welcome")
				if err != nil {
					t.Fatalf("signing in through %s: %v\n%s", kind, err, f.proxy.Log())
				}
				if final.Path != "/private/welcome" {
					t.Fatalf("sign-in ended at %s, want /private/welcome", final)
				}
				hit := f.up.lastFor(t, "/private/welcome")
				if got := hit.Header.Values("X-Forwarded-User"); len(got) != 1 || got[0] != aliceUser {
					t.Errorf("backend X-Forwarded-User = %q, want [%s]", got, aliceUser)
				}
			})

			t.Run("a signed-in visitor's identity comes from the gateway, never the visitor", func(t *testing.T) {
				u, _ := url.Parse(f.URL)
				var cookie string
				for _, c := range client.Jar.Cookies(u) {
					if c.Name == "lo_session" {
						cookie = c.Value
					}
				}
				if cookie == "" {
					t.Fatal("no session cookie after signing in")
				}
				// The session cookie in the middle, first and last among the site's.
				jar := map[string]string{
					"/private/x": "theme=dark; lo_session=" + cookie + "; cart=3",
					"/public/x":  "lo_session=" + cookie + "; theme=dark; cart=3",
					"/private/y": "theme=dark; cart=3; lo_session=" + cookie,
				}
				for _, p := range []string{"/private/x", "/public/x", "/private/y"} {
					before := f.up.count()
					resp, body := rawTo(t, f.proxyAddr(), "GET", p, f.proxyHst, append([]string{"Cookie: " + jar[p]}, spoofs...)...)
					hits := f.up.since(before)
					if resp.StatusCode != 200 || len(hits) != 1 {
						t.Fatalf("%s: got %d %.100q with %d backend hits, want 200 from the backend", p, resp.StatusCode, body, len(hits))
					}
					h := hits[0].Header
					noSpoofs(t, h, false)
					if got := h.Values("Cookie"); len(got) != 1 || strings.Join(cookieNames(got[0]), " ") != "theme cart" {
						t.Errorf("%s: backend Cookie = %q, want the site's own cookies (theme, cart) only", p, got)
					}
					for name, want := range map[string]string{"X-Forwarded-User": aliceUser, "X-Forwarded-Email": aliceUser} {
						if got := h.Values(name); len(got) != 1 || got[0] != want {
							t.Errorf("%s: backend %s = %q, want [%s]", p, name, got, want)
						}
					}
					if h.Get("X-Forwarded-User-Id") == "" || h.Get("X-Forwarded-Org-Id") == "" || h.Get("X-Forwarded-Name") == "" {
						t.Errorf("%s: backend identity headers incomplete: %v", p, h)
					}
				}
			})

			t.Run("path tricks are judged as the full proxy judges them", func(t *testing.T) {
				extra := []pathTrick{{"/public/x", "/public/x"}, {"/", "/"}}
				for _, tr := range append(append([]pathTrick(nil), pathTricksA...), extra...) {
					t.Run(tr.target, func(t *testing.T) {
						fullHost := strings.TrimPrefix(f.full.URL, "http://")
						before := f.fullUp.count()
						rawTo(t, f.full.Addr, "GET", strings.Replace(tr.target, "HOSTA", fullHost, 1), fullHost)
						servedFull := len(f.fullUp.since(before)) > 0

						before = f.up.count()
						resp, body := rawTo(t, f.proxyAddr(), "GET", strings.Replace(tr.target, "HOSTA", f.proxyHst, 1), f.proxyHst)
						servedFront := len(f.up.since(before)) > 0
						switch {
						case servedFront && !servedFull:
							t.Fatalf("%s served %q to an anonymous visitor (%d); the full proxy refuses it", kind, tr.target, resp.StatusCode)
						case !servedFront && servedFull && (resp.StatusCode == 401 || resp.StatusCode == 302):
							t.Fatalf("%s sent %q to sign in (%d %.80q); the full proxy serves it", kind, tr.target, resp.StatusCode, body)
						case !servedFront && servedFull:
							// The front proxy refused the target itself (400);
							// stricter than the gateway, never looser.
							t.Logf("%s refused %q itself: %d", kind, tr.target, resp.StatusCode)
						}
					})
				}
			})

			if kind == frontproxy.Nginx {
				t.Run("sub_filter adds the launcher tag to the site's pages", func(t *testing.T) {
					_, body := pxDo(t, nf, "GET", f.URL+"/page.html", nil, nil)
					if !strings.Contains(body, `<script src="/__lo/static/launcher.js" defer></script></body>`) {
						t.Fatalf("page through nginx has no launcher tag: %.300q", body)
					}
				})
			}

			t.Run("with the gateway down the front proxy answers 5xx, not the page", func(t *testing.T) {
				f.StopGateway()
				for _, p := range []string{"/public/x", "/private/x"} {
					before := f.up.count()
					resp, body := pxDo(t, nf, "GET", f.URL+p, nil, nil)
					if resp.StatusCode < 500 {
						t.Errorf("%s: got %d %.100q, want 5xx", p, resp.StatusCode, body)
					}
					if n := len(f.up.since(before)); n != 0 {
						t.Errorf("%s: the backend was asked %d times, want none", p, n)
					}
				}
			})
		})
	}
}
