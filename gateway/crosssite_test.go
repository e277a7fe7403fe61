package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/harness"
)

// sessionCatcher records the session cookie a sign-in sets. With same_site
// none the cookie is Secure, which a cookie jar keeps from an http test site.
type sessionCatcher struct {
	next  http.RoundTripper
	value string
}

func (s *sessionCatcher) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	if err == nil {
		for _, ck := range resp.Cookies() {
			if ck.Name == "lo_session" && ck.Value != "" {
				s.value = ck.Value
			}
		}
	}
	return resp, err
}

// signInNone signs Alice in at a same_site none site and returns the session
// cookie's value.
func (p *pxEnv) signInNone(t *testing.T) string {
	t.Helper()
	c := harness.Client()
	sc := &sessionCatcher{next: http.DefaultTransport}
	c.Transport = sc
	if _, err := harness.SignInAt(c, p.URL, p.OrgURL, harness.AliceUser, harness.AlicePass, "/public/welcome"); err != nil && sc.value == "" {
		t.Fatalf("signing in: %v", err)
	}
	if sc.value == "" {
		t.Fatal("no session cookie after signing in")
	}
	return sc.value
}

func TestCrossSiteWritesUnderSameSiteNoneGoAnonymous(t *testing.T) {
	for _, mode := range []string{"anonymous", "refuse"} {
		t.Run("cross_site "+mode, func(t *testing.T) {
			p := startPx(t, func(c *config.Config) {
				c.Sites[0].Cookie.SameSite = "none"
				c.Sites[0].Cookie.CrossSite = mode
				c.Sites[0].TrustedDomains = []string{"https://partner.example"}
			})
			cookie := "Cookie: lo_session=" + p.signInNone(t)
			wsHead := []string{"Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="}
			// Origins no page of the site or its trusted domains has; generated
			// around the real ones.
			hostile := []string{"https://evil.example", "null", "http://" + p.hostA + ".evil.example", "https://partner.example.evil.example",
				"https://partner.example:8443", "http://partner.example", strings.Replace(p.URL, "localhost", "127.0.0.1", 1), p.URL + "0"}
			friendly := []string{p.URL, "https://partner.example"}
			type probe struct {
				name, method, path string
				extra              []string
			}
			probes := []probe{
				{"a form POST to a public page", "POST", "/public/form", []string{"Content-Type: application/x-www-form-urlencoded", "Content-Length: 0"}},
				{"a DELETE to a public page", "DELETE", "/public/item", nil},
				{"a WebSocket handshake", "GET", "/ws", wsHead},
			}
			for _, pr := range probes {
				for _, o := range hostile {
					t.Run(pr.name+" from "+o+" carries no identity", func(t *testing.T) {
						before := p.a.count()
						hdrs := append([]string{cookie, "Origin: " + o}, pr.extra...)
						resp, body := p.raw(t, pr.method, pr.path, p.hostA, hdrs...)
						hits := p.a.since(before)
						if mode == "refuse" {
							if resp.StatusCode != http.StatusForbidden || len(hits) != 0 {
								t.Fatalf("answer %d, %d upstream request(s); want 403 and none", resp.StatusCode, len(hits))
							}
							return
						}
						if len(hits) != 1 {
							t.Fatalf("answer %d %.80q, %d upstream request(s); want it proxied once", resp.StatusCode, body, len(hits))
						}
						if v := pxValues(hits[0].Header, "x-forwarded-user"); len(v) != 0 {
							t.Errorf("upstream got X-Forwarded-User %q on a cross-site request, want none", v)
						}
					})
				}
				for _, o := range friendly {
					t.Run(pr.name+" from "+o+" carries the identity", func(t *testing.T) {
						before := p.a.count()
						hdrs := append([]string{cookie, "Origin: " + o}, pr.extra...)
						p.raw(t, pr.method, pr.path, p.hostA, hdrs...)
						hits := p.a.since(before)
						if len(hits) != 1 {
							t.Fatalf("%d upstream request(s), want one", len(hits))
						}
						if v := pxValues(hits[0].Header, "x-forwarded-user"); len(v) != 1 || v[0] != harness.AliceUser {
							t.Errorf("upstream got X-Forwarded-User %q, want [%q]", v, harness.AliceUser)
						}
					})
				}
			}
			t.Run("a cross-site POST to a protected path does not reach it", func(t *testing.T) {
				before := p.a.count()
				resp, _ := p.raw(t, "POST", "/private/transfer", p.hostA, cookie, "Origin: https://evil.example", "Content-Length: 0")
				if n := len(p.a.since(before)); n != 0 || resp.StatusCode < 400 {
					t.Errorf("answer %d and %d upstream request(s), want a 4xx and none", resp.StatusCode, n)
				}
			})
			t.Run("a cross-site GET still carries the identity (the embed reads with it)", func(t *testing.T) {
				p.raw(t, "GET", "/private/page", p.hostA, cookie, "Sec-Fetch-Site: cross-site")
				if v := pxValues(p.a.lastFor(t, "/private/page").Header, "x-forwarded-user"); len(v) != 1 {
					t.Errorf("upstream got X-Forwarded-User %q, want Alice", v)
				}
			})
			t.Run("our own form's Origin null with Sec-Fetch-Site same-origin carries the identity", func(t *testing.T) {
				p.raw(t, "POST", "/public/own-form", p.hostA, cookie, "Origin: null", "Sec-Fetch-Site: same-origin", "Content-Length: 0")
				if v := pxValues(p.a.lastFor(t, "/public/own-form").Header, "x-forwarded-user"); len(v) != 1 {
					t.Errorf("upstream got X-Forwarded-User %q, want Alice", v)
				}
			})
		})
	}
}
