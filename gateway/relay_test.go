package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// relayed is what the org side of a relay received.
type relayed struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// relayRecorder stands in for an org API: it records each request and answers
// with a cookie and a header of its own.
type relayRecorder struct {
	mu  sync.Mutex
	got []relayed
	srv *httptest.Server
}

func newRelayRecorder(t *testing.T) *relayRecorder {
	rr := &relayRecorder{}
	rr.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rr.mu.Lock()
		rr.got = append(rr.got, relayed{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(b), Header: r.Header.Clone()})
		rr.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "org-browser-session"})
		w.Header().Set("X-Org-Answer", "yes")
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(rr.srv.Close)
	return rr
}

func (rr *relayRecorder) last(t *testing.T) relayed {
	t.Helper()
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if len(rr.got) == 0 {
		t.Fatal("the relay forwarded nothing to the org")
	}
	return rr.got[len(rr.got)-1]
}

func (rr *relayRecorder) count() int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return len(rr.got)
}

func relayGet(t *testing.T, c *http.Client, u string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestRelayForwardsOnlyTheVisitorsTokenNeverTheirCredentials(t *testing.T) {
	rr := newRelayRecorder(t)
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].IdentityHeaders.User = "X-Site-User"
		c.Sites[0].APIRelay = []config.APIRoute{{Prefix: "/__lo/api/", Target: rr.srv.URL + "/services/data", Identity: "visitor"}}
	}})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	rec := sessionRecord(t, env, cookieValue(c, env.URL, "lo_session"))

	resp, body := relayGet(t, c, env.URL+"/__lo/api/v65.0/query?q=SELECT+Id", map[string]string{
		"Authorization":    "Bearer visitor-supplied-token",
		"X-Forwarded-For":  "203.0.113.9",
		"X-Forwarded-Host": "evil.example",
		"X-Real-Ip":        "203.0.113.9",
		"Forwarded":        "for=203.0.113.9",
		"X-LO-CSRF":        "page-token",
		"X-Site-User":      "mallory@devorg.example",
		"Connection":       "X-Hop",
		"X-Hop":            "secret-hop",
		"OrgId":            "00Dxx0000001gPL", // an API header the caller means for the org
		"Accept":           "application/json",
	})
	if resp.StatusCode != http.StatusOK || body != `{"ok":true}` {
		t.Fatalf("relay answered %d %q, want 200 with the org's body", resp.StatusCode, body)
	}
	got := rr.last(t)

	t.Run("the path below the prefix and the query reach the target", func(t *testing.T) {
		if got.Path != "/services/data/v65.0/query" || got.Query != "q=SELECT+Id" {
			t.Fatalf("org saw %s?%s, want /services/data/v65.0/query?q=SELECT+Id", got.Path, got.Query)
		}
	})
	t.Run("the org sees the session's access token and not the visitor's Authorization", func(t *testing.T) {
		if a := got.Header.Values("Authorization"); len(a) != 1 || a[0] != "Bearer "+rec.Tokens.AccessToken {
			t.Fatalf("org saw Authorization %d value(s), want exactly the session's bearer token", len(a))
		}
	})
	t.Run("no cookie and none of the gateway's or the network path's headers reach the org", func(t *testing.T) {
		for _, h := range []string{"Cookie", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "Forwarded",
			"X-Lo-Csrf", "X-Site-User", "X-Hop", "X-Request-Id"} {
			if v := got.Header.Get(h); v != "" {
				t.Errorf("org saw %s: %q, want none", h, v)
			}
		}
		if got.Header.Get("OrgId") != "00Dxx0000001gPL" {
			t.Errorf("org saw OrgId %q, want the caller's API header passed through", got.Header.Get("OrgId"))
		}
	})
	t.Run("the org's cookies never reach the visitor and the answer is not cached", func(t *testing.T) {
		for _, sc := range resp.Header.Values("Set-Cookie") {
			if strings.HasPrefix(sc, "sid=") {
				t.Errorf("visitor got the org's cookie %q", sc)
			}
		}
		if resp.Header.Get("X-Org-Answer") != "yes" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("response headers: X-Org-Answer %q, Cache-Control %q; want yes and no-store",
				resp.Header.Get("X-Org-Answer"), resp.Header.Get("Cache-Control"))
		}
		if strings.Contains(body, rec.Tokens.AccessToken) {
			t.Error("the access token reached the browser")
		}
	})
}

func TestRelayRefusals(t *testing.T) {
	rr := newRelayRecorder(t)
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].APIRelay = []config.APIRoute{{Prefix: "/__lo/api/", Target: rr.srv.URL + "/api/v1", Identity: "visitor"}}
	}})
	signedIn := harness.Client()
	if _, err := env.SignIn(signedIn, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		client *http.Client
		method string
		path   string
		origin string
		want   int
	}{
		{"a visitor who is not signed in gets 401", harness.Client(), http.MethodGet, "/__lo/api/x", "", http.StatusUnauthorized},
		{"a cross-site POST is refused", signedIn, http.MethodPost, "/__lo/api/x", "https://evil.example", http.StatusForbidden},
		{"a path that climbs out of the target is refused", signedIn, http.MethodGet, "/__lo/api/../../admin", "", http.StatusBadRequest},
		{"a same-origin POST with a body is relayed", signedIn, http.MethodPost, "/__lo/api/conversation", env.URL, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := rr.count()
			req, _ := http.NewRequest(tc.method, env.URL+tc.path, strings.NewReader(`{"msg":"hi"}`))
			req.URL.Opaque = tc.path // keep dot segments as sent
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Content-Type", "application/json")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := noFollow(tc.client).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			forwarded := rr.count() - n
			if tc.want != http.StatusOK && forwarded != 0 {
				t.Fatalf("a refused request still reached the org (%d forwarded)", forwarded)
			}
			if tc.want == http.StatusOK {
				if got := rr.last(t); got.Body != `{"msg":"hi"}` || got.Path != "/api/v1/conversation" {
					t.Fatalf("org got %s with body %q, want /api/v1/conversation with the body", got.Path, got.Body)
				}
			}
		})
	}
}

type userinfo struct {
	PreferredUsername string `json:"preferred_username"`
}

func relayUserinfo(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, body := relayGet(t, c, u, map[string]string{"Authorization": "Bearer visitor-supplied-token", "Accept": "application/json"})
	var ui userinfo
	_ = json.Unmarshal([]byte(body), &ui)
	return resp.StatusCode, ui.PreferredUsername
}

func TestRelayTokensTheOrgRecognises(t *testing.T) {
	keyFile, certPEM := jbKeyPair(t, t.TempDir(), "service")
	env := harness.Start(t, harness.Options{
		OrgConfig: func(oc *devorg.Config) {
			app := &oc.Apps[0]
			app.JWTBearer, app.CertificatePEM = true, certPEM
			app.PermittedUsers = devorg.AdminApproved
			app.AssignedUsernames = []string{harness.AliceUser, "bob@devorg.example"}
			app.ClientCredentials, app.RunAsUsername = true, "api@devorg.example"
		},
		Config: func(c *config.Config) {
			sc := &c.Sites[0]
			// Visitors sign in with the web server flow; the key serves the service route.
			sc.Signin.JWT = config.JWTAuth{KeyFile: keyFile, Audience: sc.Org.MyDomain}
			oauth := sc.Org.MyDomain + "/services/oauth2"
			sc.APIRelay = []config.APIRoute{
				{Prefix: "/__lo/api/", Target: oauth, Identity: "visitor"},
				{Prefix: "/__lo/svc/", Target: oauth, Identity: "service", ServiceFlow: "jwt-bearer", ServiceUsername: "bob@devorg.example"},
				{Prefix: "/__lo/cc/", Target: oauth, Identity: "service", ServiceFlow: "client-credentials"},
			}
		},
	})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}

	t.Run("the visitor route calls the org as the visitor", func(t *testing.T) {
		if code, who := relayUserinfo(t, c, env.URL+"/__lo/api/userinfo"); code != http.StatusOK || who != harness.AliceUser {
			t.Fatalf("userinfo via the visitor route: %d as %q, want 200 as %s", code, who, harness.AliceUser)
		}
	})
	t.Run("the jwt-bearer service route calls the org as the integration user", func(t *testing.T) {
		if code, who := relayUserinfo(t, c, env.URL+"/__lo/svc/userinfo"); code != http.StatusOK || who != "bob@devorg.example" {
			t.Fatalf("userinfo via the service route: %d as %q, want 200 as bob@devorg.example", code, who)
		}
	})
	t.Run("the client credentials service route calls the org as the Run As user", func(t *testing.T) {
		if code, who := relayUserinfo(t, c, env.URL+"/__lo/cc/userinfo"); code != http.StatusOK || who != "api@devorg.example" {
			t.Fatalf("userinfo via the client credentials route: %d as %q, want 200 as api@devorg.example", code, who)
		}
	})
	t.Run("a service token is minted once for many concurrent requests", func(t *testing.T) {
		env.Org.ExpireSessions() // the cached service token dies at the org
		env.Org.ResetCounts()
		var wg sync.WaitGroup
		codes := make(chan int, 20)
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodGet, env.URL+"/__lo/svc/userinfo", nil)
				req.Header.Set("Accept", "application/json")
				resp, err := c.Do(req)
				if err != nil {
					codes <- 0
					return
				}
				resp.Body.Close()
				codes <- resp.StatusCode
			}()
		}
		wg.Wait()
		close(codes)
		for code := range codes {
			if code != http.StatusOK {
				t.Errorf("a relayed call answered %d, want 200 after one re-mint", code)
			}
		}
		// Visitor sessions died too, but only the service route was called.
		if n := env.Org.Count("token:jwt_bearer"); n != 1 {
			t.Fatalf("JWT bearer mints = %d, want exactly 1 for 20 concurrent calls on a dead token", n)
		}
	})
	t.Run("a cached service token is reused", func(t *testing.T) {
		env.Org.ResetCounts()
		relayUserinfo(t, c, env.URL+"/__lo/svc/userinfo")
		relayUserinfo(t, c, env.URL+"/__lo/svc/userinfo")
		if n := env.Org.Count("token:jwt_bearer"); n != 0 {
			t.Fatalf("JWT bearer mints = %d, want 0 while the token is good", n)
		}
	})
	t.Run("a service route does not answer visitors who are not signed in", func(t *testing.T) {
		resp, _ := relayGet(t, noFollow(harness.Client()), env.URL+"/__lo/svc/userinfo", map[string]string{"Accept": "application/json"})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous call to the service route: %d, want 401", resp.StatusCode)
		}
	})
}
