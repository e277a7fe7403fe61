package salesforce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// This file holds the small org stand-in the tests talk to: an httptest server
// whose answers copy the bodies of docs/salesforce.md verbatim.

const (
	testClientID     = "3MVG9testconsumerkey"
	testClientSecret = "consumer-secret-0123456789"
	testOrgID        = "00D5g000004abcdEAA"
	testUserID       = "0055g00000XyZabAAB"
	testAccessToken  = "00D5g000004abcd!AQ0AQsecretaccesstokenvalue"
	testRefreshToken = "5Aep861secretrefreshtokenvalue"
	testIssuedAt     = "1712345678901"
)

// recorded is one request the stand-in saw.
type recorded struct {
	Method, Path, Authorization, ContentType string
	Form                                     url.Values
}

// org is a scripted Salesforce org: routes map "METHOD path" to a handler,
// and every request is recorded for the test to inspect.
type org struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	seen   []recorded
	routes map[string]http.HandlerFunc
}

func newOrg(t *testing.T) *org {
	t.Helper()
	o := &org{t: t, routes: map[string]http.HandlerFunc{}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		o.mu.Lock()
		o.seen = append(o.seen, recorded{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), form})
		h := o.routes[r.Method+" "+r.URL.Path]
		o.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		r.Form = form
		h(w, r)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *org) handle(route string, h http.HandlerFunc) {
	o.mu.Lock()
	o.routes[route] = h
	o.mu.Unlock()
}

func (o *org) requests() []recorded {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]recorded(nil), o.seen...)
}

func (o *org) client() *Client {
	return &Client{HTTP: o.srv.Client(), BaseURL: o.srv.URL, ClientID: testClientID, ClientSecret: testClientSecret}
}

func (o *org) identityURL() string { return o.srv.URL + "/id/" + testOrgID + "/" + testUserID }

// jsonAnswer writes body with the headers Salesforce sends on token answers.
func jsonAnswer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// textAnswer writes a bare word, as the identity and UI Bridge endpoints do.
func textAnswer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// sign computes the token answer's signature as the org does (docs/salesforce.md §1.4).
func sign(secret, id, issuedAt string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(id + issuedAt))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// webServerTokenBody is a full authorization-code answer (docs/salesforce.md §1.4).
func (o *org) webServerTokenBody() string {
	b, _ := json.Marshal(map[string]string{
		"access_token":  testAccessToken,
		"refresh_token": testRefreshToken,
		"signature":     sign(testClientSecret, o.identityURL(), testIssuedAt),
		"scope":         "web openid refresh_token",
		"id_token":      "eyJhbGciOiJSUzI1NiJ9.e30.sig",
		"instance_url":  o.srv.URL,
		"id":            o.identityURL(),
		"token_type":    "Bearer",
		"issued_at":     testIssuedAt,
	})
	return string(b)
}

// assertNoSecret fails when s contains any of the test secrets.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range []string{testClientSecret, testAccessToken, testRefreshToken, "otp=secret"} {
		if strings.Contains(s, sec) {
			t.Errorf("%s leaks a secret: wanted no %q in %q", what, sec, s)
		}
	}
}
