package devorg

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const testCallback = "https://gw.example.test/callback.html"

// testClock lets tests move the org's time.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	t     *testing.T
	org   *Org
	srv   *httptest.Server
	clock *testClock
}

// newEnv starts an org over real HTTP on 127.0.0.1 with DefaultConfig, after mutate.
func newEnv(t *testing.T, mutate func(*Config)) *env {
	t.Helper()
	cfg := DefaultConfig("", []string{testCallback}, []string{"http://localhost:8080"})
	if mutate != nil {
		mutate(&cfg)
	}
	org, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	clock := &testClock{t: time.Now()}
	org.now = clock.Now
	srv := httptest.NewServer(org)
	t.Cleanup(srv.Close)
	org.SetOrigin(srv.URL)
	return &env{t: t, org: org, srv: srv, clock: clock}
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func pkcePair() (verifier, challenge string) {
	verifier = base64.RawURLEncoding.EncodeToString(randomBytes(40))
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorizeURL builds an authorize request; params override the defaults.
func (e *env) authorizeURL(params map[string]string) string {
	v := url.Values{"response_type": {"code"}, "client_id": {DefaultClientID}, "redirect_uri": {testCallback},
		"state": {"st+/=ate"}, "scope": {"web api openid refresh_token"}}
	for k, val := range params {
		if val == "" {
			v.Del(k)
		} else {
			v.Set(k, val)
		}
	}
	return e.srv.URL + authorizePath + "?" + v.Encode()
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formFields reads the hidden fields of an org page.
func formFields(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

// signIn drives the sign-in form (and the consent page when it shows) and returns the
// final redirect location.
func (e *env) signIn(c *http.Client, authorizeURL, username, password string) *url.URL {
	e.t.Helper()
	resp, err := c.Get(authorizeURL)
	if err != nil {
		e.t.Fatal(err)
	}
	for step := 0; step < 3; step++ {
		if resp.StatusCode == http.StatusFound {
			loc, err := resp.Location()
			if err != nil {
				e.t.Fatal(err)
			}
			resp.Body.Close()
			return loc
		}
		page := readBody(e.t, resp)
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("authorize: wanted a page or a redirect, got %d: %s", resp.StatusCode, page)
		}
		fields := formFields(page)
		switch {
		case strings.Contains(page, `id="login_form"`):
			fields.Set("username", username)
			fields.Set("pw", password)
		case strings.Contains(page, "Allow Access?"):
			fields.Set("devorg_action", "allow")
		default:
			e.t.Fatalf("authorize: unexpected page: %s", page)
		}
		resp, err = c.PostForm(e.srv.URL+authorizePath, fields)
		if err != nil {
			e.t.Fatal(err)
		}
	}
	e.t.Fatalf("authorize: no redirect after three steps")
	return nil
}

// code runs authorize as alice with PKCE and returns the code and its verifier.
func (e *env) code(params map[string]string) (code, verifier string) {
	e.t.Helper()
	verifier, challenge := pkcePair()
	p := map[string]string{"code_challenge": challenge, "code_challenge_method": "S256"}
	for k, v := range params {
		p[k] = v
	}
	loc := e.signIn(e.browser(), e.authorizeURL(p), "alice@devorg.example", "alice")
	code = loc.Query().Get("code")
	if code == "" {
		e.t.Fatalf("authorize: wanted ?code= on the redirect, got %s", loc)
	}
	return code, verifier
}

// post sends a form and decodes a JSON answer.
func (e *env) post(path string, form url.Values) (*http.Response, map[string]any) {
	e.t.Helper()
	resp, err := http.PostForm(e.srv.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	body := readBody(e.t, resp)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && body != "" {
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			e.t.Fatalf("%s: body is not JSON: %v: %s", path, err, body)
		}
	}
	return resp, m
}

// tokens exchanges a fresh code and returns the token response.
func (e *env) tokens(scope string) map[string]any {
	e.t.Helper()
	code, verifier := e.code(map[string]string{"scope": scope})
	resp, body := e.post(tokenPath, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "redirect_uri": {testCallback}, "code_verifier": {verifier}})
	if resp.StatusCode != 200 {
		e.t.Fatalf("token: wanted 200, got %d %v", resp.StatusCode, body)
	}
	return body
}

func wantOAuthError(t *testing.T, resp *http.Response, body map[string]any, status int, code, desc string) {
	t.Helper()
	if resp.StatusCode != status || body["error"] != code || body["error_description"] != desc {
		t.Errorf("wanted %d {error:%q, error_description:%q}, got %d %v", status, code, desc, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("wanted Content-Type application/json, got %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("wanted Cache-Control no-store, got %q", cc)
	}
}

// wantRedirectError checks an authorize error redirect to the client.
func wantRedirectError(t *testing.T, loc *url.URL, code, desc, state string) {
	t.Helper()
	q := loc.Query()
	base := loc.Scheme + "://" + loc.Host + loc.Path
	if base != testCallback || q.Get("error") != code || q.Get("error_description") != desc || q.Get("state") != state {
		t.Errorf("wanted redirect to %s?error=%s&error_description=%s&state=%s, got %s", testCallback, code, desc, state, loc)
	}
}

// testCert makes an RSA key and a self-signed certificate, as `openssl x509 -req` does.
func testCert(t *testing.T) (*rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "logateway test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}
