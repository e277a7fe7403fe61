package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/harness"
)

type frontdoorAnswer struct {
	FrontdoorURL string `json:"frontdoorUrl"`
	InstanceURL  string `json:"instanceUrl"`
	OrgID        string `json:"orgId"`
	Error        string `json:"error"`
}

func askFrontdoor(t *testing.T, c *http.Client, env *harness.Env, method, origin string) (int, http.Header, frontdoorAnswer) {
	t.Helper()
	req, _ := http.NewRequest(method, env.URL+"/__lo/frontdoor", nil)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a frontdoorAnswer
	_ = json.NewDecoder(resp.Body).Decode(&a)
	return resp.StatusCode, resp.Header, a
}

// orgAccepts opens a frontdoor URL in a fresh browser and reports whether the org
// created a session from it (it sets sid and redirects only on a valid first use).
func orgAccepts(t *testing.T, fd string) bool {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "sid" && ck.Value != "" && ck.MaxAge >= 0 {
			return resp.StatusCode == http.StatusFound
		}
	}
	return false
}

func TestEachFrontdoorURLIsNewAndWorksOnce(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		method := http.MethodPost
		if i%2 == 1 {
			method = http.MethodGet // the React ACC template's helper shape
		}
		status, h, a := askFrontdoor(t, c, env, method, env.URL)
		if status != http.StatusOK {
			t.Fatalf("%s /__lo/frontdoor: %d, want 200", method, status)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("frontdoor Cache-Control = %q, want no-store", h.Get("Cache-Control"))
		}
		if a.InstanceURL != env.OrgURL || !strings.HasPrefix(a.OrgID, "00D") {
			t.Errorf("frontdoor answer instanceUrl=%q orgId=%q", a.InstanceURL, a.OrgID)
		}
		if seen[a.FrontdoorURL] {
			t.Fatal("the gateway handed out the same frontdoor URL twice")
		}
		seen[a.FrontdoorURL] = true
		if !orgAccepts(t, a.FrontdoorURL) {
			t.Fatalf("the org refused frontdoor URL #%d on its first use", i+1)
		}
		if orgAccepts(t, a.FrontdoorURL) {
			t.Fatalf("the org accepted frontdoor URL #%d twice", i+1)
		}
	}
}

func TestFrontdoorRefusesSignedOutAndOtherMethods(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	status, _, a := askFrontdoor(t, c, env, http.MethodGet, "")
	if status != http.StatusUnauthorized || a.Error != "NO_ORG_FOUND" {
		t.Errorf("signed out: %d %q, want 401 NO_ORG_FOUND", status, a.Error)
	}
	status, _, a = askFrontdoor(t, c, env, http.MethodPut, "")
	if status != http.StatusMethodNotAllowed || a.Error != "METHOD_NOT_ALLOWED" {
		t.Errorf("PUT: %d %q, want 405 METHOD_NOT_ALLOWED", status, a.Error)
	}
}

func TestFrontdoorAndSessionCORS(t *testing.T) {
	const partner = "http://127.0.0.2:9999"
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].TrustedDomains = []string{partner}
	}})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, origin string
		allowed      bool
	}{
		{"a trusted origin gets credentials-allowed answers", partner, true},
		{"an untrusted origin gets no CORS headers", "http://127.0.0.3:9999", false},
		{"a suffix lookalike is not trusted", "http://127.0.0.2:99999", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/__lo/frontdoor", "/__lo/session"} {
				// Preflight.
				req, _ := http.NewRequest(http.MethodOptions, env.URL+path, nil)
				req.Header.Set("Origin", tc.origin)
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "x-lo-csrf")
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Access-Control-Allow-Origin") == tc.origin; got != tc.allowed {
					t.Errorf("%s preflight from %s: allowed=%v, want %v", path, tc.origin, got, tc.allowed)
				}
				// The real request.
				req, _ = http.NewRequest(http.MethodGet, env.URL+path, nil)
				req.Header.Set("Origin", tc.origin)
				resp, err = c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				acao := resp.Header.Get("Access-Control-Allow-Origin")
				if tc.allowed {
					if resp.StatusCode != http.StatusOK || acao != tc.origin || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
						t.Errorf("%s from trusted %s: %d ACAO=%q ACAC=%q", path, tc.origin, resp.StatusCode, acao, resp.Header.Get("Access-Control-Allow-Credentials"))
					}
				} else {
					if acao != "" || resp.StatusCode != http.StatusForbidden || strings.Contains(string(body), "frontdoorUrl") {
						t.Errorf("%s from untrusted %s: %d ACAO=%q, want 403 and no CORS", path, tc.origin, resp.StatusCode, acao)
					}
				}
				if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
					t.Errorf("%s: no Vary: Origin", path)
				}
			}
		})
	}
}

func TestEmbedPageHeaders(t *testing.T) {
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].TrustedDomains = []string{"https://partner.example.org"}
	}})
	c := harness.Client()
	resp, err := c.Get(env.URL + "/__lo/embed")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' " + env.OrgURL, "frame-src " + env.OrgURL, "frame-ancestors 'self' https://partner.example.org", "'nonce-"} {
		if !strings.Contains(csp, want) {
			t.Errorf("embed CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("embed CSP allows unsafe sources: %q", csp)
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("embed page headers: Referrer-Policy=%q Cache-Control=%q", resp.Header.Get("Referrer-Policy"), resp.Header.Get("Cache-Control"))
	}
	if !strings.Contains(string(body), `id="lo-boot"`) || !strings.Contains(string(body), `"signedIn":false`) {
		t.Error("signed-out embed page lacks its boot config")
	}
	// Two responses, two nonces.
	resp2, _ := c.Get(env.URL + "/__lo/embed")
	resp2.Body.Close()
	if resp2.Header.Get("Content-Security-Policy") == csp {
		t.Error("two embed responses share one CSP nonce")
	}
}
