package devorg

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signedInBrowser signs alice in at the org and returns her browser (cookie jar).
func (e *env) signedInBrowser() *http.Client {
	e.t.Helper()
	c := e.browser()
	_, challenge := pkcePair()
	e.signIn(c, e.authorizeURL(map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}), "alice@devorg.example", "alice")
	return c
}

// orgHomeSignedIn reports whether the org's home page knows the browser's session.
func (e *env) orgHomeSignedIn(c *http.Client) bool {
	e.t.Helper()
	resp, err := c.Get(e.srv.URL + "/")
	if err != nil {
		e.t.Fatal(err)
	}
	return !strings.Contains(readBody(e.t, resp), `id="login_form"`)
}

func TestEndSessionEndsTheOrgSessionAndReturnsOnlyToAcceptedAddresses(t *testing.T) {
	const back = "https://gw.example.test/__lo/signedout"
	cases := []struct {
		name     string
		mutate   func(*Config)
		query    url.Values
		wantBack string // "" = stays on the org's logged-out page
	}{
		{"a callback-origin address with client_id comes back with state", nil,
			url.Values{"client_id": {DefaultClientID}, "post_logout_redirect_uri": {back}, "state": {"s1"}}, back + "?state=s1"},
		{"without client_id the org cannot tell whose address it is", nil,
			url.Values{"post_logout_redirect_uri": {back}}, ""},
		{"another origin is refused", nil,
			url.Values{"client_id": {DefaultClientID}, "post_logout_redirect_uri": {"https://evil.example/x"}}, ""},
		{"user info in the address is refused", nil,
			url.Values{"client_id": {DefaultClientID}, "post_logout_redirect_uri": {"https://gw.example.test@evil.example/"}}, ""},
		{"strict orgs accept registered addresses only", func(c *Config) { c.Assumptions.EndSessionCallbackOrigins = false },
			url.Values{"client_id": {DefaultClientID}, "post_logout_redirect_uri": {back}}, ""},
		{"strict orgs accept a registered address", func(c *Config) {
			c.Assumptions.EndSessionCallbackOrigins = false
			c.Apps[0].PostLogoutRedirectURIs = []string{back}
		}, url.Values{"client_id": {DefaultClientID}, "post_logout_redirect_uri": {back}}, back},
		{"no return address: the logged-out page", nil, url.Values{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.mutate)
			c := e.signedInBrowser()
			if !e.orgHomeSignedIn(c) {
				t.Fatal("want alice signed in at the org before the end-session request")
			}
			resp, err := c.Get(e.srv.URL + endSessionPath + "?" + tc.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body := readBody(t, resp)
			if sid := cookieNamed(resp, "sid"); sid == nil || sid.MaxAge >= 0 {
				t.Errorf("want the sid cookie cleared, got %v", sid)
			}
			if tc.wantBack != "" {
				if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tc.wantBack {
					t.Errorf("want 302 to %s, got %d to %q", tc.wantBack, resp.StatusCode, resp.Header.Get("Location"))
				}
			} else if resp.StatusCode != http.StatusOK || !strings.Contains(body, "You are logged out") {
				t.Errorf("want the org's logged-out page (200), got %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if e.orgHomeSignedIn(c) {
				t.Error("want the org session ended (home shows the login form), got still signed in")
			}
		})
	}
}

func TestDiscoveryAdvertisesEndSessionUnlessTheOrgHasNone(t *testing.T) {
	for _, none := range []bool{false, true} {
		e := newEnv(t, func(c *Config) { c.NoEndSession = none })
		resp, err := http.Get(e.srv.URL + discoveryPath)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		got, _ := doc["end_session_endpoint"].(string)
		resp, _ = http.Get(e.srv.URL + endSessionPath)
		resp.Body.Close()
		switch {
		case !none && (got != e.srv.URL+endSessionPath || resp.StatusCode != http.StatusOK):
			t.Errorf("want end_session_endpoint %s advertised and answering, got %q and %d", e.srv.URL+endSessionPath, got, resp.StatusCode)
		case none && (got != "" || resp.StatusCode != http.StatusNotFound):
			t.Errorf("NoEndSession: want no end_session_endpoint and a 404, got %q and %d", got, resp.StatusCode)
		}
	}
}

func TestTheOrgServesAFavicon(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := http.Get(e.srv.URL + faviconPath)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(body, "<svg") {
		t.Errorf("want 200 image/svg+xml <svg…>, got %d %q %.20q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}
