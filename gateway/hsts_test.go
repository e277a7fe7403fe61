package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/harness"
)

func TestHSTSOnEveryAnswerOfAnHTTPSSiteAndNeverOnHTTP(t *testing.T) {
	// The site is made an https site while the test speaks http to the listener,
	// as a TLS proxy in front of the gateway would.
	upSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>home</title>"))
	}))
	t.Cleanup(upSrv.Close)
	up := upSrv.URL
	cases := []struct {
		name  string
		https bool
		hsts  config.HSTS
		want  string
	}{
		{"an https site sends the default: one year, no subdomains", true, config.HSTS{}, "max-age=31536000"},
		{"an https site sends what server.hsts says", true, config.HSTS{MaxAge: config.Duration(48 * time.Hour), IncludeSubdomains: true}, "max-age=172800; includeSubDomains"},
		{"hsts off sends nothing", true, config.HSTS{Off: true}, ""},
		{"an http dev site never sends it", false, config.HSTS{IncludeSubdomains: true}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := harness.Start(t, harness.Options{Upstream: up, Config: func(c *config.Config) {
				c.Server.HSTS = tc.hsts
				if tc.https {
					c.Sites[0].URL = strings.Replace(c.Sites[0].URL, "http://", "https://", 1)
				}
				c.Sites[0].Access = []config.AccessRule{{Path: "/account", Access: "protected"}}
			}})
			c := harness.Client()
			for _, r := range []struct{ what, method, path string }{
				{"the sign-in redirect", "GET", "/__lo/login?rd=/"},
				{"the protected page's redirect to sign-in", "GET", "/account"},
				{"the embed page", "GET", "/__lo/embed"},
				{"an error page", "GET", "/__lo/nothing-here"},
				{"the session JSON", "GET", "/__lo/session"},
				{"the sign-out confirm page", "GET", "/__lo/logout"},
			} {
				resp, _ := secDo(t, c, r.method, env.URL+r.path, nil, "")
				if got := resp.Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("%s (%d): want Strict-Transport-Security %q, got %q", r.what, resp.StatusCode, tc.want, got)
				}
				if n := len(resp.Header.Values("Strict-Transport-Security")); n > 1 {
					t.Errorf("%s: want one Strict-Transport-Security header, got %d", r.what, n)
				}
			}
			// A proxied page is the upstream's answer: its own policy (here: none).
			resp, _ := secDo(t, c, "GET", env.URL+"/", nil, "")
			if got := resp.Header.Get("Strict-Transport-Security"); got != "" || resp.StatusCode != http.StatusOK {
				t.Errorf("the upstream's page: want 200 without the gateway's HSTS, got %d %q", resp.StatusCode, got)
			}
		})
	}
}
