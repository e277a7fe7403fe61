package gateway_test

// End-to-end tests of the reverse proxy as the whole gateway runs it: routing by
// Host, sessions from a real sign-in at the emulated org, access rules, identity
// headers, error pages, injection and metrics, each against real upstream
// servers that record what they receive.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"github.com/logateway/logateway/internal/wstest"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// pxHit is one request an upstream received.
type pxHit struct {
	Method string
	URI    string // the raw request target
	Path   string // decoded path
	Host   string
	Header http.Header
}

// pxUpstream is a site behind the gateway that records every request and
// serves the pages these tests need.
type pxUpstream struct {
	name     string
	srv      *httptest.Server
	mu       sync.Mutex
	hits     []pxHit
	uploaded atomic.Int64
	release  chan struct{} // closing it ends the SSE stream
	once     sync.Once
}

const (
	pxBigBody = 100 << 20 // upload and download size
	pxHTML    = "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1></body></html>"
	pxJSON    = `{"items":[1,2,3],"note":"</body> is only text here"}`
	pxCSP     = "default-src 'self'; script-src 'self' https://cdn.example"
)

func newPxUpstream(t *testing.T, name string) *pxUpstream {
	t.Helper()
	u := &pxUpstream{name: name, release: make(chan struct{})}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(func() {
		u.releaseSSE()
		u.srv.CloseClientConnections()
		u.srv.Close()
	})
	return u
}

func (u *pxUpstream) releaseSSE() { u.once.Do(func() { close(u.release) }) }

func (u *pxUpstream) hostPort() string { return strings.TrimPrefix(u.srv.URL, "http://") }

func (u *pxUpstream) serve(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits = append(u.hits, pxHit{Method: r.Method, URI: r.RequestURI, Path: r.URL.Path, Host: r.Host, Header: r.Header.Clone()})
	u.mu.Unlock()
	w.Header().Set("X-Upstream", u.name)
	switch r.URL.Path {
	case "/ws":
		wstest.Echo(nil)(w, r)
	case "/events":
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: one\n\n")
		_ = http.NewResponseController(w).Flush()
		select {
		case <-u.release:
		case <-r.Context().Done():
			return
		case <-time.After(10 * time.Second):
		}
		_, _ = io.WriteString(w, "data: two\n\n")
	case "/upload":
		n, _ := io.Copy(io.Discard, r.Body)
		u.uploaded.Store(n)
		_, _ = fmt.Fprintf(w, "got %d bytes", n)
	case "/download":
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(pxBigBody))
		_, _ = io.Copy(w, &pxPattern{left: pxBigBody})
	case "/page.html":
		w.Header().Set("Content-Security-Policy", pxCSP)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		pxWriteMaybeGzip(w, r, pxHTML)
	case "/data.json":
		w.Header().Set("Content-Type", "application/json")
		pxWriteMaybeGzip(w, r, pxJSON)
	case "/slow":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	case "/set-cookie":
		http.SetCookie(w, &http.Cookie{Name: "site_pref", Value: "compact", Path: "/"})
		_, _ = io.WriteString(w, "ok")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintf(w, "upstream %s served %s", u.name, r.URL.Path)
	}
}

func pxWriteMaybeGzip(w http.ResponseWriter, r *http.Request, body string) {
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		_, _ = io.WriteString(w, body)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	_, _ = w.Write(pxGzip(body))
}

// pxGzip is deterministic for a given input, so a test can compare bytes.
func pxGzip(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return b.Bytes()
}

func (u *pxUpstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.hits)
}

// since returns the hits after the first n.
func (u *pxUpstream) since(n int) []pxHit {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]pxHit(nil), u.hits[n:]...)
}

// lastFor returns the last hit for the decoded path p.
func (u *pxUpstream) lastFor(t *testing.T, p string) pxHit {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	for i := len(u.hits) - 1; i >= 0; i-- {
		if u.hits[i].Path == p {
			return u.hits[i]
		}
	}
	t.Fatalf("upstream %s never received %s; it received %d other requests", u.name, p, len(u.hits))
	return pxHit{}
}

// pxEnv is the gateway with two sites on one listener:
//
//	A  http://localhost:PORT  -> upstream a; /private/ protected, /public/ public, default public; injection on
//	B  http://127.0.0.1:PORT  -> upstream b; /public/ public, default protected
type pxEnv struct {
	*harness.Env
	a, b  *pxUpstream
	urlB  string
	addr  string // where to dial the gateway
	hostA string
	hostB string
}

func startPx(t *testing.T, edit func(c *config.Config)) *pxEnv {
	t.Helper()
	p := &pxEnv{a: newPxUpstream(t, "a"), b: newPxUpstream(t, "b")}
	p.Env = harness.Start(t, harness.Options{
		Upstream: p.a.srv.URL,
		OrgConfig: func(oc *devorg.Config) {
			// Site B signs in at the same org through its own callback.
			cb := oc.Apps[0].CallbackURLs[0]
			oc.Apps[0].CallbackURLs = append(oc.Apps[0].CallbackURLs, strings.Replace(cb, "//localhost:", "//127.0.0.1:", 1))
		},
		Config: func(c *config.Config) {
			a := &c.Sites[0]
			a.Access = []config.AccessRule{{Path: "/private/", Access: "protected"}, {Path: "/public/", Access: "public"}}
			a.DefaultAccess = "public"
			a.Inject = config.Inject{Enabled: true}
			b := *a
			b.URL = strings.Replace(a.URL, "//localhost:", "//127.0.0.1:", 1)
			b.Upstream.URL = p.b.srv.URL
			b.Access = []config.AccessRule{{Path: "/public/", Access: "public"}}
			b.DefaultAccess = "protected"
			b.Inject = config.Inject{}
			c.Sites = append(c.Sites, b)
			if edit != nil {
				edit(c)
			}
		},
	})
	p.urlB = p.Config.Sites[1].URL
	p.hostA = strings.TrimPrefix(p.URL, "http://")
	p.hostB = strings.TrimPrefix(p.urlB, "http://")
	p.addr = p.hostB // the listener is on 127.0.0.1; "localhost" may resolve to ::1 first
	return p
}

// signIn signs a fresh browser-like client in at the site base and returns it
// with the value of its session cookie.
func (p *pxEnv) signIn(t *testing.T, base string) (*http.Client, string) {
	t.Helper()
	c := harness.Client()
	if _, err := harness.SignInAt(c, base, p.OrgURL, harness.AliceUser, harness.AlicePass, "/public/welcome"); err != nil {
		t.Fatalf("signing in at %s: %v", base, err)
	}
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "lo_session" {
			return c, ck.Value
		}
	}
	t.Fatalf("no lo_session cookie for %s after signing in", base)
	return nil, ""
}

// raw sends one request exactly as written (request line and header names
// untouched by any client library) and returns the response and its body.
func (p *pxEnv) raw(t *testing.T, method, target, host string, headers ...string) (*http.Response, string) {
	t.Helper()
	return rawTo(t, p.addr, method, target, host, headers...)
}

func pxNoFollow(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: 20 * time.Second}
	}
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

func pxDo(t *testing.T, c *http.Client, method, u string, header http.Header, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v // verbatim spelling
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// identityNames are the default identity headers, normalized.
var identityNames = []string{"x-forwarded-user", "x-forwarded-email", "x-forwarded-preferred-username",
	"x-forwarded-org-id", "x-forwarded-user-id", "x-forwarded-name"}

// pxNorm reads a header name the way a lenient upstream would: case-folded,
// "_" as "-".
func pxNorm(k string) string { return strings.ReplaceAll(strings.ToLower(k), "_", "-") }

// pxValues returns every value the upstream got under any spelling of name.
func pxValues(h http.Header, name string) []string {
	var out []string
	for k, v := range h {
		if pxNorm(k) == name {
			out = append(out, v...)
		}
	}
	return out
}

func TestSignedInVisitorsIdentityReachesTheUpstream(t *testing.T) {
	p := startPx(t, nil)
	c, _ := p.signIn(t, p.URL)
	resp, body := pxDo(t, c, http.MethodGet, p.URL+"/private/account", nil, nil)
	if resp.StatusCode != http.StatusOK || body != "upstream a served /private/account" {
		t.Fatalf("signed-in GET /private/account = %d %q, want 200 from upstream a", resp.StatusCode, body)
	}
	hit := p.a.lastFor(t, "/private/account")
	want := map[string]string{
		"X-Forwarded-User":               harness.AliceUser,
		"X-Forwarded-Email":              "alice@devorg.example",
		"X-Forwarded-Preferred-Username": harness.AliceUser,
		"X-Forwarded-Org-Id":             devorg.DefaultOrgID,
		"X-Forwarded-User-Id":            "005devorg00000AAAA",
		"X-Forwarded-Name":               "Alice Adams",
	}
	for name, v := range want {
		if got := pxValues(hit.Header, pxNorm(name)); len(got) != 1 || got[0] != v {
			t.Errorf("upstream got %s = %q, want exactly [%q]", name, got, v)
		}
	}

	t.Run("the request id the gateway assigns reaches the upstream and comes back", func(t *testing.T) {
		resp, _ := pxDo(t, c, http.MethodGet, p.URL+"/public/rid", nil, nil)
		rid := resp.Header.Get("X-Request-Id")
		if rid == "" {
			t.Fatal("the response has no X-Request-Id")
		}
		if got := p.a.lastFor(t, "/public/rid").Header.Get("X-Request-Id"); got != rid {
			t.Errorf("upstream got X-Request-Id %q, want the one the visitor got back, %q", got, rid)
		}
	})

	t.Run("forwarding headers are set by the gateway, not believed from the visitor", func(t *testing.T) {
		h := http.Header{"X-Forwarded-For": {"6.6.6.6"}, "X-Forwarded-Host": {"evil.example"},
			"X-Forwarded-Proto": {"https"}, "Forwarded": {"for=6.6.6.6;host=evil.example"}, "X_Forwarded_For": {"6.6.6.6"}}
		pxDo(t, c, http.MethodGet, p.URL+"/public/fwd", h, nil)
		got := p.a.lastFor(t, "/public/fwd").Header
		for name, want := range map[string]string{"x-forwarded-for": "127.0.0.1", "x-forwarded-host": p.hostA, "x-forwarded-proto": "http"} {
			if v := pxValues(got, name); len(v) != 1 || v[0] != want {
				t.Errorf("upstream got %s = %q, want exactly [%q]", name, v, want)
			}
		}
		if v := pxValues(got, "forwarded"); len(v) != 0 {
			t.Errorf("upstream got Forwarded %q from the visitor, want none", v)
		}
	})
}

func TestSpoofedIdentityHeadersNeverReachTheUpstreamThroughTheGateway(t *testing.T) {
	p := startPx(t, nil)
	_, cookie := p.signIn(t, p.URL)
	spellings := []string{"X-Forwarded-User", "X_Forwarded_User", "x-forwarded-user", "X-FORWARDED-USER", "x_forwarded_user"}
	others := []string{"X-Forwarded-Email: evil@example.com", "X_Forwarded_Org_Id: 00Devil", "x-forwarded-user-id: 005evil",
		"X-Forwarded-Name: Mallory", "X-Forwarded-Preferred-Username: mallory"}
	for _, signedIn := range []bool{false, true} {
		for _, sp := range spellings {
			who := "an anonymous visitor"
			if signedIn {
				who = "a signed-in visitor"
			}
			t.Run(who+" sending "+sp+" cannot set the identity", func(t *testing.T) {
				path := fmt.Sprintf("/public/spoof-%t-%s", signedIn, strings.ToLower(strings.ReplaceAll(sp, "_", "u")))
				hdrs := append([]string{sp + ": mallory@evil.example"}, others...)
				if signedIn {
					hdrs = append(hdrs, "Cookie: lo_session="+cookie)
				}
				resp, _ := p.raw(t, "GET", path, p.hostA, hdrs...)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d, want 200", path, resp.StatusCode)
				}
				got := p.a.lastFor(t, path).Header
				for _, name := range identityNames {
					vals := pxValues(got, name)
					for _, v := range vals {
						if strings.Contains(v, "evil") || strings.Contains(v, "mallory") || strings.Contains(v, "Mallory") {
							t.Errorf("upstream got the visitor's %s %q, want it stripped", name, v)
						}
					}
					if !signedIn && len(vals) > 0 {
						t.Errorf("upstream got %s %q for an anonymous visitor, want none", name, vals)
					}
				}
				if signedIn {
					if v := pxValues(got, "x-forwarded-user"); len(v) != 1 || v[0] != harness.AliceUser {
						t.Errorf("upstream got X-Forwarded-User %q, want exactly [%q]", v, harness.AliceUser)
					}
				}
			})
		}
	}
}

// reviewTrustHeaders are the headers the security review found passing through
// the main proxy: path overrides, client-address and scheme hints, other auth
// proxies' identity headers.
var reviewTrustHeaders = []string{"X-Original-URL", "X-Rewrite-URL", "X-Real-IP", "X-Forwarded-Prefix", "X-Forwarded-Port",
	"X-Forwarded-Ssl", "X-Forwarded-Scheme", "X-Forwarded-Server", "X-Forwarded-Groups", "X-Forwarded-Access-Token",
	"X-Auth-Request-User", "X-Auth-Request-Email", "Remote-User"}

// spellingsOf returns name as a client may spell it to an upstream that folds
// case and reads "_" as "-".
func spellingsOf(name string) []string {
	u := strings.ReplaceAll(name, "-", "_")
	return []string{name, strings.ToLower(name), strings.ToUpper(u), u}
}

func TestRenamedIdentityAndTrustHeadersNeverReachTheUpstream(t *testing.T) {
	p := startPx(t, func(c *config.Config) {
		c.Sites[0].IdentityHeaders.User = "X-Remote-User"
		c.Sites[0].IdentityHeaders.Email = "-"
	})
	_, cookie := p.signIn(t, p.URL)
	names := append([]string{"X-Forwarded-User", "X-Forwarded-Email", "X-Remote-User"}, reviewTrustHeaders...)
	for _, signedIn := range []bool{false, true} {
		who := "an anonymous visitor"
		if signedIn {
			who = "a signed-in visitor"
		}
		for _, name := range names {
			t.Run(who+" cannot send "+name+" in any spelling", func(t *testing.T) {
				path := fmt.Sprintf("/public/trust-%t-%s", signedIn, strings.ToLower(name))
				var hdrs []string
				for i, sp := range spellingsOf(name) {
					hdrs = append(hdrs, fmt.Sprintf("%s: evil-%d", sp, i))
				}
				if signedIn {
					hdrs = append(hdrs, "Cookie: lo_session="+cookie)
				}
				if resp, _ := p.raw(t, "GET", path, p.hostA, hdrs...); resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d, want 200", path, resp.StatusCode)
				}
				got := p.a.lastFor(t, path).Header
				for k, v := range got {
					if strings.Contains(strings.Join(v, ","), "evil-") {
						t.Errorf("upstream got %s: %q from the visitor, want it stripped", k, v)
					}
				}
				user := pxValues(got, "x-remote-user")
				switch {
				case signedIn && (len(user) != 1 || user[0] != harness.AliceUser):
					t.Errorf("upstream got X-Remote-User %q, want exactly [%q] from the session", user, harness.AliceUser)
				case !signedIn && len(user) != 0:
					t.Errorf("upstream got X-Remote-User %q for an anonymous visitor, want none", user)
				}
				if v := pxValues(got, "x-forwarded-email"); len(v) != 0 {
					t.Errorf("upstream got X-Forwarded-Email %q with the email header disabled, want none", v)
				}
			})
		}
	}
}

func TestGatewayCookiesNeverReachTheUpstreamButTheSitesDo(t *testing.T) {
	p := startPx(t, nil)
	c, session := p.signIn(t, p.URL)
	// The site's own cookie comes from the upstream through the gateway, and the
	// browser sends it back next to the gateway's.
	if resp, _ := pxDo(t, c, http.MethodGet, p.URL+"/set-cookie", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /set-cookie = %d, want 200", resp.StatusCode)
	}
	if resp, _ := pxDo(t, c, http.MethodGet, p.URL+"/private/jar", nil, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /private/jar = %d, want 200", resp.StatusCode)
	}
	if got := p.a.lastFor(t, "/private/jar").Header.Values("Cookie"); len(got) != 1 || got[0] != "site_pref=compact" {
		t.Errorf("upstream got Cookie %q from the browser, want exactly [site_pref=compact]", got)
	}

	// A hand-made header: the real session first (it signs the visitor in),
	// then flow cookies, a second session cookie and one smuggled after a comma.
	resp, _ := p.raw(t, "GET", "/private/cookies", p.hostA,
		"Cookie: theme=dark; lo_session="+session+"; lo-flow-abc123=stolen; site_pref=compact; lo_session=forged; other=a, lo_session=smuggled",
		"Cookie: lo-flow-x=second-header; lang=en")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /private/cookies = %d, want 200 (the first lo_session is real)", resp.StatusCode)
	}
	hit := p.a.lastFor(t, "/private/cookies")
	got := strings.Join(hit.Header.Values("Cookie"), "; ")
	for _, bad := range []string{"lo_session", "lo-flow-", session, "stolen", "forged", "smuggled", "second-header"} {
		if strings.Contains(got, bad) {
			t.Errorf("upstream got Cookie %q, which mentions %q; want the gateway's cookies stripped", got, bad)
		}
	}
	for _, good := range []string{"theme=dark", "site_pref=compact", "lang=en"} {
		if !strings.Contains(got, good) {
			t.Errorf("upstream got Cookie %q, want the site's own cookie %q kept", got, good)
		}
	}
	if v := pxValues(hit.Header, "x-forwarded-user"); len(v) != 1 || v[0] != harness.AliceUser {
		t.Errorf("upstream got X-Forwarded-User %q, want [%q] from the real session", v, harness.AliceUser)
	}
}

func TestAccessRulesAndSignInAnswers(t *testing.T) {
	p := startPx(t, nil)
	nf := pxNoFollow(nil)
	cases := []struct {
		name, base, path string
		header           http.Header
		method           string
		want             int // 200 from the upstream, 302 to sign in, 401 JSON
	}{
		{"a public rule path is served anonymously", p.URL, "/public/page", nil, "GET", 200},
		{"a path no rule names follows default public", p.URL, "/elsewhere", nil, "GET", 200},
		{"a protected page load is sent to sign in with path and query", p.URL, "/private/report?year=2025&q=a%26b", http.Header{"Accept": {"text/html"}}, "GET", 302},
		{"the protected prefix itself is protected", p.URL, "/private", nil, "GET", 302},
		{"a fetch asking for JSON gets 401 with the login URL", p.URL, "/private/data?x=1", http.Header{"Accept": {"application/json"}}, "GET", 401},
		{"a CORS-mode fetch gets 401", p.URL, "/private/data", http.Header{"Sec-Fetch-Mode": {"cors"}}, "GET", 401},
		{"an anonymous POST to a protected path gets 401", p.URL, "/private/form", nil, "POST", 401},
		{"default protected sends anonymous page loads to sign in", p.urlB, "/anything?x=1", nil, "GET", 302},
		{"default protected answers scripts with 401", p.urlB, "/", http.Header{"Accept": {"application/json"}}, "GET", 401},
		{"a public rule under default protected is served anonymously", p.urlB, "/public/page", nil, "GET", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := p.a
			if tc.base == p.urlB {
				up = p.b
			}
			before := up.count()
			resp, body := pxDo(t, nf, tc.method, tc.base+tc.path, tc.header, nil)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s = %d, want %d (body %.200q)", tc.method, tc.path, resp.StatusCode, tc.want, body)
			}
			rd := tc.path // path and raw query, as sent
			switch tc.want {
			case 200:
				if up.count() != before+1 || !strings.HasPrefix(body, "upstream "+up.name) {
					t.Errorf("want the page from upstream %s, got %.100q (%d new upstream requests)", up.name, body, up.count()-before)
				}
			case 302:
				loc, _ := url.Parse(resp.Header.Get("Location"))
				if loc == nil || loc.Path != "/__lo/login" || loc.Query().Get("rd") != rd {
					t.Errorf("Location = %q, want /__lo/login with rd=%q", resp.Header.Get("Location"), rd)
				}
			case 401:
				var v struct {
					Error    string `json:"error"`
					LoginURL string `json:"loginUrl"`
				}
				if err := json.Unmarshal([]byte(body), &v); err != nil || v.LoginURL != "/__lo/login?rd="+url.QueryEscape(rd) {
					t.Errorf("401 body = %.200q, want JSON with loginUrl /__lo/login?rd=%s", body, url.QueryEscape(rd))
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("401 Content-Type = %q, want application/json", ct)
				}
			}
			if tc.want != 200 && up.count() != before {
				t.Errorf("upstream %s got %d requests for a refused visitor, want none", up.name, up.count()-before)
			}
		})
	}

	t.Run("a signed-in visitor reaches protected paths on both kinds of site", func(t *testing.T) {
		ca, _ := p.signIn(t, p.URL)
		if resp, body := pxDo(t, ca, "GET", p.URL+"/private/report", nil, nil); resp.StatusCode != 200 || body != "upstream a served /private/report" {
			t.Errorf("site A /private/report = %d %.100q, want 200 from upstream a", resp.StatusCode, body)
		}
		cb, _ := p.signIn(t, p.urlB)
		if resp, body := pxDo(t, cb, "GET", p.urlB+"/anything", nil, nil); resp.StatusCode != 200 || body != "upstream b served /anything" {
			t.Errorf("site B /anything = %d %.100q, want 200 from upstream b", resp.StatusCode, body)
		}
	})
}

// pathTrick is a raw request target aimed at site A's protected /private/.
type pathTrick struct {
	target string // HOSTA stands for site A's host
	served string // decoded path the upstream may receive; "" = the upstream must not be asked
}

// pathTricksA are the ways to ask for site A's protected /private/ while
// looking public; forward-auth mode is held to the same answers.
var pathTricksA = []pathTrick{
	{"/private/x", ""},
	{"/public/../private/x", ""},
	{"/public/%2e%2e/private/x", ""},
	{"/public/%2E%2E/private/x", ""},
	{"/public/.%2e/private/x", ""},
	{"/public/..%2fprivate/x", ""},
	{"/public/..%2Fprivate/x", ""},
	{"/public%2f..%2fprivate/x", ""},
	{"/public/%2e%2e%2fprivate/x", ""},
	{"/public/%252e%252e/private/x", ""},
	{"/public/..%5cprivate/x", ""},
	{"/public/..;/private/x", ""},
	{"/public/x/../../private/x", ""},
	{"//private/x", ""},
	{"///private/x", ""},
	{"/./private/x", ""},
	{"/public/.//../private/x", ""},
	{"/PRIVATE/x", ""},
	{"/Private/x", ""},
	{"/private./x", ""},
	{"/private%2fx", ""},
	{"/%70rivate/x", ""},
	{"/public/x#/../../private/x", ""},
	{"/public%23/../private/x", ""},
	{"/public%3F/../private/x", ""},
	{"/public%3f/../private/x", ""},
	{"http://" + "HOSTA" + "/private/x", ""},
	{"http://" + "HOSTA" + "/public/../private/x", ""},
	// A first segment that a WHATWG parser (Node's new URL(req.url, base))
	// or net/url's Parse reads as a host: the upstream would serve /private/x.
	{"//x/private/x", ""},
	{"///x/private/x", ""},
	{"//user@x:8080/private/x", ""},
	{"/%2F%2Fx/private/x", ""},
	{"/public/..//x/private/x", ""},
	{"http://" + "HOSTA" + "//x/private/x", ""},
	// A decoded "?" ends the path for stacks that decode before splitting.
	{"/private%3Fx", ""},
	{"/private%3f/x", ""},
	// The query is the upstream's business, not a path: /public/x is what it serves.
	{"/public/x?/../../private/x", "/public/x"},
	{"/public/x?a=/private/x#frag", "/public/x"},
}

func TestPathTricksNeverMakeAProtectedPathPublic(t *testing.T) {
	p := startPx(t, nil)
	type trick = pathTrick
	siteA := pathTricksA
	siteB := []trick{
		{"/secret", ""},
		{"/public/../secret", ""},
		{"/public/%2e%2e/secret", ""},
		{"/public%2f..%2fsecret", ""},
		{"/public/..;/secret", ""},
		{"//secret", ""},
		{"//public/secret", ""},
		{"//x/public/../secret", ""},
		{"/PUBLIC/../secret", ""},
		{"/public/x?/../../secret", "/public/x"},
	}
	run := func(t *testing.T, host string, up *pxUpstream, tricks []trick) {
		for _, tr := range tricks {
			target := strings.Replace(tr.target, "HOSTA", host, 1)
			t.Run(target, func(t *testing.T) {
				before := up.count()
				resp, body := p.raw(t, "GET", target, host)
				hits := up.since(before)
				if tr.served == "" {
					if len(hits) > 0 {
						t.Fatalf("upstream %s was asked for %q (got %d %.80q), want the gateway to refuse an anonymous visitor", up.name, hits[0].URI, resp.StatusCode, body)
					}
					if resp.StatusCode == http.StatusOK {
						t.Errorf("got 200 without the upstream, want a sign-in redirect or an error")
					}
					return
				}
				if len(hits) != 1 || hits[0].Path != tr.served {
					t.Fatalf("upstream %s got %d requests %v, want one for %s", up.name, len(hits), hits, tr.served)
				}
			})
		}
	}
	t.Run("site with protected /private/ and default public", func(t *testing.T) { run(t, p.hostA, p.a, siteA) })
	t.Run("site with default protected", func(t *testing.T) { run(t, p.hostB, p.b, siteB) })
}

func TestTwoSitesOnOneGatewayAreIsolated(t *testing.T) {
	p := startPx(t, nil)
	nf := pxNoFollow(nil)

	t.Run("each Host reaches its own upstream", func(t *testing.T) {
		for _, tc := range []struct{ base, want string }{{p.URL, "upstream a served /public/x"}, {p.urlB, "upstream b served /public/x"}} {
			if resp, body := pxDo(t, nf, "GET", tc.base+"/public/x", nil, nil); resp.StatusCode != 200 || body != tc.want {
				t.Errorf("GET %s/public/x = %d %q, want 200 %q", tc.base, resp.StatusCode, body, tc.want)
			}
		}
	})

	t.Run("an unknown Host gets 421 and never another site's content", func(t *testing.T) {
		for _, host := range []string{"evil.example", "localhost", "localhost:1", "LOCALHOST.:" + strings.Split(p.hostA, ":")[1], "127.0.0.2:" + strings.Split(p.hostA, ":")[1], ""} {
			for _, path := range []string{"/public/x", "/private/x", "/__lo/login?rd=/", "/__lo/embed"} {
				na, nb := p.a.count(), p.b.count()
				resp, body := p.raw(t, "GET", path, host)
				if host == "" && resp.StatusCode == http.StatusBadRequest {
					continue // Go refuses an HTTP/1.1 request without Host before the gateway sees it
				}
				if resp.StatusCode != http.StatusMisdirectedRequest {
					t.Errorf("Host %q %s = %d, want 421", host, path, resp.StatusCode)
				}
				if strings.Contains(body, "upstream ") || p.a.count() != na || p.b.count() != nb {
					t.Errorf("Host %q %s reached an upstream (body %.80q), want neither asked", host, path, body)
				}
			}
		}
	})

	_, cookieA := p.signIn(t, p.URL)
	_, cookieB := p.signIn(t, p.urlB)
	t.Run("a session cookie of one site never works on the other", func(t *testing.T) {
		for _, tc := range []struct {
			name, host, path, cookie string
			up                       *pxUpstream
		}{
			{"A's cookie on B's protected default", p.hostB, "/account", cookieA, p.b},
			{"B's cookie on A's /private/", p.hostA, "/private/account", cookieB, p.a},
		} {
			before := tc.up.count()
			resp, body := p.raw(t, "GET", tc.path, tc.host, "Cookie: lo_session="+tc.cookie, "Accept: text/html")
			if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/__lo/login") {
				t.Errorf("%s: GET %s = %d (Location %q, body %.80q), want 302 to /__lo/login", tc.name, tc.path, resp.StatusCode, resp.Header.Get("Location"), body)
			}
			if tc.up.count() != before {
				t.Errorf("%s: upstream %s was asked, want the visitor treated as signed out", tc.name, tc.up.name)
			}
		}
		// On a public path the foreign cookie must not sign the visitor in either.
		resp, _ := p.raw(t, "GET", "/public/whoami", p.hostB, "Cookie: lo_session="+cookieA)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET B /public/whoami = %d, want 200", resp.StatusCode)
		}
		got := p.b.lastFor(t, "/public/whoami").Header
		for _, name := range identityNames {
			if v := pxValues(got, name); len(v) > 0 {
				t.Errorf("upstream b got %s %q for A's cookie, want none", name, v)
			}
		}
		if strings.Contains(got.Get("Cookie"), "lo_session") {
			t.Errorf("upstream b got Cookie %q, want the session cookie stripped", got.Get("Cookie"))
		}
		// And /__lo/session on B does not know A's visitor.
		resp, body := p.raw(t, "GET", "/__lo/session", p.hostB, "Cookie: lo_session="+cookieA)
		if strings.Contains(body, harness.AliceUser) || strings.Contains(body, `"signedIn":true`) {
			t.Errorf("B's /__lo/session with A's cookie = %d %.200q, want signed out", resp.StatusCode, body)
		}
	})

	t.Run("metrics carry each site and its upstream", func(t *testing.T) {
		want := map[[2]string]bool{{p.hostA, p.a.hostPort()}: false, {p.hostB, p.b.hostPort()}: false}
		for _, m := range pxFamily(t, p.Env, "logateway_proxy_upstream_duration_seconds") {
			k := [2]string{pxLabel(m, "site"), pxLabel(m, "upstream")}
			if _, ok := want[k]; ok && m.GetHistogram().GetSampleCount() > 0 {
				want[k] = true
			}
		}
		for k, ok := range want {
			if !ok {
				t.Errorf("no logateway_proxy_upstream_duration_seconds samples for site=%q upstream=%q", k[0], k[1])
			}
		}
	})
}

func pxFamily(t *testing.T, env *harness.Env, name string) []*dto.Metric {
	t.Helper()
	fams, err := env.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f.GetMetric()
		}
	}
	t.Fatalf("metric %s is not registered", name)
	return nil
}

func pxLabel(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// pxCounter sums a counter's children with the given labels.
func pxCounter(t *testing.T, env *harness.Env, name string, labels map[string]string) float64 {
	t.Helper()
	var sum float64
outer:
	for _, m := range pxFamily(t, env, name) {
		for k, v := range labels {
			if pxLabel(m, k) != v {
				continue outer
			}
		}
		sum += m.GetCounter().GetValue()
	}
	return sum
}

func TestWebSocketAndSSEThroughTheGateway(t *testing.T) {
	p := startPx(t, nil)
	_, cookie := p.signIn(t, p.URL)

	t.Run("a WebSocket echo works for a signed-in visitor on a protected path", func(t *testing.T) {
		conn, br := wstest.Handshake(t, p.addr, p.hostA, "Cookie: lo_session="+cookie+"\r\nX_Forwarded_User: evil\r\n")
		wstest.ExpectEcho(t, conn, br, "hello", "through the gateway")
		if v := pxValues(p.a.lastFor(t, "/ws").Header, "x-forwarded-user"); len(v) != 1 || v[0] != harness.AliceUser {
			t.Errorf("upstream saw X-Forwarded-User %q on the upgrade, want exactly [%q]", v, harness.AliceUser)
		}
	})

	t.Run("SSE events arrive before the stream ends", func(t *testing.T) {
		resp, err := http.Get(p.URL + "/events")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Errorf("Content-Type = %q, want text/event-stream", ct)
		}
		br := bufio.NewReader(resp.Body)
		first := make(chan string, 1)
		go func() {
			line, _ := br.ReadString('\n')
			first <- line
		}()
		select {
		case line := <-first:
			if line != "data: one\n" {
				t.Errorf("first line = %q, want %q", line, "data: one\n")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the first event did not arrive while the upstream held the stream open")
		}
		p.a.releaseSSE()
		rest, _ := io.ReadAll(br)
		if !strings.Contains(string(rest), "data: two") {
			t.Errorf("rest of the stream = %q, want the second event", rest)
		}
	})
}

// pxPattern yields n bytes of a repeating pattern without holding them.
type pxPattern struct{ left int64 }

var pxBlock = func() []byte {
	b := make([]byte, 32<<10)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

func (p *pxPattern) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := copy(b, pxBlock)
	p.left -= int64(n)
	return n, nil
}

// pxRSS reads the resident set size from /proc (0 where there is none).
func pxRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// pxPeakGrowth runs f while sampling the Go heap and the RSS, and returns the
// largest growth of each over the values before f started.
func pxPeakGrowth(f func()) (heap, rss uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap, baseRSS := ms.HeapAlloc, pxRSS()
	var peakHeap, peakRSS atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > baseHeap && m.HeapAlloc-baseHeap > peakHeap.Load() {
				peakHeap.Store(m.HeapAlloc - baseHeap)
			}
			if r := pxRSS(); r > baseRSS && r-baseRSS > peakRSS.Load() {
				peakRSS.Store(r - baseRSS)
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
	return peakHeap.Load(), peakRSS.Load()
}

func TestHundredMiBThroughTheGatewayWithFlatMemory(t *testing.T) {
	const limit = 20 << 20
	p := startPx(t, nil)
	c, _ := p.signIn(t, p.URL)
	c.Timeout = 0 // a large body on a race-instrumented build takes a while

	t.Run("a 100 MiB upload to a protected path streams to the upstream", func(t *testing.T) {
		var status int
		heap, rss := pxPeakGrowth(func() {
			req, _ := http.NewRequest(http.MethodPost, p.URL+"/upload", &pxPattern{left: pxBigBody})
			req.ContentLength = pxBigBody
			resp, err := c.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			status = resp.StatusCode
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
		if status != http.StatusOK || p.a.uploaded.Load() != pxBigBody {
			t.Errorf("upload = %d, upstream received %d bytes; want 200 and %d", status, p.a.uploaded.Load(), pxBigBody)
		}
		if heap > limit {
			t.Errorf("heap grew by %.1f MiB during the upload, want under %d MiB", float64(heap)/(1<<20), limit>>20)
		}
		t.Logf("upload 100 MiB: peak heap growth %.1f MiB, peak RSS growth %.1f MiB", float64(heap)/(1<<20), float64(rss)/(1<<20))
	})

	t.Run("a 100 MiB download streams to the visitor", func(t *testing.T) {
		var n int64
		heap, rss := pxPeakGrowth(func() {
			resp, err := c.Get(p.URL + "/download")
			if err != nil {
				t.Error(err)
				return
			}
			n, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
		if n != pxBigBody {
			t.Errorf("visitor received %d bytes, want %d", n, pxBigBody)
		}
		if heap > limit {
			t.Errorf("heap grew by %.1f MiB during the download, want under %d MiB", float64(heap)/(1<<20), limit>>20)
		}
		t.Logf("download 100 MiB: peak heap growth %.1f MiB, peak RSS growth %.1f MiB", float64(heap)/(1<<20), float64(rss)/(1<<20))
	})
}

var pxTag = regexp.MustCompile(`<script nonce="([A-Za-z0-9+/=_-]+)" src="/__lo/static/launcher.js" defer></script></body>`)

func TestInjectionThroughTheGateway(t *testing.T) {
	p := startPx(t, nil)
	nf := pxNoFollow(nil)
	gz := http.Header{"Accept-Encoding": {"gzip, deflate, br"}}

	t.Run("a gzip HTML page gets the launcher tag and a CSP that lets it run", func(t *testing.T) {
		resp, body := pxDo(t, nf, "GET", p.URL+"/page.html", gz, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /page.html = %d, want 200", resp.StatusCode)
		}
		if got := p.a.lastFor(t, "/page.html").Header.Get("Accept-Encoding"); got != "gzip" {
			t.Errorf("upstream got Accept-Encoding %q, want only gzip (a coding the gateway can decode)", got)
		}
		if ce := resp.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("Content-Encoding = %q, want none on the rewritten page", ce)
		}
		if resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
			t.Errorf("Content-Length = %q, body is %d bytes", resp.Header.Get("Content-Length"), len(body))
		}
		m := pxTag.FindStringSubmatch(body)
		if m == nil || !strings.HasPrefix(body, "<!doctype html><html><head><title>Shop</title></head><body><h1>Shop</h1><script") {
			t.Fatalf("page = %q, want the original with the launcher tag right before </body>", body)
		}
		nonce := m[1]
		csp := resp.Header.Get("Content-Security-Policy")
		script := ""
		for _, d := range strings.Split(csp, ";") {
			if f := strings.Fields(d); len(f) > 0 && f[0] == "script-src" {
				script = " " + strings.Join(f[1:], " ") + " "
			}
		}
		for _, src := range []string{"'nonce-" + nonce + "'", "'self'", "https://cdn.example", strings.ToLower(p.OrgURL)} {
			if !strings.Contains(script, " "+src+" ") {
				t.Errorf("script-src = %q, want it to hold %s", script, src)
			}
		}
		if !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("CSP = %q, want the upstream's default-src kept", csp)
		}
		// Each page gets its own nonce.
		_, body2 := pxDo(t, nf, "GET", p.URL+"/page.html", gz, nil)
		if m2 := pxTag.FindStringSubmatch(body2); m2 == nil || m2[1] == nonce {
			t.Errorf("second page's tag = %v, want a fresh nonce (first was %q)", m2, nonce)
		}
	})

	t.Run("JSON passes untouched, still compressed", func(t *testing.T) {
		resp, body := pxDo(t, nf, "GET", p.URL+"/data.json", gz, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || body != string(pxGzip(pxJSON)) {
			t.Errorf("GET /data.json = %d encoding %q, body equal to the upstream's: %t; want 200, gzip, the same bytes",
				resp.StatusCode, resp.Header.Get("Content-Encoding"), body == string(pxGzip(pxJSON)))
		}
	})

	t.Run("the site without injection serves HTML as it came", func(t *testing.T) {
		cb, _ := p.signIn(t, p.urlB)
		resp, body := pxDo(t, cb, "GET", p.urlB+"/page.html", nil, nil)
		if resp.StatusCode != 200 || body != pxHTML || resp.Header.Get("Content-Security-Policy") != pxCSP {
			t.Errorf("B /page.html = %d %q CSP %q, want the upstream's page and CSP unchanged", resp.StatusCode, body, resp.Header.Get("Content-Security-Policy"))
		}
	})

	t.Run("injections are counted per site", func(t *testing.T) {
		if n := pxCounter(t, p.Env, "logateway_proxy_inject_total", map[string]string{"site": p.hostA, "result": "injected"}); n < 2 {
			t.Errorf("logateway_proxy_inject_total{site=%q,result=injected} = %v, want at least 2", p.hostA, n)
		}
	})
}

func TestUpstreamFailuresGetErrorPagesAndTheGatewayStaysHealthy(t *testing.T) {
	t.Run("connection refused answers 502 with the request id, then recovers", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		deadAddr := ln.Addr().String()
		ln.Close()
		p := startPx(t, func(c *config.Config) { c.Sites[0].Upstream.URL = "http://" + deadAddr })
		nf := pxNoFollow(nil)

		resp, body := pxDo(t, nf, "GET", p.URL+"/public/page", http.Header{"Accept": {"text/html"}}, nil)
		rid := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != http.StatusBadGateway || rid == "" || !strings.Contains(body, rid) {
			t.Errorf("GET with the upstream down = %d, rid %q in body: %t; want 502 and a page naming the request id", resp.StatusCode, rid, strings.Contains(body, rid))
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("502 Content-Type = %q, want an HTML page", ct)
		}
		resp, body = pxDo(t, nf, "GET", p.URL+"/public/page", http.Header{"Accept": {"application/json"}}, nil)
		var v struct {
			Error     string `json:"error"`
			RequestID string `json:"requestId"`
		}
		if resp.StatusCode != http.StatusBadGateway || json.Unmarshal([]byte(body), &v) != nil || v.RequestID != resp.Header.Get("X-Request-Id") {
			t.Errorf("JSON GET with the upstream down = %d %q, want 502 JSON with requestId %q", resp.StatusCode, body, resp.Header.Get("X-Request-Id"))
		}
		if n := pxCounter(t, p.Env, "logateway_proxy_upstream_errors_total", map[string]string{"site": p.hostA, "upstream": deadAddr, "reason": "refused"}); n != 2 {
			t.Errorf("upstream_errors_total{reason=refused} = %v, want 2", n)
		}

		if resp, _ := pxDo(t, nf, "GET", p.URL+"/__lo/healthz", nil, nil); resp.StatusCode != 200 {
			t.Errorf("healthz after upstream failures = %d, want 200", resp.StatusCode)
		}
		if resp, body := pxDo(t, nf, "GET", p.urlB+"/public/x", nil, nil); resp.StatusCode != 200 || body != "upstream b served /public/x" {
			t.Errorf("the other site while A's upstream is down = %d %q, want 200 from b", resp.StatusCode, body)
		}
		// The upstream comes back on the same address: the next request works.
		var back net.Listener
		for i := 0; i < 50 && back == nil; i++ {
			if back, err = net.Listen("tcp", deadAddr); err != nil {
				back = nil
				time.Sleep(20 * time.Millisecond)
			}
		}
		if back == nil {
			t.Fatalf("could not listen on %s again: %v", deadAddr, err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(p.a.serve), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(back) }()
		t.Cleanup(func() { _ = srv.Close() })
		if resp, body := pxDo(t, nf, "GET", p.URL+"/public/page", nil, nil); resp.StatusCode != 200 || body != "upstream a served /public/page" {
			t.Errorf("after the upstream came back = %d %q, want 200 from upstream a", resp.StatusCode, body)
		}
	})

	t.Run("a slow upstream past upstream.timeout answers 504, then the next request works", func(t *testing.T) {
		p := startPx(t, func(c *config.Config) { c.Sites[0].Upstream.Timeout = config.Duration(300 * time.Millisecond) })
		nf := pxNoFollow(nil)
		start := time.Now()
		resp, body := pxDo(t, nf, "GET", p.URL+"/slow", http.Header{"Accept": {"text/html"}}, nil)
		took := time.Since(start)
		rid := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != http.StatusGatewayTimeout || rid == "" || !strings.Contains(body, rid) {
			t.Errorf("GET /slow = %d, rid %q in body: %t; want 504 and a page naming the request id", resp.StatusCode, rid, strings.Contains(body, rid))
		}
		if took > 3*time.Second {
			t.Errorf("504 took %v, want about the 300ms upstream.timeout", took)
		}
		if n := pxCounter(t, p.Env, "logateway_proxy_upstream_errors_total", map[string]string{"site": p.hostA, "reason": "timeout"}); n != 1 {
			t.Errorf("upstream_errors_total{reason=timeout} = %v, want 1", n)
		}
		if resp, _ := pxDo(t, nf, "GET", p.URL+"/__lo/healthz", nil, nil); resp.StatusCode != 200 {
			t.Errorf("healthz after a timeout = %d, want 200", resp.StatusCode)
		}
		if resp, body := pxDo(t, nf, "GET", p.URL+"/public/next", nil, nil); resp.StatusCode != 200 || body != "upstream a served /public/next" {
			t.Errorf("next request = %d %q, want 200 from upstream a", resp.StatusCode, body)
		}
	})
}
