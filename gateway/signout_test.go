package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// signOut signs alice in, posts the sign-out form with rd, and follows every
// redirect (the org's end-session endpoint included). It returns the final
// response's URL and page.
func signOut(t *testing.T, env *harness.Env, rd string) (*url.URL, string, *http.Response) {
	t.Helper()
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	rec := sessionRecord(t, env, cookieValue(c, env.URL, "lo_session"))
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/__lo/logout", strings.NewReader(url.Values{"csrf": {rec.CSRF}, "rd": {rd}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if si := getSession(t, c, env.URL); si.SignedIn {
		t.Fatal("want the gateway session ended by sign-out, still signed in")
	}
	return resp.Request.URL, string(b), resp
}

func TestSignOutEndsTheOrgSessionThroughItsEndSessionEndpoint(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	env.Org.ResetCounts()
	final, page, resp := signOut(t, env, "/__lo/embed")
	if final.Path != "/__lo/signedout" {
		t.Fatalf("want sign-out to end on /__lo/signedout, got %s", final)
	}
	if n := env.Org.Count("revoke"); n != 1 {
		t.Errorf("want the refresh token revoked once, got %d revoke requests", n)
	}
	if n := env.Org.Count("endsession"); n != 1 {
		t.Errorf("want one visit to the org's end-session endpoint, got %d", n)
	}
	for _, want := range []string{
		`data-lo-signout-how="end_session"`,
		"Your session on this site has ended.",
		"This site&#39;s access to your Salesforce account was revoked.",
		"Your Salesforce session in this browser has ended.",
		`href="/__lo/login?rd=%2F__lo%2Fembed">Sign in again</a>`,
		`href="/__lo/embed?signedout=1">Back to the site</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("want %q on the signed-out page, not found in %s", want, page)
		}
	}
	if strings.Contains(page, "<iframe") {
		t.Error("want no logout-page frame once the org confirmed the end of its session, got one")
	}
	if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
		t.Errorf("want the signed-out page unframeable, got CSP %q", got)
	}
}

func TestSignOutFallsBackToTheOrgLogoutPageWithoutAnEndSessionEndpoint(t *testing.T) {
	env := harness.Start(t, harness.Options{OrgConfig: func(c *devorg.Config) { c.NoEndSession = true }})
	final, page, resp := signOut(t, env, "/")
	if final.Path != "/__lo/signedout" {
		t.Fatalf("want sign-out to end on /__lo/signedout, got %s", final)
	}
	for _, want := range []string{
		`data-lo-signout-how="logout_page"`,
		"through its logout page. Salesforce does not confirm it",
		`<iframe id="lo-org-logout" src="` + env.OrgURL + `/secur/logout.jsp"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("want %q on the signed-out page, not found in %s", want, page)
		}
	}
	if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "frame-src "+env.OrgURL) {
		t.Errorf("want the signed-out page to allow the org's logout page in a frame, got CSP %q", got)
	}
}

func TestSignOutSaysWhatFailedWhenTheOrgDoesNotAnswer(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	env.Org.FailNext("revoke", 1, http.StatusServiceUnavailable)
	env.Org.ResetCounts()
	final, page, _ := signOut(t, env, "/")
	if final.Path != "/__lo/signedout" {
		t.Fatalf("want sign-out to end on /__lo/signedout, got %s", final)
	}
	if n := env.Org.Count("endsession"); n != 0 {
		t.Errorf("want the visitor kept away from an org that failed to revoke, got %d end-session visits", n)
	}
	for _, want := range []string{
		`data-lo-signout-how="none"`,
		"Your session on this site has ended.",
		"could not be revoked",
		"Your Salesforce session in this browser may still be active.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("want %q on the signed-out page, not found in %s", want, page)
		}
	}
}

func TestTheSignedOutPageClaimsNothingWithoutASignOut(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	resp, err := harness.Client().Get(env.URL + "/__lo/signedout?state=forged")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-lo-signout-how="unknown"`) || strings.Contains(page, "Salesforce session in this browser has ended") || strings.Contains(page, "revoked") {
		t.Errorf("want a plain signed-out page that claims nothing about Salesforce, got %d: %s", resp.StatusCode, page)
	}
}

func TestTheGatewayServesAFavicon(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	for _, p := range []string{"/favicon.ico", "/__lo/static/favicon.svg"} {
		resp, err := http.Get(env.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(string(b), "<svg") {
			t.Errorf("%s: want 200 image/svg+xml <svg…>, got %d %q", p, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func TestEveryErrorPageOffersANextStepAndTheRequestID(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	cases := []struct {
		name, method, path string
		hdr                map[string]string
		wantStatus         int
		wantAction         string // the primary button
	}{
		{"an unknown gateway path", http.MethodGet, "/__lo/nothing-here", nil, http.StatusNotFound, `href="/">Back to the site</a>`},
		{"a forged callback", http.MethodGet, "/callback.html?state=forged&code=x", nil, http.StatusBadRequest, `">Sign in again</a>`},
		{"a cross-site sign-out", http.MethodPost, "/__lo/logout", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden, `href="/__lo/logout">Open the sign-out page</a>`},
		{"a sign-in popup for an untrusted page", http.MethodGet, "/__lo/login?popup=1&origin=https%3A%2F%2Fevil.example", nil, http.StatusBadRequest, `class="lo-btn" href=`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := secDo(t, harness.Client(), tc.method, env.URL+tc.path, tc.hdr, "")
			rid := resp.Header.Get("X-Request-Id")
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("want %d, got %d", tc.wantStatus, resp.StatusCode)
			}
			if !strings.Contains(page, tc.wantAction) {
				t.Errorf("want the next step %q on the page, got %s", tc.wantAction, page)
			}
			if rid == "" || !strings.Contains(page, "contact this site's support and quote request ID <code>"+rid+"</code>") {
				t.Errorf("want the page to name the request id %q with whom to give it, got %s", rid, page)
			}
		})
	}
}

func TestTheEmbedPageShowsTheChatInlineAndTheLauncherKeepsItFloating(t *testing.T) {
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].ACC.Width, c.Sites[0].ACC.Height = "420px", "600px"
	}})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(env.URL + "/__lo/embed")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="lo-boot"[^>]*>(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("want the boot JSON on the embed page, found none")
	}
	var boot struct {
		ACC struct {
			RenderingConfig map[string]any `json:"renderingConfig"`
		} `json:"acc"`
	}
	if err := json.Unmarshal(m[1], &boot); err != nil {
		t.Fatal(err)
	}
	if rc := boot.ACC.RenderingConfig; rc["mode"] != "inline" || rc["width"] != nil || rc["height"] != nil {
		t.Errorf("want the embed page's chat inline, sized by its card (no width/height), got renderingConfig %v", rc)
	}
	resp, err = c.Get(env.URL + "/__lo/boot")
	if err != nil {
		t.Fatal(err)
	}
	var launcher struct {
		ACC struct {
			RenderingConfig map[string]any `json:"renderingConfig"`
		} `json:"acc"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&launcher)
	resp.Body.Close()
	if rc := launcher.ACC.RenderingConfig; rc["mode"] != "floating" || rc["width"] != "420px" {
		t.Errorf("want the launcher's chat floating at the configured size, got renderingConfig %v", rc)
	}
}
