package doctor

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
)

func sampleReport() *Report {
	return &Report{Time: time.Unix(1700000000, 0), Sites: []SiteReport{{URL: "https://www.example.com", Org: "https://acme.my.salesforce.com",
		Results: []Result{
			{Check: CheckConsumerKey, Status: OK, Detail: "known"},
			{Check: CheckCallbackURL, Status: Fail, Detail: "redirect_uri_mismatch", Fix: "Setup → External Client App Manager → Callback URL"},
			{Check: CheckACCSDK, Status: Skip, Detail: "native"},
		}}}}
}

func TestHandlerRunsOncePerMaxAge(t *testing.T) {
	var runs atomic.Int32
	c := &cachedRun{maxAge: time.Minute, run: func(context.Context) (*Report, error) {
		runs.Add(1)
		time.Sleep(20 * time.Millisecond) // long enough for the others to queue
		return sampleReport(), nil
	}}
	now := time.Unix(1700000000, 0)
	var mu sync.Mutex
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }

	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = c.get(context.Background()) }()
	}
	wg.Wait()
	if n := runs.Load(); n != 1 {
		t.Fatalf("8 concurrent requests ran the checks %d times, want 1", n)
	}
	mu.Lock()
	now = now.Add(59 * time.Second)
	mu.Unlock()
	_, _ = c.get(context.Background())
	if n := runs.Load(); n != 1 {
		t.Fatalf("a request within max age ran the checks again (%d runs)", n)
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	_, _ = c.get(context.Background())
	if n := runs.Load(); n != 2 {
		t.Fatalf("a request after max age: %d runs, want 2", n)
	}
}

func TestHandlerFormats(t *testing.T) {
	h := Handler(func(context.Context) (*Report, error) { return sampleReport(), nil }, time.Minute)
	cases := []struct {
		name, target, method string
		status               int
		wants                []string
	}{
		{"Prometheus text by default, skipped checks left out", "/doctor", http.MethodGet, 200, []string{
			`logateway_doctor_check_ok{check="callback_url",site="https://www.example.com"} 0`,
			`logateway_doctor_check_ok{check="consumer_key",site="https://www.example.com"} 1`,
			`logateway_doctor_failed_checks{site="https://www.example.com"} 1`,
			`logateway_doctor_last_run_timestamp_seconds 1.7e+09`,
		}},
		{"the report as text", "/doctor?format=text", http.MethodGet, 200, []string{
			"FAIL  callback_url     redirect_uri_mismatch — fix: Setup → External Client App Manager → Callback URL", "1 check failed."}},
		{"the report as JSON", "/doctor?format=json", http.MethodGet, 200, []string{`"failures": 1`, `"fix": "Setup → External Client App Manager → Callback URL"`}},
		{"only reads", "/doctor", http.MethodPost, 405, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.target, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			for _, w := range tc.wants {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("body lacks %q:\n%s", w, rec.Body.String())
				}
			}
			if tc.status == 200 && strings.Contains(rec.Body.String(), `check="acc_sdk"`) {
				t.Error("a skipped check was reported as a metric")
			}
		})
	}
}

func TestCSPAllows(t *testing.T) {
	page := "https://www.example.com/__lo/embed"
	cases := []struct {
		csp, dir, target string
		want             bool
	}{
		{"script-src 'self' https://acme.my.salesforce.com", "script-src", "https://acme.my.salesforce.com/lightning/x.js", true},
		{"script-src 'self' https://acme.my.salesforce.com", "script-src", "https://acme.lightning.force.com/x.js", false},
		{"script-src 'self'", "script-src", "https://www.example.com/__lo/static/acc.js", true},
		{"default-src 'self'", "script-src", "https://cdn.example.net/sdk.js", false},
		{"default-src 'self'; script-src https://*.my.salesforce.com", "script-src", "https://acme.my.salesforce.com/a.js", true},
		{"script-src https://*.my.salesforce.com", "script-src", "https://my.salesforce.com/a.js", false},
		{"script-src https:", "script-src", "https://anything.example/a.js", true},
		{"script-src http://127.0.0.1:8081", "script-src", "http://127.0.0.1:8081/a.js", true},
		{"script-src http://127.0.0.1:8081", "script-src", "http://127.0.0.1:8082/a.js", false},
		{"script-src https://cdn.example.net/sdk/", "script-src", "https://cdn.example.net/sdk/v1.js", true},
		{"script-src https://cdn.example.net/sdk.js", "script-src", "https://cdn.example.net/other.js", false},
		{"script-src 'nonce-abc'", "script-src", "https://www.example.com/a.js", false},
		{"frame-src https://acme.my.salesforce.com", "frame-src", "https://acme.my.salesforce.com", true},
		{"img-src 'self'", "frame-src", "https://acme.my.salesforce.com", true},
	}
	for _, tc := range cases {
		if got := parseCSP(tc.csp).allows(tc.dir, tc.target, page); got != tc.want {
			t.Errorf("%q %s %s: allowed=%v, want %v", tc.csp, tc.dir, tc.target, got, tc.want)
		}
	}
}

// TestAuthorizeAnswerShapes reads the ways an org may answer the authorize
// request that the emulated org does not use: the sign-in page reached by a
// redirect, and the error page reached through the login page's startURL.
func TestAuthorizeAnswerShapes(t *testing.T) {
	var location string
	org := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if location == "" {
			_, _ = w.Write([]byte("<html>login</html>"))
			return
		}
		http.Redirect(w, r, location, http.StatusFound)
	}))
	defer org.Close()
	cfg := &config.Config{Sites: []config.Site{{URL: "https://www.example.com",
		Org:    config.Org{MyDomain: org.URL, LoginURL: org.URL},
		ECA:    config.ECA{ClientID: "3MVG9x", CallbackPath: "/callback.html", Scopes: []string{"web"}},
		Signin: config.Signin{Flow: "web-server"}}}}
	cases := []struct {
		name, location string
		want           map[string]Status
	}{
		{"the sign-in page itself", "", map[string]Status{CheckConsumerKey: OK, CheckCallbackURL: OK, CheckScopes: OK}},
		{"a redirect to the sign-in page", "/?ec=302&startURL=%2Fsetup%2Fsecur%2FRemoteAccessAuthorizationPage.apexp%3Fsource%3Dabc",
			map[string]Status{CheckConsumerKey: OK, CheckCallbackURL: OK, CheckScopes: OK}},
		{"the error page through startURL", "/?startURL=" + url.QueryEscape(remoteAccessErrorPath+"?error=redirect_uri_mismatch&error_description=redirect_uri+must+match+configuration"),
			map[string]Status{CheckConsumerKey: OK, CheckCallbackURL: Fail, CheckScopes: Skip}},
		{"the error page for an unknown client", remoteAccessErrorPath + "?error=invalid_client_id&error_description=client+identifier+invalid",
			map[string]Status{CheckConsumerKey: Fail, CheckCallbackURL: Skip, CheckScopes: Skip}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			location = tc.location
			d := newSiteDoctor(cfg, 0, Options{HTTP: org.Client(), Now: time.Now})
			d.orgReachable = true
			d.checkAuthorize(context.Background())
			for check, want := range tc.want {
				if got := d.results[check]; got.Status != want {
					t.Errorf("%s: %s (%s), want %s", check, got.Status, got.Detail, want)
				}
			}
		})
	}
}
