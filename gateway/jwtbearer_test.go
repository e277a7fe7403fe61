package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/internal/testidp"
)

// The company IdP's users. Their email's local part plus the org's domain is
// their Salesforce username, except dana, whom the lookup table maps to alice.
var jbUsers = []testidp.User{
	{Username: "alice", Password: "pw-alice", Email: "alice@corp.example", Name: "Alice Adams"},
	{Username: "bob", Password: "pw-bob", Email: "bob@corp.example", Name: "Bob Baker"},     // in the org, not pre-authorized
	{Username: "carol", Password: "pw-carol", Email: "carol@corp.example", Name: "Carol C"}, // unknown to the org
	{Username: "dana", Password: "pw-dana", Email: "Dana.S@corp.example", Name: "Dana S"},   // mapped by username_map
}

const (
	jbIdPClient = "logateway-at-corp"
	jbIdPSecret = "corp-idp-secret-for-tests"
)

// jbKeyPair writes a fresh key (0600) and certificate into dir.
func jbKeyPair(t *testing.T, dir, name string) (keyFile, certPEM string) {
	t.Helper()
	keyPEM, cert, err := salesforce.GenerateKeyPair("logateway-test", 24*time.Hour, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(dir, name+".key")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, string(cert)
}

// jbLogBuffer is a log sink the gateway's goroutines and the test share.
type jbLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *jbLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *jbLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type jbOptions struct {
	orgCertPEM     string        // the certificate uploaded to the ECA; default the gateway key's
	audience       string        // signin.jwt.audience; default the org's origin (My Domain)
	maxLifetime    time.Duration // the org's JWT exp limit; default 3m
	sessionTimeout time.Duration // org.session_timeout; default 2h
	relays         []config.APIRoute
	runAs          string // client credentials Run As user; "" leaves the flow off
	orgType        string // devorg.OrgProduction (default) or devorg.OrgSandbox
	jwtDisabled    bool   // the ECA's JWT Bearer flow is off
}

type jbSetup struct {
	env  *harness.Env
	idp  *testidp.Provider
	logs *jbLogBuffer
}

// startJWT runs the emulated org (ECA with JWT bearer, admin-approved, alice
// assigned), a company IdP that is not the org, and a jwt-bearer gateway site.
func startJWT(t *testing.T, o jbOptions) *jbSetup {
	t.Helper()
	dir := t.TempDir()
	keyFile, certPEM := jbKeyPair(t, dir, "gateway")
	if o.orgCertPEM == "" {
		o.orgCertPEM = certPEM
	}
	js := &jbSetup{logs: &jbLogBuffer{}}
	js.env = harness.Start(t, harness.Options{
		Logger: slog.New(slog.NewTextHandler(js.logs, nil)),
		OrgConfig: func(oc *devorg.Config) {
			app := &oc.Apps[0]
			app.JWTBearer = !o.jwtDisabled
			app.CertificatePEM = o.orgCertPEM
			app.PermittedUsers = devorg.AdminApproved
			app.AssignedUsernames = []string{harness.AliceUser}
			if o.runAs != "" {
				app.ClientCredentials = true
				app.RunAsUsername = o.runAs
			}
			if o.maxLifetime != 0 {
				oc.Assumptions.JWTMaxLifetime = o.maxLifetime
			}
			oc.OrgType = o.orgType
		},
		Config: func(c *config.Config) {
			sc := &c.Sites[0]
			// The IdP must know the gateway's callback, which exists only now.
			js.idp = testidp.Start(t, []testidp.Client{{ID: jbIdPClient, Secret: jbIdPSecret,
				RedirectURIs: []string{sc.URL + sc.ECA.CallbackPath}}}, jbUsers)
			sc.Signin.Flow = "jwt-bearer"
			sc.Signin.IdP = config.IdP{
				Issuer: js.idp.Issuer, ClientID: jbIdPClient, ClientSecret: jbIdPSecret, Secret: jbIdPSecret,
				UsernameClaim: "email", UsernameTemplate: "{{local}}@devorg.example",
				UsernameMap: map[string]string{"dana.s@corp.example": harness.AliceUser},
			}
			sc.Signin.JWT = config.JWTAuth{KeyFile: keyFile, Audience: jbFirst(o.audience, sc.Org.MyDomain)}
			if o.sessionTimeout != 0 {
				sc.Org.SessionTimeout = config.Duration(o.sessionTimeout)
				sc.Org.RefreshMargin = config.Duration(o.sessionTimeout / 4)
				sc.LightningOut.RemintInterval = config.Duration(o.sessionTimeout / 2)
			}
			sc.APIRelay = o.relays
		},
	})
	return js
}

func jbFirst(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// signIn goes from the gateway's /__lo/login through the IdP's login form and
// back to the callback, and returns the gateway's answer to the callback
// (redirects within the gateway followed, body read).
func (js *jbSetup) signIn(t *testing.T, c *http.Client, user, password, rd string) (*http.Response, string) {
	t.Helper()
	resp, err := noFollow(c).Get(js.env.URL + "/__lo/login?rd=" + url.QueryEscape(rd))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authorize := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(authorize, js.idp.Issuer) {
		t.Fatalf("GET /__lo/login: wanted a 302 to the IdP %s, got %d to %q", js.idp.Issuer, resp.StatusCode, authorize)
	}
	q, _ := url.Parse(authorize)
	for _, p := range []string{"code_challenge", "nonce", "state"} {
		if q.Query().Get(p) == "" {
			t.Fatalf("authorize request to the IdP lacks %s: %s", p, q.Query().Encode())
		}
	}
	if m := q.Query().Get("code_challenge_method"); m != "S256" {
		t.Fatalf("authorize request: code_challenge_method %q, want S256", m)
	}
	cb := js.idp.LoginAs(t, nil, authorize, user, password)
	if !strings.HasPrefix(cb, js.env.URL+"/callback.html?") {
		t.Fatalf("the IdP sent the browser to %q, want the gateway's callback", cb)
	}
	resp, err = c.Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// frontdoorURL asks the gateway for a frontdoor URL as the embed page does.
func jbFrontdoor(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/__lo/frontdoor", nil)
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		FrontdoorURL string `json:"frontdoorUrl"`
		Error        string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&v)
	if resp.StatusCode != http.StatusOK || v.FrontdoorURL == "" {
		t.Fatalf("POST /__lo/frontdoor: wanted 200 with a frontdoorUrl, got %d (error %q)", resp.StatusCode, v.Error)
	}
	return v.FrontdoorURL
}

// orgAccepts opens a frontdoor URL in a fresh browser and reports the org's
// home page line naming the signed-in user.
func jbOrgAccepts(t *testing.T, env *harness.Env, fd string) string {
	t.Helper()
	if !strings.HasPrefix(fd, env.OrgURL+"/secur/frontdoor.jsp?") {
		t.Fatalf("frontdoor URL %q is not the org's frontdoor.jsp", strings.SplitN(fd, "?", 2)[0])
	}
	resp, err := harness.Client().Get(fd)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`You are signed in to this org as ([^ <]+)\.`).FindStringSubmatch(string(body))
	if m == nil {
		t.Fatalf("the org did not accept the frontdoor URL: status %d at %s, no signed-in line", resp.StatusCode, resp.Request.URL.Path)
	}
	return m[1]
}

func TestJWTBearerSignInThroughTheCompanyIdP(t *testing.T) {
	js := startJWT(t, jbOptions{})
	c := harness.Client()
	resp, body := js.signIn(t, c, "alice", "pw-alice", "/__lo/embed")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/__lo/embed" {
		t.Fatalf("after sign-in: wanted 200 at /__lo/embed, got %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	if !strings.Contains(body, "Alice Adams") {
		t.Errorf("the embed page does not show the signed-in visitor Alice Adams")
	}
	si := getSession(t, c, js.env.URL)
	if !si.SignedIn || si.DisplayName != "Alice Adams" || si.UserID != "005devorg00000AAAA" {
		t.Fatalf("session = %+v, want Alice Adams as the org's user 005devorg00000AAAA", si)
	}
	rec := sessionRecord(t, js.env, cookieValue(c, js.env.URL, "lo_session"))
	if rec.Tokens.Flow != "jwt-bearer" || rec.Tokens.RefreshToken != "" || rec.Identity.Username != harness.AliceUser {
		t.Fatalf("session record: flow %q, refresh token set %v, username %q; want jwt-bearer, none, %s",
			rec.Tokens.Flow, rec.Tokens.RefreshToken != "", rec.Identity.Username, harness.AliceUser)
	}
	if n := js.env.Org.Count("token:jwt_bearer"); n != 1 {
		t.Errorf("JWT bearer calls at the org = %d, want 1", n)
	}
	if n := js.env.Org.Count("authorize"); n != 0 {
		t.Errorf("the org's authorize page was used %d times; the visitor should only meet the company IdP", n)
	}
	if got := jbOrgAccepts(t, js.env, jbFrontdoor(t, c, js.env.URL)); got != harness.AliceUser {
		t.Fatalf("frontdoor signed the browser in as %q, want %s", got, harness.AliceUser)
	}
	for _, secret := range []string{rec.Tokens.AccessToken, jbIdPSecret} {
		if strings.Contains(js.logs.String(), secret) {
			t.Fatal("a token or the IdP secret appears in the gateway log")
		}
	}
}

func TestJWTBearerUsernameLookupTable(t *testing.T) {
	js := startJWT(t, jbOptions{})
	c := harness.Client()
	resp, _ := js.signIn(t, c, "dana", "pw-dana", "/__lo/embed")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dana (mapped by username_map, case-insensitively) got %d, want 200", resp.StatusCode)
	}
	if got := jbOrgAccepts(t, js.env, jbFrontdoor(t, c, js.env.URL)); got != harness.AliceUser {
		t.Fatalf("dana's frontdoor signed in as %q, want the mapped %s", got, harness.AliceUser)
	}
}

func TestJWTBearerRefusedUsersSeeAPolitePageAndTheLogNamesTheFix(t *testing.T) {
	js := startJWT(t, jbOptions{})
	for _, tc := range []struct {
		name, user, password, logWants string
	}{
		{"a user in the org but not pre-authorized is told they are not allowed", "bob", "pw-bob",
			"Permitted Users"},
		{"a user the org does not know is told they are not allowed", "carol", "pw-carol",
			"username_claim / username_map"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := harness.Client()
			resp, body := js.signIn(t, c, tc.user, tc.password, "/__lo/embed")
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status %d, want 403", resp.StatusCode)
			}
			if !strings.Contains(body, "You are not allowed to use this app") {
				t.Errorf("page lacks the polite heading; got %.300s", body)
			}
			for _, leak := range []string{"invalid_grant", "invalid_app_access", "Permitted Users", "ECA"} {
				if strings.Contains(body, leak) {
					t.Errorf("the visitor's page shows the admin detail %q", leak)
				}
			}
			rid := resp.Header.Get("X-Request-Id")
			if rid == "" || !strings.Contains(body, rid) {
				t.Errorf("page should show the request id %q the log carries", rid)
			}
			line := jbLogLine(js.logs.String(), "rid="+rid)
			if !strings.Contains(line, "You are not allowed to use this app") || !strings.Contains(line, tc.logWants) {
				t.Errorf("log line for rid %s lacks the admin fix %q: %s", rid, tc.logWants, line)
			}
			if si := getSession(t, c, js.env.URL); si.SignedIn {
				t.Error("a refused visitor is signed in")
			}
		})
	}
}

// logLine finds the log line containing marker.
func jbLogLine(logs, marker string) string {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, marker) && strings.Contains(l, "fix=") {
			return l
		}
	}
	return ""
}

func TestJWTBearerOrgRefusalsNameTheSettingToFix(t *testing.T) {
	_, otherCert := jbKeyPair(t, t.TempDir(), "other") // the ECA holds a certificate of another key
	for _, tc := range []struct {
		name     string
		opts     jbOptions
		logWants string
	}{
		{"a certificate that does not match the key names the ECA upload and key_file",
			jbOptions{orgCertPEM: otherCert}, "signin.jwt.key_file"},
		{"an audience the org refuses names signin.jwt.audience",
			jbOptions{audience: "https://login.example.invalid"}, "set signin.jwt.audience"},
		{"an assertion the org finds expired names the clock, not a reused code",
			jbOptions{maxLifetime: time.Minute}, "check this machine's clock (NTP)"},
		{"a JWT Bearer flow that is off in the ECA says to enable it",
			jbOptions{jwtDisabled: true}, "enable the JWT Bearer flow in the ECA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := startJWT(t, tc.opts)
			c := harness.Client()
			resp, body := js.signIn(t, c, "alice", "pw-alice", "/__lo/embed")
			if resp.StatusCode != http.StatusBadGateway {
				t.Fatalf("status %d, want 502 (the org refused the gateway, not the visitor)", resp.StatusCode)
			}
			if strings.Contains(body, "already used") {
				t.Error("the visitor is told the sign-in link was used; the assertion's expiry is an admin matter")
			}
			rid := resp.Header.Get("X-Request-Id")
			if rid == "" || !strings.Contains(body, rid) {
				t.Errorf("page should show the request id %q", rid)
			}
			if line := jbLogLine(js.logs.String(), "rid="+rid); !strings.Contains(line, tc.logWants) {
				t.Errorf("log line lacks %q: %s", tc.logWants, line)
			}
		})
	}
}

func TestJWTBearerMintsAgainWhenTheTokenExpires(t *testing.T) {
	js := startJWT(t, jbOptions{sessionTimeout: 2 * time.Second})
	c := harness.Client()
	if resp, _ := js.signIn(t, c, "alice", "pw-alice", "/__lo/embed"); resp.StatusCode != http.StatusOK {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	first := sessionRecord(t, js.env, cookieValue(c, js.env.URL, "lo_session")).Tokens.AccessToken

	t.Run("a token known to expire is minted again before use", func(t *testing.T) {
		time.Sleep(1600 * time.Millisecond) // past expiry minus the 500ms margin
		js.env.Org.ResetCounts()
		jbOrgAccepts(t, js.env, jbFrontdoor(t, c, js.env.URL))
		if n := js.env.Org.Count("token:jwt_bearer"); n != 1 {
			t.Fatalf("JWT bearer calls = %d, want 1", n)
		}
		if n := js.env.Org.Count("token:refresh_token"); n != 0 {
			t.Fatalf("refresh_token calls = %d; this flow has no refresh token", n)
		}
		if now := sessionRecord(t, js.env, cookieValue(c, js.env.URL, "lo_session")).Tokens.AccessToken; now == first {
			t.Fatal("the session still holds the first access token")
		}
	})
	t.Run("a token the org ended early is minted again once", func(t *testing.T) {
		js.env.Org.ExpireSessions()
		js.env.Org.ResetCounts()
		jbOrgAccepts(t, js.env, jbFrontdoor(t, c, js.env.URL))
		if n := js.env.Org.Count("token:jwt_bearer"); n != 1 {
			t.Fatalf("JWT bearer calls = %d, want 1", n)
		}
	})
}
