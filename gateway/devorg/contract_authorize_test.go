package devorg

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Contract tests: one per item of the emulator checklist (docs/salesforce.md §6).

func TestItem01DiscoveryAndKeys(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := http.Get(e.srv.URL + discoveryPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(readBody(t, resp)), &doc); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || doc["issuer"] != e.srv.URL {
		t.Fatalf("wanted 200 with issuer %q, got %d %v", e.srv.URL, resp.StatusCode, doc["issuer"])
	}
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "revocation_endpoint", "userinfo_endpoint", "jwks_uri", "introspection_endpoint"} {
		if s, _ := doc[k].(string); !strings.HasPrefix(s, e.srv.URL+"/") {
			t.Errorf("wanted %s under %s, got %q", k, e.srv.URL, s)
		}
	}
	if doc["jwks_uri"] != e.srv.URL+"/id/keys" {
		t.Errorf("wanted jwks_uri %s/id/keys, got %v", e.srv.URL, doc["jwks_uri"])
	}
	keys := func() []any {
		resp, err := http.Get(e.srv.URL + keysPath)
		if err != nil {
			t.Fatal(err)
		}
		var set map[string][]any
		_ = json.Unmarshal([]byte(readBody(t, resp)), &set)
		return set["keys"]
	}
	first := keys()
	if len(first) != 1 || first[0].(map[string]any)["alg"] != "RS256" || first[0].(map[string]any)["kty"] != "RSA" {
		t.Fatalf("wanted one RS256 RSA key, got %v", first)
	}
	if err := e.org.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	if got := keys(); len(got) != 2 {
		t.Errorf("after RotateKeys wanted the old and the new key, got %d keys", len(got))
	}
}

func TestItem02CORS(t *testing.T) {
	const site = "http://localhost:8080"
	cases := []struct {
		name      string
		enabled   bool
		allowlist []string
		path      string
		wantAllow string
	}{
		{"discovery answers any origin", false, nil, discoveryPath, "*"},
		{"keys answer any origin", false, nil, keysPath, "*"},
		{"token is closed while CORS for OAuth is off", false, []string{site}, tokenPath, ""},
		{"token is open when the flag is on and the origin listed", true, []string{site}, tokenPath, site},
		{"token stays closed for an unlisted origin", true, []string{"http://other.test"}, tokenPath, ""},
		{"revoke follows the flag", true, []string{site}, revokePath, site},
		{"userinfo follows the allowlist alone", false, []string{site}, userinfoPath, site},
		{"singleaccess never answers CORS", true, []string{site}, singleAccessPath, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) { cfg.CORSForOAuth = c.enabled; cfg.CORSAllowedOrigins = c.allowlist })
			req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+c.path, nil)
			req.Header.Set("Origin", site)
			req.Header.Set("Access-Control-Request-Method", "POST")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != c.wantAllow {
				t.Errorf("wanted Access-Control-Allow-Origin %q, got %q", c.wantAllow, got)
			}
		})
	}
}

func TestItem03UnusableRequestsGoToRemoteAccessErrorPage(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name, code, desc string
		params           map[string]string
	}{
		{"unknown client_id", "invalid_client_id", "client identifier invalid", map[string]string{"client_id": "3MVGnope"}},
		{"missing redirect_uri", "redirect_uri_missing", "redirect_uri not provided", map[string]string{"redirect_uri": ""}},
		{"unregistered redirect_uri", "redirect_uri_mismatch", "redirect_uri must match configuration", map[string]string{"redirect_uri": "https://evil.test/cb"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := e.browser().Get(e.authorizeURL(c.params))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, _ := resp.Location()
			if resp.StatusCode != 302 || loc == nil || loc.Path != remoteAccessErrorPath {
				t.Fatalf("wanted 302 to %s, got %d %v", remoteAccessErrorPath, resp.StatusCode, loc)
			}
			q := loc.Query()
			if loc.Host != strings.TrimPrefix(e.srv.URL, "http://") || q.Get("error") != c.code || q.Get("error_description") != c.desc || q.Get("state") != "st+/=ate" {
				t.Errorf("wanted the org's page with error=%s error_description=%s state, got %s", c.code, c.desc, loc)
			}
			page, err := http.Get(loc.String())
			if err != nil {
				t.Fatal(err)
			}
			if body := readBody(t, page); page.StatusCode != 200 || !strings.Contains(body, "error="+c.code) {
				t.Errorf("wanted the error page to show error=%s, got %d %s", c.code, page.StatusCode, body)
			}
		})
	}
}

func TestItem04RedirectURIMatchesExactly(t *testing.T) {
	e := newEnv(t, nil)
	for _, uri := range []string{testCallback + "/", "https://gw.example.test:443/callback.html", "http://gw.example.test/callback.html", "https://GW.example.test/callback.html", testCallback + "?x=1"} {
		t.Run("near miss "+uri+" is refused", func(t *testing.T) {
			resp, err := e.browser().Get(e.authorizeURL(map[string]string{"redirect_uri": uri}))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, _ := resp.Location()
			if loc == nil || loc.Query().Get("error") != "redirect_uri_mismatch" {
				t.Errorf("wanted redirect_uri_mismatch on the org's error page, got %d %v", resp.StatusCode, loc)
			}
		})
	}
}

func TestItem05ResponseTypeMustBeCode(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := e.browser().Get(e.authorizeURL(map[string]string{"response_type": "token"}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	wantRedirectError(t, loc, "unsupported_response_type", "response type not supported", "st+/=ate")
}

func TestItem06SignInPageAndDeny(t *testing.T) {
	e := newEnv(t, nil)
	c := e.browser()
	_, challenge := pkcePair()
	resp, err := c.Get(e.authorizeURL(map[string]string{"code_challenge": challenge}))
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(page, "alice@devorg.example") {
		t.Fatalf("wanted a 200 HTML sign-in page listing the test users, got %d: %.300s", resp.StatusCode, page)
	}
	fields := formFields(page)
	fields.Set("username", "alice@devorg.example")
	fields.Set("pw", "wrong")
	resp, _ = c.PostForm(e.srv.URL+authorizePath, fields)
	if page := readBody(t, resp); !strings.Contains(page, "Please check your username and password") {
		t.Errorf("wanted Salesforce's bad-password message, got %.300s", page)
	}
	fields.Set("pw", "alice")
	resp, _ = c.PostForm(e.srv.URL+authorizePath, fields)
	page = readBody(t, resp)
	if !strings.Contains(page, "Allow Access?") {
		t.Fatalf("wanted the consent page on first use, got %.300s", page)
	}
	if sid := cookieNamed(resp, "sid"); sid == nil || !sid.HttpOnly || !sid.Secure || sid.SameSite != http.SameSiteNoneMode || sid.Path != "/" {
		t.Errorf("wanted sid cookie HttpOnly; Secure; SameSite=None; Path=/, got %v", sid)
	}
	deny := formFields(page)
	deny.Set("devorg_action", "deny")
	resp, _ = c.PostForm(e.srv.URL+authorizePath, deny)
	resp.Body.Close()
	loc, _ := resp.Location()
	wantRedirectError(t, loc, "access_denied", "end-user denied authorization", "st+/=ate")
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestItem07StateEchoedAndNonceKept(t *testing.T) {
	e := newEnv(t, nil)
	const state = "a b+c/d=e&f"
	verifier, challenge := pkcePair()
	loc := e.signIn(e.browser(), e.authorizeURL(map[string]string{"state": state, "nonce": "n-0S6_WzA2Mj", "code_challenge": challenge}), "alice@devorg.example", "alice")
	if loc.Query().Get("state") != state {
		t.Fatalf("wanted state %q echoed unchanged, got %q", state, loc.Query().Get("state"))
	}
	resp, body := e.post(tokenPath, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"client_id": {DefaultClientID}, "redirect_uri": {testCallback}, "code_verifier": {verifier}})
	if resp.StatusCode != 200 {
		t.Fatalf("token: %d %v", resp.StatusCode, body)
	}
	claims := unverifiedClaims(t, body["id_token"].(string))
	if claims["nonce"] != "n-0S6_WzA2Mj" {
		t.Errorf("wanted nonce in the id_token, got %v", claims["nonce"])
	}
	// An error redirect echoes state too.
	resp2, _ := e.browser().Get(e.authorizeURL(map[string]string{"state": state, "scope": "bogus"}))
	resp2.Body.Close()
	loc2, _ := resp2.Location()
	wantRedirectError(t, loc2, "invalid_scope", "requested scope is invalid, unknown, or malformed", state)
}

func TestItem08ChallengeStoredWithCode(t *testing.T) {
	cases := []struct {
		name, method, wantErr string
	}{
		{"S256 is accepted", "S256", ""},
		{"an absent method means S256", "", ""},
		{"plain is refused", "plain", "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			verifier, challenge := pkcePair()
			loc := e.signIn(e.browser(), e.authorizeURL(map[string]string{"code_challenge": challenge, "code_challenge_method": c.method}), "alice@devorg.example", "alice")
			if c.wantErr != "" {
				if loc.Query().Get("error") != c.wantErr {
					t.Errorf("wanted error %s, got %s", c.wantErr, loc)
				}
				return
			}
			resp, body := e.post(tokenPath, url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
				"client_id": {DefaultClientID}, "redirect_uri": {testCallback}, "code_verifier": {verifier}})
			if resp.StatusCode != 200 {
				t.Errorf("wanted the stored challenge to accept its verifier, got %d %v", resp.StatusCode, body)
			}
		})
	}
	t.Run("an app requiring PKCE refuses a request without challenge", func(t *testing.T) {
		e := newEnv(t, nil)
		loc := e.signIn(e.browser(), e.authorizeURL(nil), "alice@devorg.example", "alice")
		wantRedirectError(t, loc, "invalid_request", "missing required code challenge", "st+/=ate")
	})
}

func TestItem09PromptImmediateLoginHint(t *testing.T) {
	e := newEnv(t, nil)
	_, challenge := pkcePair()
	c := e.browser()
	t.Run("immediate without a session is immediate_unsuccessful", func(t *testing.T) {
		resp, _ := c.Get(e.authorizeURL(map[string]string{"immediate": "true", "code_challenge": challenge}))
		resp.Body.Close()
		loc, _ := resp.Location()
		wantRedirectError(t, loc, "immediate_unsuccessful", "immediate unsuccessful", "st+/=ate")
	})
	t.Run("login_hint pre-fills the username", func(t *testing.T) {
		resp, _ := c.Get(e.authorizeURL(map[string]string{"login_hint": "bob@devorg.example", "code_challenge": challenge}))
		if page := readBody(t, resp); !strings.Contains(page, `value="bob@devorg.example"`) {
			t.Errorf("wanted the username field pre-filled, got %.400s", page)
		}
	})
	e.signIn(c, e.authorizeURL(map[string]string{"code_challenge": challenge}), "alice@devorg.example", "alice")
	t.Run("a session and an approval skip every page", func(t *testing.T) {
		resp, _ := c.Get(e.authorizeURL(map[string]string{"code_challenge": challenge}))
		resp.Body.Close()
		loc, _ := resp.Location()
		if resp.StatusCode != 302 || loc.Query().Get("code") == "" {
			t.Errorf("wanted a straight redirect with a code, got %d %v", resp.StatusCode, loc)
		}
	})
	t.Run("immediate with a session and an approval succeeds", func(t *testing.T) {
		resp, _ := c.Get(e.authorizeURL(map[string]string{"immediate": "true", "code_challenge": challenge}))
		resp.Body.Close()
		loc, _ := resp.Location()
		if loc == nil || loc.Query().Get("code") == "" {
			t.Errorf("wanted a code, got %d %v", resp.StatusCode, loc)
		}
	})
	t.Run("prompt=login shows the sign-in page despite the session", func(t *testing.T) {
		resp, _ := c.Get(e.authorizeURL(map[string]string{"prompt": "login", "code_challenge": challenge}))
		if page := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(page, `id="login_form"`) {
			t.Errorf("wanted the sign-in page, got %d", resp.StatusCode)
		}
	})
}

func TestItem10Scopes(t *testing.T) {
	t.Run("a scope not on the app is invalid_scope", func(t *testing.T) {
		e := newEnv(t, nil)
		resp, _ := e.browser().Get(e.authorizeURL(map[string]string{"scope": "web chatbot_api"}))
		resp.Body.Close()
		loc, _ := resp.Location()
		wantRedirectError(t, loc, "invalid_scope", "requested scope is invalid, unknown, or malformed", "st+/=ate")
	})
	t.Run("an omitted scope grants the app's scopes", func(t *testing.T) {
		e := newEnv(t, nil)
		code, verifier := e.code(map[string]string{"scope": ""})
		_, body := e.post(tokenPath, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {DefaultClientID}, "redirect_uri": {testCallback}, "code_verifier": {verifier}})
		if body["scope"] != "web api lightning id openid refresh_token profile email" {
			t.Errorf("wanted the app's scopes, got %v", body["scope"])
		}
	})
	t.Run("with RejectUnknownScope off an unknown scope is dropped", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Assumptions.RejectUnknownScope = false })
		code, verifier := e.code(map[string]string{"scope": "web chatbot_api"})
		_, body := e.post(tokenPath, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"client_id": {DefaultClientID}, "redirect_uri": {testCallback}, "code_verifier": {verifier}})
		if body["scope"] != "web" {
			t.Errorf("wanted scope web, got %v", body["scope"])
		}
	})
}

func TestItem11AdminApprovedUnassignedUser(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Apps[0].PermittedUsers = AdminApproved
		c.Apps[0].AssignedUsernames = []string{"bob@devorg.example"}
	})
	_, challenge := pkcePair()
	loc := e.signIn(e.browser(), e.authorizeURL(map[string]string{"code_challenge": challenge}), "alice@devorg.example", "alice")
	wantRedirectError(t, loc, "OAUTH_APP_ACCESS_DENIED", "user is not admin approved to access this app", "st+/=ate")
	t.Run("an assigned user gets a code without a consent page", func(t *testing.T) {
		loc := e.signIn(e.browser(), e.authorizeURL(map[string]string{"code_challenge": challenge}), "bob@devorg.example", "bob")
		if loc.Query().Get("code") == "" {
			t.Errorf("wanted a code, got %s", loc)
		}
	})
}

func TestItem12CodeIsOpaqueAndNeedsDecoding(t *testing.T) {
	e := newEnv(t, nil)
	_, challenge := pkcePair()
	c := e.browser()
	e.signIn(c, e.authorizeURL(map[string]string{"code_challenge": challenge}), "alice@devorg.example", "alice")
	resp, _ := c.Get(e.authorizeURL(map[string]string{"code_challenge": challenge}))
	resp.Body.Close()
	raw := resp.Header.Get("Location")
	loc, _ := url.Parse(raw)
	code := loc.Query().Get("code")
	if !strings.HasSuffix(code, "=") || !strings.Contains(raw, "%3D") {
		t.Errorf("wanted a code ending in '=' and URL-encoded on the redirect, got %q in %q", code, raw)
	}
	if loc.Scheme+"://"+loc.Host+loc.Path != testCallback {
		t.Errorf("wanted the redirect to go to %s, got %s", testCallback, raw)
	}
}
