package devorg

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// UI Bridge facts from Salesforce's shipped code and release notes: a bad token may get
// a bare 403, a token in the query string is refused since Spring '25, redirect_uri may
// lack its leading slash, and frontdoor URLs carry otp=00D…!AQ… and cshc.

func TestUIBridgeRefusesATokenInTheQueryString(t *testing.T) {
	e := newEnv(t, nil)
	web := e.tokens("web api")["access_token"].(string)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method+" with ?access_token= is refused", func(t *testing.T) {
			req, _ := http.NewRequest(method, e.srv.URL+singleAccessPath+"?access_token="+url.QueryEscape(web), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if resp.StatusCode != 401 || body != "Missing_OAuth_Token" {
				t.Errorf("wanted 401 Missing_OAuth_Token, got %d %q", resp.StatusCode, body)
			}
		})
	}
	t.Run("GET with Authorization: Bearer still works", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+singleAccessPath, nil)
		req.Header.Set("Authorization", "Bearer "+web)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := readBody(t, resp); resp.StatusCode != 200 {
			t.Errorf("wanted 200, got %d %s", resp.StatusCode, body)
		}
	})
}

func TestUIBridgeAcceptsARelativeRedirectWithoutLeadingSlash(t *testing.T) {
	e := newEnv(t, nil)
	web := e.tokens("web api")["access_token"].(string)
	resp, body := e.bridge(singleAccessPath, web, url.Values{"redirect_uri": {"lightning/setup/SetupOneHome/home"}})
	if resp.StatusCode != 200 {
		t.Fatalf("wanted 200, got %d %q", resp.StatusCode, body)
	}
	c := e.browser()
	r2, err := c.Get(frontdoorURI(t, body))
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if want := e.srv.URL + "/lightning/setup/SetupOneHome/home"; r2.StatusCode != 302 || r2.Header.Get("Location") != want {
		t.Errorf("wanted the frontdoor to land on %s, got %d %q", want, r2.StatusCode, r2.Header.Get("Location"))
	}
	for _, bad := range []string{"https://evil.test/x", "//evil.test/x", "javascript:alert(1)", `\\evil.test`} {
		if resp, body := e.bridge(singleAccessPath, web, url.Values{"redirect_uri": {bad}}); resp.StatusCode != 400 || body != "Invalid_Param" {
			t.Errorf("redirect_uri %q: wanted 400 Invalid_Param, got %d %q", bad, resp.StatusCode, body)
		}
	}
}

func TestFrontdoorURIHasSalesforcesShape(t *testing.T) {
	e := newEnv(t, nil)
	web := e.tokens("web api")["access_token"].(string)
	_, body := e.bridge(singleAccessPath, web, nil)
	raw := frontdoorURI(t, body)
	shape := regexp.MustCompile(`^` + regexp.QuoteMeta(e.srv.URL+frontdoorPath) + `\?cshc=[^&]+&otp=00D[A-Za-z0-9]{12}%21AQ[^&]+$`)
	if !shape.MatchString(raw) {
		t.Fatalf("wanted …/secur/frontdoor.jsp?cshc=…&otp=00D…%%21AQ…, got %s", strings.Split(raw, "?")[0]+"?…")
	}
	t.Run("the URL without its cshc does not open a session", func(t *testing.T) {
		u, _ := url.Parse(raw)
		q := u.Query()
		q.Del("cshc")
		u.RawQuery = q.Encode()
		resp, err := e.browser().Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 302 {
			t.Errorf("wanted the login page, got a redirect to %q", resp.Header.Get("Location"))
		}
	})
}

func TestUIBridgeSilentBadTokenKnob(t *testing.T) {
	cases := []struct {
		name   string
		silent bool
		body   string
	}{
		{"by default an expired token is 403 Bad_OAuth_Token", false, "Bad_OAuth_Token"},
		{"with UIBridgeSilentBadToken it is a bare 403 with an empty body", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) { cfg.Assumptions.UIBridgeSilentBadToken = c.silent })
			web := e.tokens("web api")["access_token"].(string)
			e.org.ExpireSessions()
			resp, body := e.bridge(singleAccessPath, web, nil)
			if resp.StatusCode != 403 || body != c.body {
				t.Errorf("wanted 403 %q, got %d %q", c.body, resp.StatusCode, body)
			}
		})
	}
}

// loAuthPosts opens a frontdoor URL minted from token, then the Lightning Out auth
// page in the same browser, and reports whether the page would post lo.loaded.
func (e *env) loAuthPosts(token string) bool {
	e.t.Helper()
	_, body := e.bridge(singleAccessPath, token, nil)
	c := e.browser()
	resp, err := c.Get(frontdoorURI(e.t, body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 302 {
		e.t.Fatalf("frontdoor: wanted 302 with a session, got %d", resp.StatusCode)
	}
	q := url.Values{"parentElementId": {"x1"}, "loAppOrigin": {"http://localhost:8080"}, "appId": {DefaultLOAppID}}
	resp, err = c.Get(e.srv.URL + "/lightning/lightning.out.auth.html?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Contains(readBody(e.t, resp), `"lo.loaded"`)
}

func TestLightningOutAppNeedsTheGuidesScopes(t *testing.T) {
	cases := []struct {
		name   string
		scope  string
		relax  bool
		loaded bool
	}{
		{"a token with api, web and lightning loads", "api web lightning", false, true},
		{"a token with full loads", "full", false, true},
		{"a token without lightning never loads", "api web", false, false},
		{"a token without api never loads", "web lightning", false, false},
		{"with LightningOutScopes empty a web-only token loads", "web", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) {
				cfg.Apps[0].Scopes = append(cfg.Apps[0].Scopes, "full")
				if c.relax {
					cfg.Assumptions.LightningOutScopes = nil
				}
			})
			token := e.tokens(c.scope)["access_token"].(string)
			if got := e.loAuthPosts(token); got != c.loaded {
				t.Errorf("wanted lo.loaded posted = %v, got %v", c.loaded, got)
			}
		})
	}
}
