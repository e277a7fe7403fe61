package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
)

// startFwd is startPx with site B (127.0.0.1) in forward-auth mode under site
// A's access rules, so one gateway answers the same targets both ways: A as
// the full proxy, B as the front proxy's auth endpoint. The test client is the
// trusted proxy.
func startFwd(t *testing.T, edit func(c *config.Config)) *pxEnv {
	t.Helper()
	return startPx(t, func(c *config.Config) {
		c.TrustedProxies = []string{"127.0.0.1", "::1/128"}
		b := &c.Sites[1]
		b.Upstream.URL = ""
		b.ForwardAuth = config.ForwardAuth{Enabled: true}
		b.Access = c.Sites[0].Access
		b.DefaultAccess = c.Sites[0].DefaultAccess
		if edit != nil {
			edit(c)
		}
	})
}

// auth asks B's auth endpoint about target as nginx would, plus extra headers.
func (p *pxEnv) auth(t *testing.T, target string, headers ...string) (*http.Response, string) {
	t.Helper()
	return p.raw(t, "GET", "/__lo/auth", p.hostB, append([]string{"X-Original-URI: " + target}, headers...)...)
}

func TestForwardAuthAnswersByAccessAndSession(t *testing.T) {
	p := startFwd(t, nil)
	_, cookie := p.signIn(t, p.urlB)
	signedIn := "Cookie: lo_session=" + cookie
	spoof := "X-Forwarded-User: mallory@evil.example"

	cases := []struct {
		name, target string
		headers      []string
		want         int
		wantUser     string
		wantSignin   string
	}{
		{"an anonymous visitor on a public page is let through without identity", "/public/x?a=1", []string{spoof}, 200, "", ""},
		{"an anonymous visitor on an unlisted page of a default-public site is let through", "/about", nil, 200, "", ""},
		{"an anonymous visitor on a protected page must sign in, back to the same URI", "/private/x?a=1&b=2", nil, 401, "", "/__lo/login?rd=" + url.QueryEscape("/private/x?a=1&b=2")},
		{"a signed-in visitor on a protected page gets the identity headers", "/private/x", []string{signedIn, spoof}, 200, aliceUser, ""},
		{"a signed-in visitor on a public page gets them too, as the full proxy sends them", "/public/x", []string{signedIn}, 200, aliceUser, ""},
		{"a script asking for a protected resource anonymously gets 401 without a redirect", "/private/api", []string{"Accept: application/json"}, 401, "", ""},
		{"an anonymous POST to a protected path gets 401 without a redirect", "/private/form", []string{"X-Forwarded-Method: POST"}, 401, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := p.auth(t, tc.target, tc.headers...)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d %.120q, want %d", resp.StatusCode, body, tc.want)
			}
			if got := resp.Header.Get("X-Forwarded-User"); got != tc.wantUser {
				t.Errorf("X-Forwarded-User = %q, want %q", got, tc.wantUser)
			}
			if got := resp.Header.Get("X-Lo-Signin"); got != tc.wantSignin {
				t.Errorf("X-Lo-Signin = %q, want %q", got, tc.wantSignin)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if tc.wantUser != "" {
				for _, h := range []string{"X-Forwarded-Email", "X-Forwarded-Org-Id", "X-Forwarded-User-Id"} {
					if resp.Header.Get(h) == "" {
						t.Errorf("%s missing from the answer for a signed-in visitor", h)
					}
				}
			}
		})
	}
}

func TestForwardAuthRequestsAreCountedUnderTheirOwnRoute(t *testing.T) {
	p := startFwd(t, nil)
	p.auth(t, "/public/x")
	p.auth(t, "/private/x")
	if n := pxCounter(t, p.Env, "logateway_http_requests_total", map[string]string{"route": "forward_auth", "code": "200"}); n != 1 {
		t.Errorf("forward_auth 200 count = %v, want 1", n)
	}
	if n := pxCounter(t, p.Env, "logateway_http_requests_total", map[string]string{"route": "forward_auth", "code": "401"}); n != 1 {
		t.Errorf("forward_auth 401 count = %v, want 1", n)
	}
}

// aliceUser is what X-Forwarded-User carries for the emulated org's alice.
const aliceUser = "alice@devorg.example"

func TestForwardAuthRedirectModeSendsPagesToSignIn(t *testing.T) {
	p := startFwd(t, func(c *config.Config) { c.Sites[1].ForwardAuth.SigninRedirect = true })
	resp, _ := p.raw(t, "GET", "/__lo/auth", p.hostB, "X-Forwarded-Uri: /private/x?y=1", "X-Forwarded-Method: GET", "Accept: text/html")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/__lo/login?rd="+url.QueryEscape("/private/x?y=1") {
		t.Fatalf("page load: %d Location %q, want 302 to sign-in with rd=/private/x?y=1", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := p.raw(t, "GET", "/__lo/auth", p.hostB, "X-Forwarded-Uri: /private/x", "X-Forwarded-Method: POST")
	var j struct {
		Error    string `json:"error"`
		LoginURL string `json:"loginUrl"`
	}
	if resp.StatusCode != 401 || json.Unmarshal([]byte(body), &j) != nil || j.Error != "AUTHENTICATION_REQUIRED" || !strings.HasPrefix(j.LoginURL, "/__lo/login?rd=") {
		t.Fatalf("POST: %d %.200q, want 401 JSON with loginUrl", resp.StatusCode, body)
	}
}

// TestForwardAuthJudgesPathTricksAsTheFullProxyDoes sends every path trick to
// site A through the full proxy and to site B's auth endpoint, under the same
// rules: an anonymous request the proxy refuses must get 401, one it serves 200.
func TestForwardAuthJudgesPathTricksAsTheFullProxyDoes(t *testing.T) {
	p := startFwd(t, nil)
	extra := []pathTrick{{"/public/x", "/public/x"}, {"/", "/"}, {"/public//x", "/public//x"}}
	for _, tr := range append(append([]pathTrick(nil), pathTricksA...), extra...) {
		t.Run(tr.target, func(t *testing.T) {
			target := strings.Replace(tr.target, "HOSTA", p.hostA, 1)
			before := p.a.count()
			p.raw(t, "GET", target, p.hostA)
			proxied := len(p.a.since(before)) > 0
			fwdTarget := strings.Replace(tr.target, "HOSTA", p.hostB, 1)
			resp, body := p.auth(t, fwdTarget)
			if allowed := resp.StatusCode == 200; allowed != proxied {
				t.Fatalf("auth answered %d %.80q for %q; the full proxy %s the same target", resp.StatusCode, body, fwdTarget,
					map[bool]string{true: "served", false: "refused"}[proxied])
			}
			if !proxied && resp.StatusCode != 401 {
				t.Errorf("auth answered %d, want 401 for a refused target", resp.StatusCode)
			}
			// Envoy's form: the original target appended to the auth path.
			if strings.HasPrefix(tr.target, "/") && !strings.Contains(tr.target, "#") {
				resp, body := p.raw(t, "GET", "/__lo/auth"+tr.target, p.hostB)
				if allowed := resp.StatusCode == 200; allowed != proxied {
					t.Errorf("auth answered %d %.80q for /__lo/auth%s; the full proxy %s the target", resp.StatusCode, body, tr.target,
						map[bool]string{true: "served", false: "refused"}[proxied])
				}
			}
		})
	}
}

func TestForwardAuthBelievesOnlyTrustedProxiesAndOneStory(t *testing.T) {
	t.Run("an untrusted peer is refused, whatever it says", func(t *testing.T) {
		p := startFwd(t, func(c *config.Config) { c.TrustedProxies = []string{"10.0.0.0/8"} })
		resp, _ := p.auth(t, "/public/x")
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403 for a peer outside trusted_proxies", resp.StatusCode)
		}
	})
	p := startFwd(t, nil)
	cases := []struct {
		name    string
		headers []string
		want    int
	}{
		{"two different original URIs are refused", []string{"X-Original-URI: /private/x", "X-Forwarded-Uri: /public/x"}, 400},
		{"two equal original URIs are one", []string{"X-Original-URI: /public/x", "X-Forwarded-Uri: /public/x"}, 200},
		{"no original URI is refused", nil, 400},
		{"X-Forwarded-Host naming another site than Host is refused", []string{"X-Original-URI: /public/x", "X-Forwarded-Host: " + "HOSTA"}, 400},
		{"X-Forwarded-Host equal to Host is fine", []string{"X-Original-URI: /public/x", "X-Forwarded-Host: HOSTB"}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hs []string
			for _, h := range tc.headers {
				hs = append(hs, strings.NewReplacer("HOSTA", p.hostA, "HOSTB", p.hostB).Replace(h))
			}
			resp, body := p.raw(t, "GET", "/__lo/auth", p.hostB, hs...)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d %.120q, want %d", resp.StatusCode, body, tc.want)
			}
		})
	}
	t.Run("Traefik addresses the gateway by its own name and names the site in X-Forwarded-Host", func(t *testing.T) {
		resp, _ := p.raw(t, "GET", "/__lo/auth", "logateway:8080", "X-Forwarded-Host: "+p.hostB, "X-Forwarded-Uri: /private/x", "X-Forwarded-Method: GET", "X-Forwarded-Proto: http")
		if resp.StatusCode != 401 {
			t.Fatalf("status %d, want 401 from site B's rules", resp.StatusCode)
		}
	})
	t.Run("ingress-nginx sends the original URL whole and addresses the gateway by its service name", func(t *testing.T) {
		resp, _ := p.raw(t, "GET", "/__lo/auth", "logateway.web.svc:8080", "X-Original-URL: http://"+p.hostB+"/private/x?y=1", "X-Original-Method: GET")
		if resp.StatusCode != 401 || resp.Header.Get("X-Lo-Signin") != "/__lo/login?rd="+url.QueryEscape("/private/x?y=1") {
			t.Fatalf("status %d X-Lo-Signin %q, want 401 to sign in back to /private/x?y=1", resp.StatusCode, resp.Header.Get("X-Lo-Signin"))
		}
		if resp, _ := p.raw(t, "GET", "/__lo/auth", "logateway.web.svc:8080", "X-Original-URL: http://"+p.hostB+"/public/..%2Fprivate/x"); resp.StatusCode != 401 {
			t.Errorf("an encoded-slash trick in X-Original-URL: status %d, want 401", resp.StatusCode)
		}
		if resp, _ := p.raw(t, "GET", "/__lo/auth", "logateway.web.svc:8080", "X-Original-URL: http://"+p.hostB+"/public/x"); resp.StatusCode != 200 {
			t.Errorf("a public page in X-Original-URL: status %d, want 200", resp.StatusCode)
		}
		if resp, _ := p.raw(t, "GET", "/__lo/auth", "logateway.web.svc:8080", "X-Original-URL: http://"+p.hostB+"/public/x", "X-Forwarded-Host: "+p.hostA); resp.StatusCode != 400 {
			t.Errorf("a visitor's X-Forwarded-Host naming another site: status %d, want 400", resp.StatusCode)
		}
		if resp, _ := p.raw(t, "GET", "/__lo/auth", "logateway.web.svc:8080", "X-Original-URL: http://"+p.hostB+"/private/x", "X-Original-URI: /public/x"); resp.StatusCode != 400 {
			t.Errorf("X-Original-URL and a different X-Original-URI: status %d, want 400", resp.StatusCode)
		}
	})
	t.Run("Envoy appends the original path to the auth path", func(t *testing.T) {
		if resp, _ := p.raw(t, "GET", "/__lo/auth/private/x?y=1", p.hostB); resp.StatusCode != 401 {
			t.Errorf("/__lo/auth/private/x: status %d, want 401", resp.StatusCode)
		}
		if resp, _ := p.raw(t, "GET", "/__lo/auth/public/..%2Fprivate/x", p.hostB); resp.StatusCode != 401 {
			t.Errorf("/__lo/auth/public/..%%2Fprivate/x: status %d, want 401", resp.StatusCode)
		}
		if resp, _ := p.raw(t, "POST", "/__lo/auth/public/x", p.hostB, "Content-Length: 0"); resp.StatusCode != 200 {
			t.Errorf("POST /__lo/auth/public/x: status %d, want 200", resp.StatusCode)
		}
	})
	t.Run("a full-proxy site has no auth endpoint", func(t *testing.T) {
		if resp, _ := p.raw(t, "GET", "/__lo/auth", p.hostA, "X-Original-URI: /public/x"); resp.StatusCode != 404 {
			t.Errorf("status %d, want 404 on site A", resp.StatusCode)
		}
	})
}
