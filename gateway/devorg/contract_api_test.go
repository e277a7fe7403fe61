package devorg

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// bridge calls a UI Bridge endpoint with a Bearer token (when not empty) and a form.
func (e *env) bridge(path, token string, form url.Values) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, readBody(e.t, resp)
}

func TestItem23Revoke(t *testing.T) {
	e := newEnv(t, nil)
	body := e.tokens("web api refresh_token")
	at, rt := body["access_token"].(string), body["refresh_token"].(string)
	t.Run("revoking the refresh token kills its access tokens", func(t *testing.T) {
		resp, _ := e.post(revokePath, url.Values{"token": {rt}})
		if resp.StatusCode != 200 {
			t.Fatalf("wanted 200, got %d", resp.StatusCode)
		}
		if r, b := e.bridge(singleAccessPath, at, nil); r.StatusCode != 403 || b != "Bad_OAuth_Token" {
			t.Errorf("wanted the access token dead (403 Bad_OAuth_Token), got %d %q", r.StatusCode, b)
		}
	})
	t.Run("an unknown token is invalid_token", func(t *testing.T) {
		resp, body := e.post(revokePath, url.Values{"token": {rt}})
		wantOAuthError(t, resp, body, 400, "invalid_token", "token was invalid")
	})
	t.Run("an unknown token type is unsupported_token_type", func(t *testing.T) {
		resp, body := e.post(revokePath, url.Values{"token": {"x"}, "token_type_hint": {"id_token"}})
		wantOAuthError(t, resp, body, 400, "unsupported_token_type", "token type not supported")
	})
	t.Run("revoking an access token leaves the refresh token", func(t *testing.T) {
		body := e.tokens("web refresh_token")
		if resp, _ := e.post(revokePath, url.Values{"token": {body["access_token"].(string)}}); resp.StatusCode != 200 {
			t.Fatalf("wanted 200, got %d", resp.StatusCode)
		}
		if resp, _ := e.post(tokenPath, refreshForm(body["refresh_token"].(string))); resp.StatusCode != 200 {
			t.Errorf("wanted the refresh token alive, got %d", resp.StatusCode)
		}
	})
}

func TestItem24Introspect(t *testing.T) {
	e := newEnv(t, nil)
	at := e.tokens("web api")["access_token"].(string)
	auth := url.Values{"token": {at}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "token_type_hint": {"access_token"}}
	resp, body := e.post(introspectPath, auth)
	if resp.StatusCode != 200 || body["active"] != true || body["username"] != "alice@devorg.example" || body["client_id"] != DefaultClientID || body["token_type"] != "access_token" {
		t.Fatalf("wanted an active token of alice, got %d %v", resp.StatusCode, body)
	}
	exp, iat := body["exp"].(float64), body["iat"].(float64)
	if exp-iat != 7200 || iat > float64(time.Now().Unix()+5) {
		t.Errorf("wanted exp-iat = 7200 seconds and iat in seconds, got exp %v iat %v", exp, iat)
	}
	t.Run("an unknown token is just inactive", func(t *testing.T) {
		f := url.Values{"token": {"00Dnope!x"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
		resp, body := e.post(introspectPath, f)
		if resp.StatusCode != 200 || len(body) != 1 || body["active"] != false {
			t.Errorf(`wanted 200 {"active":false}, got %d %v`, resp.StatusCode, body)
		}
	})
	t.Run("client authentication is required", func(t *testing.T) {
		resp, body := e.post(introspectPath, url.Values{"token": {at}, "client_id": {DefaultClientID}})
		wantOAuthError(t, resp, body, 400, "invalid_client", "invalid client credentials")
	})
}

func TestItem25Userinfo(t *testing.T) {
	e := newEnv(t, nil)
	at := e.tokens("web openid profile email")["access_token"].(string)
	get := func(t *testing.T, u string, bearer string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, readBody(t, resp)
	}
	wantID := ProductionLoginHost + "/id/" + DefaultOrgID + "/005devorg00000AAAA"
	for _, c := range []struct{ name, url, bearer string }{
		{"with a Bearer header", e.srv.URL + userinfoPath, at},
		{"with the oauth_token parameter", e.srv.URL + userinfoPath + "?oauth_token=" + url.QueryEscape(at), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(t, c.url, c.bearer)
			var m map[string]any
			_ = json.Unmarshal([]byte(body), &m)
			if resp.StatusCode != 200 || m["sub"] != wantID || m["preferred_username"] != "alice@devorg.example" {
				t.Errorf("wanted 200 with sub %s, got %d %s", wantID, resp.StatusCode, body)
			}
		})
	}
	t.Run("a bad token is 403 plain-text Bad_OAuth_Token", func(t *testing.T) {
		resp, body := get(t, e.srv.URL+userinfoPath, "00Dbad!token")
		if resp.StatusCode != 403 || body != "Bad_OAuth_Token" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("wanted 403 text/plain Bad_OAuth_Token, got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("the identity URL answers for the token's user (its path, on the org)", func(t *testing.T) {
		onOrg := e.srv.URL + strings.TrimPrefix(wantID, ProductionLoginHost)
		resp, body := get(t, onOrg, at)
		if resp.StatusCode != 200 || !strings.Contains(body, `"username":"alice@devorg.example"`) {
			t.Errorf("wanted the identity document, got %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, onOrg, "")
		if resp.StatusCode != 403 || body != "Missing_OAuth_Token" {
			t.Errorf("wanted 403 Missing_OAuth_Token without a token, got %d %q", resp.StatusCode, body)
		}
	})
}

func TestItem26SingleAccessErrors(t *testing.T) {
	e := newEnv(t, nil)
	web := e.tokens("web api")["access_token"].(string)
	apiOnly := e.tokens("api")["access_token"].(string)
	// an API-only user's web token
	code, verifier := func() (string, string) {
		v, ch := pkcePair()
		loc := e.signIn(e.browser(), e.authorizeURL(map[string]string{"code_challenge": ch, "scope": "web"}), "api@devorg.example", "api")
		return loc.Query().Get("code"), v
	}()
	_, apiUserBody := e.post(tokenPath, codeForm(code, verifier))
	apiUserToken, _ := apiUserBody["access_token"].(string)
	cases := []struct {
		name   string
		token  string
		form   url.Values
		status int
		word   string
	}{
		{"no token is Missing_OAuth_Token", "", nil, 401, "Missing_OAuth_Token"},
		{"an unknown token is Bad_OAuth_Token", "00Dnope!x", nil, 403, "Bad_OAuth_Token"},
		{"a token without web or full is Invalid_Scope", apiOnly, nil, 403, "Invalid_Scope"},
		{"an absolute redirect_uri is Invalid_Param", web, url.Values{"redirect_uri": {"https://evil.test/"}}, 400, "Invalid_Param"},
		{"a scheme-relative redirect_uri is Invalid_Param", web, url.Values{"redirect_uri": {"//evil.test/"}}, 400, "Invalid_Param"},
		{"an API-only user is refused", apiUserToken, nil, 403, "No_Access"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.bridge(singleAccessPath, c.token, c.form)
			if resp.StatusCode != c.status || body != c.word {
				t.Errorf("wanted %d %q, got %d %q", c.status, c.word, resp.StatusCode, body)
			}
			if resp.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("wanted no CORS header on singleaccess")
			}
		})
	}
	t.Run("the token also works as the access_token form field and over GET", func(t *testing.T) {
		resp, body := e.bridge(singleAccessPath, "", url.Values{"access_token": {web}})
		if resp.StatusCode != 200 {
			t.Errorf("POST form: wanted 200, got %d %s", resp.StatusCode, body)
		}
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+singleAccessPath, nil)
		req.Header.Set("Authorization", "Bearer "+web)
		r2, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := readBody(t, r2); r2.StatusCode != 200 {
			t.Errorf("GET: wanted 200, got %d %s", r2.StatusCode, b)
		}
	})
}

func frontdoorURI(t *testing.T, body string) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(body), &m); err != nil || m["frontdoor_uri"] == "" {
		t.Fatalf(`wanted {"frontdoor_uri":…}, got %s`, body)
	}
	return m["frontdoor_uri"]
}

func TestItem27SingleAccessSuccess(t *testing.T) {
	e := newEnv(t, nil)
	web := e.tokens("web api")["access_token"].(string)
	resp, body := e.bridge(singleAccessPath, web, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("wanted 200 JSON, got %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	fd, _ := url.Parse(frontdoorURI(t, body))
	if fd.Scheme+"://"+fd.Host+fd.Path != e.srv.URL+frontdoorPath || fd.Query().Get("otp") == "" {
		t.Errorf("wanted %s%s?otp=…, got %s", e.srv.URL, frontdoorPath, fd)
	}
	if e.org.Count("singleaccess") != 1 {
		t.Errorf("wanted the singleaccess counter at 1, got %d", e.org.Count("singleaccess"))
	}
}

func TestItem28LightningOutSingleAccess(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.LOApps = append(c.LOApps, LOApp{ID: "1Usdevorg000000BBB", Name: "off", Enabled: false})
	})
	web := e.tokens("web api")["access_token"].(string)
	cases := []struct {
		name, appID string
		status      int
	}{
		{"an enabled app gets a frontdoor URL", DefaultLOAppID, 200},
		{"a disabled app is refused", "1Usdevorg000000BBB", 403},
		{"an unknown app is refused", "1Usnope0000000AAA", 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := e.bridge(loSingleAccessPath, "", url.Values{"access_token": {web}, "lightning_out_app_id": {c.appID}})
			if resp.StatusCode != c.status {
				t.Fatalf("wanted %d, got %d %s", c.status, resp.StatusCode, body)
			}
			if c.status == 200 {
				frontdoorURI(t, body)
			}
		})
	}
}

func TestItem29Frontdoor(t *testing.T) {
	e := newEnv(t, nil)
	web := e.tokens("web api")["access_token"].(string)
	fresh := func() string {
		_, body := e.bridge(singleAccessPath, web, nil)
		return frontdoorURI(t, body)
	}
	t.Run("first use sets sid and redirects to a relative startURL", func(t *testing.T) {
		c := e.browser()
		start := "/lightning/lightning.out.auth.html?parentElementId=x&loAppOrigin=http%3A%2F%2Flocalhost%3A8080"
		resp, err := c.Get(fresh() + "&startURL=" + url.QueryEscape(start))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 302 || resp.Header.Get("Location") != e.srv.URL+start {
			t.Errorf("wanted 302 to %s%s, got %d %q", e.srv.URL, start, resp.StatusCode, resp.Header.Get("Location"))
		}
		sid := cookieNamed(resp, "sid")
		if sid == nil || !sid.Secure || !sid.HttpOnly || sid.SameSite != http.SameSiteNoneMode {
			t.Errorf("wanted sid Secure HttpOnly SameSite=None, got %v", sid)
		}
	})
	t.Run("an absolute startURL is ignored", func(t *testing.T) {
		resp, _ := e.browser().Get(fresh() + "&startURL=" + url.QueryEscape("https://evil.test/"))
		resp.Body.Close()
		if resp.Header.Get("Location") != e.srv.URL+"/" {
			t.Errorf("wanted a redirect to the org home, got %q", resp.Header.Get("Location"))
		}
	})
	t.Run("the classic sid form works", func(t *testing.T) {
		resp, _ := e.browser().Get(e.srv.URL + frontdoorPath + "?sid=" + url.QueryEscape(web) + "&retURL=%2Fhome")
		resp.Body.Close()
		if resp.StatusCode != 302 || cookieNamed(resp, "sid") == nil || resp.Header.Get("Location") != e.srv.URL+"/home" {
			t.Errorf("wanted a session and a redirect to /home, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("logout.jsp clears the session", func(t *testing.T) {
		c := e.browser()
		resp, _ := c.Get(fresh())
		resp.Body.Close()
		resp, _ = c.Get(e.srv.URL + logoutPath)
		resp.Body.Close()
		if sid := cookieNamed(resp, "sid"); sid == nil || sid.MaxAge >= 0 {
			t.Errorf("wanted the sid cookie cleared, got %v", sid)
		}
		resp, _ = c.Get(e.srv.URL + "/")
		if body := readBody(t, resp); !strings.Contains(body, `id="login_form"`) {
			t.Errorf("wanted the login page after logout")
		}
	})
}

func TestFrontdoorURLWorksExactlyOnceAndNotAfterItsLifetime(t *testing.T) {
	e := newEnv(t, nil)
	web := e.tokens("web api")["access_token"].(string)
	mint := func() string {
		_, body := e.bridge(singleAccessPath, web, nil)
		return frontdoorURI(t, body)
	}
	visit := func(u string) *http.Response {
		resp, err := e.browser().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	fd := mint()
	if resp := visit(fd); resp.StatusCode != 302 || cookieNamed(resp, "sid") == nil {
		t.Fatalf("first use: wanted 302 with a session, got %d", resp.StatusCode)
	}
	if resp := visit(fd); resp.StatusCode != 200 || (cookieNamed(resp, "sid") != nil && cookieNamed(resp, "sid").Value != "") {
		t.Errorf("second use: wanted the login page (200) and no session, got %d", resp.StatusCode)
	}
	late := mint()
	e.clock.Advance(61 * time.Second)
	if resp := visit(late); resp.StatusCode != 200 || (cookieNamed(resp, "sid") != nil && cookieNamed(resp, "sid").Value != "") {
		t.Errorf("after 61s: wanted the login page and no session, got %d", resp.StatusCode)
	}
	if resp := visit(e.srv.URL + frontdoorPath + "?otp=unknown"); resp.StatusCode != 200 {
		t.Errorf("unknown otp: wanted the login page, got %d", resp.StatusCode)
	}
}

func TestItem38OneErrorTable(t *testing.T) {
	t.Run("every failure has a reply with a word", func(t *testing.T) {
		for f, r := range Replies {
			if r.Error == "" && f != AuthzInvalidCredentialsUI {
				t.Errorf("wanted an error word for %q, got none", f)
			}
		}
	})
	t.Run("an override changes what the org answers", func(t *testing.T) {
		e := newEnv(t, func(c *Config) {
			c.Assumptions.ReplyOverrides = map[Failure]Reply{BridgeMissingToken: {Status: 403, Error: "Missing_OAuth_Token"}}
		})
		resp, body := e.bridge(singleAccessPath, "", nil)
		if resp.StatusCode != 403 || body != "Missing_OAuth_Token" {
			t.Errorf("wanted the overridden 403, got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("UIBridgeJSONErrors switches the word to a JSON body", func(t *testing.T) {
		e := newEnv(t, func(c *Config) { c.Assumptions.UIBridgeJSONErrors = true })
		resp, body := e.bridge(singleAccessPath, "00Dbad!x", nil)
		if resp.StatusCode != 403 || strings.TrimSpace(body) != `{"error":"Bad_OAuth_Token"}` {
			t.Errorf(`wanted 403 {"error":"Bad_OAuth_Token"}, got %d %q`, resp.StatusCode, body)
		}
	})
}

func TestItem39OrgOnAnotherSite(t *testing.T) {
	// The test server listens on 127.0.0.1 while the gateway's site is localhost: the
	// org must name itself by its own origin everywhere and its session cookie must be
	// usable cross-site (Secure; SameSite=None).
	e := newEnv(t, nil)
	if !strings.HasPrefix(e.srv.URL, "http://127.0.0.1:") {
		t.Fatalf("wanted the org on 127.0.0.1, got %s", e.srv.URL)
	}
	web := e.tokens("web api")["access_token"].(string)
	_, body := e.bridge(singleAccessPath, web, nil)
	if fd := frontdoorURI(t, body); !strings.HasPrefix(fd, e.srv.URL+"/") {
		t.Errorf("wanted the frontdoor URL on the org's origin, got %s", fd)
	}
	e.org.SetOrigin("http://127.0.0.1.nip.test:1234")
	resp, _ := http.Get(e.srv.URL + discoveryPath)
	var doc map[string]any
	_ = json.Unmarshal([]byte(readBody(t, resp)), &doc)
	if doc["issuer"] != "http://127.0.0.1.nip.test:1234" {
		t.Errorf("wanted the issuer to follow SetOrigin, got %v", doc["issuer"])
	}
}
