package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

func TestAdminListenerRefusesBrowsersAndStrangers(t *testing.T) {
	const token = "admin-token-0123456789abcdef"
	var reloads atomic.Int32
	for _, withToken := range []bool{false, true} {
		env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
			c.AdminHosts = []string{"logateway-admin.prod.svc"}
			if withToken {
				c.AdminToken = token
			}
		}})
		srv := httptest.NewServer(env.Gateway.AdminHandler(func() error { reloads.Add(1); return nil }, false, nil))
		t.Cleanup(srv.Close)
		do := func(t *testing.T, method, path, host string, hdr map[string]string) int {
			t.Helper()
			req, _ := http.NewRequest(method, srv.URL+path, nil)
			req.Host = host
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			if withToken && hdr["Authorization"] == "" && path != "/healthz" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		mode := "without a token"
		if withToken {
			mode = "with admin_token_env"
		}
		t.Run(mode, func(t *testing.T) {
			// A DNS-rebinding page reaches 127.0.0.1 under its own name.
			for _, host := range []string{"evil.example", "evil.example:9090", "localhost.evil.example", "127.0.0.1.nip.io",
				"0x7f000001", "logateway-admin.prod.svc.evil.example"} {
				t.Run("Host "+host+" is refused", func(t *testing.T) {
					before := reloads.Load()
					if st := do(t, http.MethodPost, "/reload", host, nil); st != http.StatusMisdirectedRequest {
						t.Errorf("POST /reload answered %d, want 421", st)
					}
					if st := do(t, http.MethodGet, "/metrics", host, nil); st != http.StatusMisdirectedRequest {
						t.Errorf("GET /metrics answered %d, want 421", st)
					}
					if reloads.Load() != before {
						t.Error("the config was reloaded")
					}
				})
			}
			for _, host := range []string{"127.0.0.1:9090", "localhost:9090", "LOCALHOST.", "[::1]:9090", "10.0.0.7:9090", "logateway-admin.prod.svc:9090"} {
				t.Run("Host "+host+" is served", func(t *testing.T) {
					if st := do(t, http.MethodGet, "/metrics", host, nil); st != http.StatusOK {
						t.Errorf("GET /metrics answered %d, want 200", st)
					}
				})
			}
			for name, hdr := range map[string]map[string]string{
				"a form from another site":          {"Origin": "https://evil.example"},
				"a sandboxed frame's form":          {"Origin": "null"},
				"a cross-site fetch without Origin": {"Sec-Fetch-Site": "cross-site"},
				"a same-site fetch":                 {"Sec-Fetch-Site": "same-site"},
			} {
				t.Run("a POST /reload from "+name+" is refused", func(t *testing.T) {
					before := reloads.Load()
					if st := do(t, http.MethodPost, "/reload", "127.0.0.1:9090", hdr); st != http.StatusForbidden || reloads.Load() != before {
						t.Errorf("answered %d, reloads %d; want 403 and no reload", st, reloads.Load()-before)
					}
				})
			}
			t.Run("a POST /reload from a tool is served", func(t *testing.T) {
				before := reloads.Load()
				if st := do(t, http.MethodPost, "/reload", "127.0.0.1:9090", nil); st != http.StatusOK || reloads.Load() != before+1 {
					t.Errorf("answered %d, reloads %d; want 200 and one reload", st, reloads.Load()-before)
				}
			})
			if !withToken {
				return
			}
			for name, auth := range map[string]string{"no token": "", "a wrong token": "Bearer wrong-token-0123456789", "the token without Bearer": token,
				"a prefix of the token": "Bearer " + token[:len(token)-1]} {
				t.Run(name+" is refused", func(t *testing.T) {
					hdr := map[string]string{"Authorization": auth}
					if auth == "" {
						hdr["Authorization"] = "Basic x" // not a bearer token
					}
					for _, p := range []string{"/metrics", "/reload"} {
						m := http.MethodGet
						if p == "/reload" {
							m = http.MethodPost
						}
						if st := do(t, m, p, "127.0.0.1:9090", hdr); st != http.StatusUnauthorized {
							t.Errorf("%s %s answered %d, want 401", m, p, st)
						}
					}
				})
			}
			t.Run("/healthz needs no token", func(t *testing.T) {
				if st := do(t, http.MethodGet, "/healthz", "127.0.0.1:9090", nil); st != http.StatusOK {
					t.Errorf("GET /healthz answered %d, want 200", st)
				}
			})
		})
	}
}

func TestOrgIDRefusesIdentitiesFromOtherOrgs(t *testing.T) {
	for _, tc := range []struct {
		name, orgID string
		want        bool
	}{
		{"no org_id signs in any org's user", "", true},
		{"the org's own 18-character id signs in", devorg.DefaultOrgID, true},
		{"the org's own 15-character id signs in", devorg.DefaultOrgID[:15], true},
		{"another org's id refuses the sign-in", "00Dother000000AAAA", false},
		{"an id differing only in case refuses the sign-in", strings.ToUpper(devorg.DefaultOrgID[:15]), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := harness.Start(t, harness.Options{Config: func(c *config.Config) { c.Sites[0].Org.OrgID = tc.orgID }})
			c := harness.Client()
			_, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/")
			signedIn := getSession(t, c, env.URL).SignedIn
			if signedIn != tc.want {
				t.Fatalf("org_id %q: signed in %v (%v), want %v", tc.orgID, signedIn, err, tc.want)
			}
			if !tc.want && (err == nil || !strings.Contains(err.Error(), "403")) {
				t.Errorf("sign-in ended with %v, want a 403 at the callback", err)
			}
		})
	}
}
