package gateway_test

import (
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// This file is the attacker's view of the gateway: each test is a probe a
// hostile page, visitor or org user could send, over real HTTP.

// secDo sends one request with headers set verbatim and returns the answer and
// its body; redirects are not followed.
func secDo(t *testing.T, c *http.Client, method, u string, hdr map[string]string, body string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := noFollow(c).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// secSignedIn returns a fresh client signed in as Alice.
func secSignedIn(t *testing.T, env *harness.Env) *http.Client {
	t.Helper()
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	return c
}

// secCSRF reads the sign-out token from the confirm page.
func secCSRF(t *testing.T, env *harness.Env, c *http.Client) string {
	t.Helper()
	_, page := secDo(t, c, http.MethodGet, env.URL+"/__lo/logout", nil, "")
	m := csrfInput.FindStringSubmatch(page)
	if m == nil || m[1] == "" {
		t.Fatal("the sign-out confirm page carries no CSRF token")
	}
	return html.UnescapeString(m[1])
}

func TestSignOutCSRFProbes(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := secSignedIn(t, env)
	tok := secCSRF(t, env, c)
	refused := []struct {
		name string
		hdr  map[string]string
		body string
	}{
		{"a sandboxed page's Origin null sent cross-site is refused", map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, "csrf=" + tok},
		{"Origin null with no fetch metadata is refused", map[string]string{"Origin": "null"}, "csrf=" + tok},
		{"a sibling subdomain (same-site, not same-origin) is refused", map[string]string{"Origin": "http://evil.localhost", "Sec-Fetch-Site": "same-site"}, "csrf=" + tok},
		{"a request with no Origin, metadata or Referer is refused", map[string]string{}, "csrf=" + tok},
		{"a Referer from another site is refused", map[string]string{"Referer": "https://evil.example/page"}, "csrf=" + tok},
		{"a same-origin post with a wrong token is refused", map[string]string{"Origin": env.URL}, "csrf=" + tok + "x"},
		{"a same-origin post with a token prefix is refused", map[string]string{"Origin": env.URL}, "csrf=" + tok[:len(tok)-1]},
		{"a trusted-looking origin with a different port is refused", map[string]string{"Origin": env.URL + "1"}, "csrf=" + tok},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := secDo(t, c, http.MethodPost, env.URL+"/__lo/logout", tc.hdr, tc.body)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("logout answered %d, want 403", resp.StatusCode)
			}
			if si := getSession(t, c, env.URL); !si.SignedIn {
				t.Fatal("a refused sign-out signed the visitor out")
			}
		})
	}
	t.Run("our own form's Origin null with Sec-Fetch-Site same-origin and the right token signs out", func(t *testing.T) {
		resp, _ := secDo(t, c, http.MethodPost, env.URL+"/__lo/logout",
			map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, "csrf="+url.QueryEscape(tok)+"&rd=%2F%2Fevil.example")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout answered %d, want 303", resp.StatusCode)
		}
		// The org's end-session endpoint sends the browser to the signed-out page,
		// whose way back must be the validated rd: "/".
		final, err := c.Get(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(final.Body)
		final.Body.Close()
		if final.Request.URL.Path != "/__lo/signedout" || !strings.Contains(string(page), `<a class="lo-btn lo-btn--ghost" href="/">Back to the site</a>`) {
			t.Errorf("want sign-out with rd=//evil.example to end on /__lo/signedout with a way back to /, got %s with %q", final.Request.URL.Path, page)
		}
		if si := getSession(t, c, env.URL); si.SignedIn {
			t.Error("still signed in after a valid sign-out")
		}
	})
}

func TestPagesThatMustNotBeFramedSayNone(t *testing.T) {
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].TrustedDomains = []string{"https://partner.example"}
	}})
	c := secSignedIn(t, env)
	check := func(t *testing.T, resp *http.Response) {
		t.Helper()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("CSP %q, want frame-ancestors 'none'", csp)
		}
		if xfo := resp.Header.Get("X-Frame-Options"); xfo != "DENY" {
			t.Errorf("X-Frame-Options %q, want DENY for browsers without frame-ancestors", xfo)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("nosniff %q, Referrer-Policy %q; want nosniff and no-referrer",
				resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Referrer-Policy"))
		}
	}
	t.Run("the sign-out confirm page, whose button a framing page could trick a click on", func(t *testing.T) {
		resp, _ := secDo(t, c, http.MethodGet, env.URL+"/__lo/logout", nil, "")
		check(t, resp)
	})
	t.Run("the popup callback page, which only ever runs in a popup", func(t *testing.T) {
		pc := harness.Client()
		resp, err := pc.Get(env.URL + "/__lo/login?popup=1&origin=" + url.QueryEscape("https://partner.example"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err = harness.SubmitOrgForms(pc, resp, env.OrgURL, harness.AliceUser, harness.AlicePass)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Request.URL.Path != "/callback.html" || !strings.Contains(string(body), `"openerOrigin":"https://partner.example"`) {
			t.Fatalf("popup sign-in ended at %s (%d), want the callback page posting to the partner", resp.Request.URL.Path, resp.StatusCode)
		}
		check(t, resp)
	})
	t.Run("the embed page stays frameable by the trusted domain", func(t *testing.T) {
		resp, _ := secDo(t, c, http.MethodGet, env.URL+"/__lo/embed", nil, "")
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' https://partner.example") {
			t.Errorf("embed CSP %q, want frame-ancestors 'self' https://partner.example", csp)
		}
	})
}

func TestPopupSignInPostsOnlyToATrustedOpener(t *testing.T) {
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].TrustedDomains = []string{"https://partner.example"}
	}})
	for _, o := range []string{"https://evil.example", "null", "*", "https://partner.example.evil.example",
		"https://partner.example:8443", "http://partner.example", "https://partner.example/path", "https://user@partner.example"} {
		t.Run("opener "+o+" is refused before the org is asked", func(t *testing.T) {
			resp, _ := secDo(t, harness.Client(), http.MethodGet, env.URL+"/__lo/login?popup=1&origin="+url.QueryEscape(o), nil, "")
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("login answered %d (Location %q), want 400", resp.StatusCode, resp.Header.Get("Location"))
			}
			for _, sc := range resp.Header.Values("Set-Cookie") {
				if strings.HasPrefix(sc, "lo-flow-") {
					t.Errorf("a refused login still set a flow cookie: %q", sc)
				}
			}
		})
	}
}

func TestOpenRedirectProbesThroughLogin(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	for _, rd := range []string{"//evil.example", "/\\evil.example", "https://evil.example/", "/%2F%2Fevil.example",
		"/.%2F/evil.example", "javascript:alert(1)", "http://localhost.evil.example/", "/%09/evil.example", "///evil.example"} {
		t.Run("rd "+rd+" comes back as a same-site path after sign-in", func(t *testing.T) {
			c := harness.Client()
			var last *url.URL
			c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
				last = req.URL
				return nil
			}
			if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, rd); err != nil {
				t.Fatal(err)
			}
			if last == nil || last.Host != strings.TrimPrefix(env.URL, "http://") {
				t.Fatalf("sign-in with rd=%q ended at %v, want the gateway's own host", rd, last)
			}
		})
	}
}

func TestCORSNeverReflectsAnUntrustedOrigin(t *testing.T) {
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].TrustedDomains = []string{"https://partner.example"}
	}})
	c := secSignedIn(t, env)
	for _, path := range []string{"/__lo/frontdoor", "/__lo/session", "/__lo/boot"} {
		for _, o := range []string{"https://evil.example", "null", "https://partner.example.evil.example", "https://evilpartner.example"} {
			t.Run(path+" gives "+o+" no CORS grant and no body", func(t *testing.T) {
				resp, body := secDo(t, c, http.MethodGet, env.URL+path, map[string]string{"Origin": o}, "")
				if a := resp.Header.Get("Access-Control-Allow-Origin"); a != "" {
					t.Errorf("Access-Control-Allow-Origin %q, want none", a)
				}
				if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "frontdoorUrl") {
					t.Errorf("answered %d %q, want 403 without a frontdoor URL", resp.StatusCode, clip(body))
				}
			})
		}
		t.Run(path+" refuses a cross-site no-cors read without Origin", func(t *testing.T) {
			resp, _ := secDo(t, c, http.MethodGet, env.URL+path, map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "script"}, "")
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("answered %d, want 403", resp.StatusCode)
			}
		})
		t.Run(path+" answers JSON that no browser will sniff", func(t *testing.T) {
			resp, _ := secDo(t, c, http.MethodGet, env.URL+path, map[string]string{"Origin": env.URL}, "")
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("nosniff %q, Cache-Control %q; want nosniff and no-store",
					resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Cache-Control"))
			}
		})
	}
}

// secOrg stands in for an org API behind a relay: it records the paths it is
// asked for and answers with whatever the test put in answer.
type secOrg struct {
	mu    sync.Mutex
	paths []string
	srv   *httptest.Server
}

func newSecOrg(t *testing.T, answer func(w http.ResponseWriter)) *secOrg {
	o := &secOrg{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.paths = append(o.paths, r.URL.EscapedPath())
		o.mu.Unlock()
		answer(w)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *secOrg) seen() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.paths...)
}

func TestRelayPathsCannotClimbOutOfTheTarget(t *testing.T) {
	org := newSecOrg(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	})
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		// A prefix without a trailing slash is valid config; the part after it
		// must still not climb above the target path.
		c.Sites[0].APIRelay = []config.APIRoute{{Prefix: "/__lo/api", Target: org.srv.URL + "/services/data/v65.0", Identity: "visitor"}}
	}})
	c := secSignedIn(t, env)
	for _, p := range []string{"/__lo/api..", "/__lo/api../sobjects", "/__lo/api/../x", "/__lo/api/%2e%2e/x", "/__lo/api/.%2E/x",
		"/__lo/api/a%2F..%2F..%2Fx", "/__lo/api/..;/x", "/__lo/api/.;x=1/..;/x", "/__lo/api/%2e%2e%3b/x", "/__lo/api/a%5c..%5cx", "/__lo/api/%00"} {
		t.Run(p+" is refused before the org sees it", func(t *testing.T) {
			before := len(org.seen())
			resp, _ := secDo(t, c, http.MethodGet, env.URL+p, map[string]string{"Accept": "application/json"}, "")
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("relay answered %d, want 400", resp.StatusCode)
			}
			if s := org.seen(); len(s) != before {
				t.Errorf("the org was asked for %q", s[len(s)-1])
			}
		})
	}
	t.Run("a plain path still goes through", func(t *testing.T) {
		resp, _ := secDo(t, c, http.MethodGet, env.URL+"/__lo/api/sobjects/Account", map[string]string{"Accept": "application/json"}, "")
		s := org.seen()
		if resp.StatusCode != http.StatusOK || len(s) == 0 || s[len(s)-1] != "/services/data/v65.0/sobjects/Account" {
			t.Fatalf("relay answered %d, org saw %v; want 200 and /services/data/v65.0/sobjects/Account", resp.StatusCode, s)
		}
	})
}

func TestRelayAnswersCannotRunAsTheSite(t *testing.T) {
	// An org endpoint that hands back user content (a file download, a rich
	// text field) must not become a page on the site's origin, where a script
	// could ask /__lo/frontdoor for a session; nor may the org widen our CORS.
	org := newSecOrg(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Content-Security-Policy", "script-src *")
		io.WriteString(w, `<script>fetch('/__lo/frontdoor',{method:'POST'})</script>`)
	})
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].APIRelay = []config.APIRoute{{Prefix: "/__lo/api/", Target: org.srv.URL, Identity: "visitor"}}
	}})
	c := secSignedIn(t, env)
	resp, _ := secDo(t, c, http.MethodGet, env.URL+"/__lo/api/servlet/servlet.FileDownload?file=015", nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("relay answered %d, want the org's 200", resp.StatusCode)
	}
	t.Run("the answer is sandboxed and never sniffed", func(t *testing.T) {
		csp := resp.Header.Values("Content-Security-Policy")
		if len(csp) != 1 || !strings.Contains(csp[0], "sandbox") || !strings.Contains(csp[0], "default-src 'none'") {
			t.Errorf("Content-Security-Policy %q, want exactly one with sandbox and default-src 'none'", csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("X-Content-Type-Options %q, want nosniff", resp.Header.Get("X-Content-Type-Options"))
		}
	})
	t.Run("the org's CORS headers do not reach the browser", func(t *testing.T) {
		for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"} {
			if v := resp.Header.Get(h); v != "" {
				t.Errorf("%s %q came from the org, want none", h, v)
			}
		}
	})
	t.Run("a trusted caller still gets the gateway's own CORS grant", func(t *testing.T) {
		r, _ := secDo(t, c, http.MethodGet, env.URL+"/__lo/api/x", map[string]string{"Origin": env.URL}, "")
		if a := r.Header.Values("Access-Control-Allow-Origin"); len(a) != 1 || a[0] != env.URL {
			t.Errorf("Access-Control-Allow-Origin %q, want exactly %q", a, env.URL)
		}
	})
}

func TestRelayRefusesCrossSiteWrites(t *testing.T) {
	org := newSecOrg(t, func(w http.ResponseWriter) { io.WriteString(w, `{}`) })
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].APIRelay = []config.APIRoute{{Prefix: "/__lo/api/", Target: org.srv.URL, Identity: "visitor"}}
	}})
	c := secSignedIn(t, env)
	for name, hdr := range map[string]map[string]string{
		"a form post from another site":               {"Origin": "https://evil.example"},
		"a form post from a sandboxed frame":          {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
		"a post with no Origin, metadata or Referer":  {},
		"a post whose only sign is a foreign Referer": {"Referer": "https://evil.example/"},
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			before := len(org.seen())
			resp, _ := secDo(t, c, http.MethodPost, env.URL+"/__lo/api/sobjects/Case", hdr, "Subject=pwned")
			if resp.StatusCode != http.StatusForbidden || len(org.seen()) != before {
				t.Errorf("relay answered %d and forwarded %d request(s), want 403 and none", resp.StatusCode, len(org.seen())-before)
			}
		})
	}
}

func TestIdentityValuesWithLineBreaksNeitherInjectNorBreakTheUpstream(t *testing.T) {
	up := newPxUpstream(t, "a")
	env := harness.Start(t, harness.Options{
		Upstream: up.srv.URL,
		OrgConfig: func(oc *devorg.Config) {
			// An org user may set their own name (Experience Cloud profiles).
			for i := range oc.Users {
				if oc.Users[i].Username == harness.AliceUser {
					oc.Users[i].Name = "Alice\r\nX-Forwarded-User: admin@devorg.example\x00\x7f"
				}
			}
		},
	})
	c := secSignedIn(t, env)
	resp, body := secDo(t, c, http.MethodGet, env.URL+"/hello", nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a signed-in visitor with a line break in their name got %d %q, want the upstream's 200", resp.StatusCode, clip(body))
	}
	hit := up.lastFor(t, "/hello")
	if got := hit.Header.Values("X-Forwarded-User"); len(got) != 1 || got[0] != harness.AliceUser {
		t.Errorf("upstream saw X-Forwarded-User %q, want only %q", got, harness.AliceUser)
	}
	name := hit.Header.Get("X-Forwarded-Name")
	if strings.ContainsAny(name, "\r\n\x00\x7f") || !strings.HasPrefix(name, "Alice") {
		t.Errorf("upstream saw X-Forwarded-Name %q, want Alice's name without control characters", name)
	}
}

func TestOnlyOneRequestIDReachesTheUpstream(t *testing.T) {
	up := newPxUpstream(t, "a")
	env := harness.Start(t, harness.Options{Upstream: up.srv.URL})
	req, _ := http.NewRequest(http.MethodGet, env.URL+"/rid", nil)
	req.Header["X-Request-Id"] = []string{"good-id", "forged id\" level=ERROR msg=pwned"}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	hit := up.lastFor(t, "/rid")
	if got := hit.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != "good-id" {
		t.Errorf("upstream saw X-Request-Id %q, want exactly [good-id]", got)
	}
	if got := resp.Header.Values("X-Request-Id"); len(got) != 1 || got[0] != "good-id" {
		t.Errorf("visitor got X-Request-Id %q, want exactly [good-id]", got)
	}
}

func TestEveryGatewayHTMLPageCarriesACSPAndNosniff(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := secSignedIn(t, env)
	for _, p := range []string{"/__lo/logout", "/__lo/embed", "/__lo/nothing-here", "/callback.html?state=forged&code=x", "/"} {
		t.Run(p, func(t *testing.T) {
			resp, body := secDo(t, c, http.MethodGet, env.URL+p, map[string]string{"Accept": "text/html"}, "")
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s answered %s, want an HTML page", p, resp.Header.Get("Content-Type"))
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src") || !strings.Contains(csp, "frame-ancestors") || !strings.Contains(csp, "base-uri 'none'") {
				t.Errorf("CSP %q, want script-src, frame-ancestors and base-uri 'none'", csp)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("nosniff %q, Cache-Control %q; want nosniff and no-store",
					resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Cache-Control"))
			}
			if strings.Contains(body, "<script>") {
				t.Error("the page has an inline script without a nonce")
			}
		})
	}
}

// secLog is a log sink the gateway and the test share.
type secLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *secLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *secLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNoSecretReachesTheLogOnTheHappyOrTheFailingPath(t *testing.T) {
	lg := &secLog{}
	org := newSecOrg(t, func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) })
	env := harness.Start(t, harness.Options{
		Logger:    slog.New(slog.NewJSONHandler(lg, &slog.HandlerOptions{Level: slog.LevelDebug})),
		AccessLog: true,
		Config: func(c *config.Config) {
			c.Sites[0].APIRelay = []config.APIRoute{{Prefix: "/__lo/api/", Target: "http://127.0.0.1:1", Identity: "visitor"},
				{Prefix: "/__lo/down/", Target: org.srv.URL, Identity: "visitor"}}
		},
	})
	c := harness.Client()
	cb := captureCallback(t, env, c)
	cbURL, _ := url.Parse(cb)
	code := cbURL.Query().Get("code")
	// The callback, then its replay (a failure that must not log the code).
	for i := 0; i < 2; i++ {
		resp, err := noFollow(c).Get(cb)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	sid := cookieValue(c, env.URL, "lo_session")
	rec := sessionRecord(t, env, sid)
	_, _, fd := askFrontdoor(t, c, env, http.MethodPost, env.URL)
	secDo(t, c, http.MethodGet, env.URL+"/__lo/api/x?q=1", map[string]string{"Accept": "application/json"}, "")
	secDo(t, c, http.MethodGet, env.URL+"/__lo/down/x", map[string]string{"Accept": "application/json"}, "")
	secDo(t, c, http.MethodGet, env.URL+"/callback.html?state=forged&code=attacker-code&error=x%0Alevel=ERROR", nil, "")
	tok := secCSRF(t, env, c)
	secDo(t, c, http.MethodPost, env.URL+"/__lo/logout", map[string]string{"Origin": env.URL}, "csrf="+url.QueryEscape(tok))

	logs := lg.String()
	if !strings.Contains(logs, "signed in") {
		t.Fatalf("the log has no sign-in line; the sink is not wired: %q", clip(logs))
	}
	for what, secret := range map[string]string{
		"the authorization code": code, "the access token": rec.Tokens.AccessToken, "the refresh token": rec.Tokens.RefreshToken,
		"the frontdoor URL": fd.FrontdoorURL, "the CSRF token": tok, "the session cookie": sid,
	} {
		t.Run(what+" is never logged", func(t *testing.T) {
			if secret == "" {
				t.Fatalf("the test could not learn %s", what)
			}
			if strings.Contains(logs, secret) {
				t.Errorf("%s appears in the log", what)
			}
		})
	}
	t.Run("a forged value cannot start a log line of its own", func(t *testing.T) {
		for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
			if !strings.HasPrefix(line, "{") {
				t.Errorf("log line %q is not one JSON record", clip(line))
			}
		}
	})
}

func TestCookiesAreHostOnlyHttpOnlyAndLax(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	resp, _ := secDo(t, harness.Client(), http.MethodGet, env.URL+"/__lo/login?rd=/", nil, "")
	c := harness.Client()
	cb := captureCallback(t, env, c)
	cbResp, _ := secDo(t, c, http.MethodGet, cb, nil, "")
	for name, r := range map[string]*http.Response{"the flow cookie": resp, "the session cookie": cbResp} {
		t.Run(name+" is HttpOnly, SameSite=Lax, Path=/ and has no Domain", func(t *testing.T) {
			var found bool
			for _, ck := range r.Cookies() {
				if ck.MaxAge < 0 || ck.Value == "" {
					continue // the flow cookie being cleared
				}
				found = true
				if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
					t.Errorf("cookie %s: HttpOnly=%v SameSite=%v Path=%q Domain=%q; want true, Lax, /, none",
						ck.Name, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
				}
			}
			if !found {
				t.Fatal("no cookie was set")
			}
		})
	}
}
