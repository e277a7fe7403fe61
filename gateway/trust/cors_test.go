package trust

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var corsHeaderNames = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age",
}

// corsServer is a real HTTP server with one JSON endpoint guarded the way the
// gateway's handlers are meant to use Policy.CORS.
func corsServer(t *testing.T) *httptest.Server {
	p := testPolicy(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed, preflight := p.CORS(w, r)
		if preflight {
			if allowed {
				w.WriteHeader(http.StatusNoContent)
			} else {
				w.WriteHeader(http.StatusForbidden)
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func doCORS(t *testing.T, srv *httptest.Server, method string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+"/__lo/api", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestCORSGivesTrustedOriginsCredentials(t *testing.T) {
	srv := corsServer(t)
	t.Run("a simple request from a trusted origin is allowed with credentials", func(t *testing.T) {
		resp := doCORS(t, srv, http.MethodGet, map[string]string{"Origin": testTrusted})
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != testTrusted {
			t.Errorf("Access-Control-Allow-Origin = %q; want %q", got, testTrusted)
		}
		if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
			t.Errorf("Access-Control-Allow-Credentials = %q; want %q", got, "true")
		}
		if got := resp.Header.Values("Vary"); !contains(got, "Origin") {
			t.Errorf("Vary = %q; want it to include Origin", got)
		}
		if got := resp.Header.Get("Access-Control-Allow-Methods"); got != "" {
			t.Errorf("Access-Control-Allow-Methods = %q on a non-preflight; want none", got)
		}
	})
	t.Run("a preflight from a trusted origin gets methods, headers and max-age", func(t *testing.T) {
		resp := doCORS(t, srv, http.MethodOptions, map[string]string{
			"Origin":                         testTrusted,
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type, x-lo-csrf",
		})
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("status = %d; want %d", resp.StatusCode, http.StatusNoContent)
		}
		want := map[string]string{
			"Access-Control-Allow-Origin":      testTrusted,
			"Access-Control-Allow-Credentials": "true",
			"Access-Control-Allow-Methods":     "GET, POST",
			"Access-Control-Allow-Headers":     "Content-Type, X-Requested-With, X-LO-CSRF",
			"Access-Control-Max-Age":           "600",
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s = %q; want %q", k, got, v)
			}
		}
	})
}

func TestCORSGivesOtherOriginsNothing(t *testing.T) {
	srv := corsServer(t)
	cases := []struct {
		name   string
		method string
		hdr    map[string]string
	}{
		{"an untrusted origin", http.MethodGet, map[string]string{"Origin": "https://evil.com"}},
		{"a suffix lookalike of a trusted origin", http.MethodGet, map[string]string{"Origin": "https://example.com.evil.com"}},
		{"a prefix lookalike of a trusted origin", http.MethodGet, map[string]string{"Origin": "https://evilexample.com"}},
		{"the null origin", http.MethodPost, map[string]string{"Origin": "null"}},
		{"a trusted host over http", http.MethodGet, map[string]string{"Origin": "http://example.com"}},
		{"no Origin at all", http.MethodGet, nil},
		{"a preflight from an untrusted origin", http.MethodOptions, map[string]string{
			"Origin": "https://evil.com", "Access-Control-Request-Method": "POST"}},
		{"a trusted preflight asking for PUT", http.MethodOptions, map[string]string{
			"Origin": testTrusted, "Access-Control-Request-Method": "PUT"}},
		{"a trusted preflight asking for an Authorization header", http.MethodOptions, map[string]string{
			"Origin": testTrusted, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}},
	}
	for _, tc := range cases {
		t.Run(tc.name+" gets no CORS headers but still Vary: Origin", func(t *testing.T) {
			resp := doCORS(t, srv, tc.method, tc.hdr)
			for _, h := range corsHeaderNames {
				if got := resp.Header.Get(h); got != "" {
					t.Errorf("%s = %q; want no such header", h, got)
				}
			}
			if got := resp.Header.Values("Vary"); !contains(got, "Origin") {
				t.Errorf("Vary = %q; want it to include Origin", got)
			}
			if tc.method == http.MethodOptions && resp.StatusCode != http.StatusForbidden {
				t.Errorf("preflight status = %d; want %d", resp.StatusCode, http.StatusForbidden)
			}
		})
	}
}

func TestCORSReportsAllowedAndPreflight(t *testing.T) {
	p := testPolicy(t)
	t.Run("keeps Vary values set by other middleware and does not repeat Origin", func(t *testing.T) {
		w := httptest.NewRecorder()
		w.Header().Add("Vary", "Accept-Encoding, origin")
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Origin", testTrusted)
		allowed, preflight := p.CORS(w, r)
		if !allowed || preflight {
			t.Errorf("CORS = (%v, %v); want (true, false)", allowed, preflight)
		}
		if got := strings.Join(w.Header().Values("Vary"), "|"); got != "Accept-Encoding, origin" {
			t.Errorf("Vary = %q; want %q", got, "Accept-Encoding, origin")
		}
	})
	t.Run("an OPTIONS without Access-Control-Request-Method is not a preflight", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodOptions, "/", nil)
		r.Header.Set("Origin", testTrusted)
		if allowed, preflight := p.CORS(w, r); !allowed || preflight {
			t.Errorf("CORS = (%v, %v); want (true, false)", allowed, preflight)
		}
	})
	t.Run("two Origin headers are refused", func(t *testing.T) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Add("Origin", testTrusted)
		r.Header.Add("Origin", "https://evil.com")
		if allowed, _ := p.CORS(w, r); allowed || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("CORS allowed=%v ACAO=%q; want refused with no header", allowed, w.Header().Get("Access-Control-Allow-Origin"))
		}
	})
}

func contains(list []string, s string) bool {
	for _, l := range list {
		for _, v := range strings.Split(l, ",") {
			if strings.TrimSpace(v) == s {
				return true
			}
		}
	}
	return false
}

func TestSameOrigin(t *testing.T) {
	p := testPolicy(t)
	cases := []struct {
		name string
		hdr  [][2]string
		want bool
	}{
		{"an Origin equal to the site passes", [][2]string{{"Origin", testSite}}, true},
		{"an Origin equal to the site with its default port passes", [][2]string{{"Origin", testSite + ":443"}}, true},
		{"a trusted but cross-site Origin fails", [][2]string{{"Origin", testTrusted}}, false},
		{"a null Origin fails", [][2]string{{"Origin", "null"}}, false},
		{"a suffix lookalike Origin fails", [][2]string{{"Origin", testSite + ".evil.com"}}, false},
		{"an Origin over http fails", [][2]string{{"Origin", "http://www.whitelisteddomain.tld"}}, false},
		{"a foreign Origin wins over a same-origin Sec-Fetch-Site", [][2]string{{"Origin", "https://evil.com"}, {"Sec-Fetch-Site", "same-origin"}}, false},
		{"two Origin headers fail", [][2]string{{"Origin", testSite}, {"Origin", testSite}}, false},
		{"no Origin and Sec-Fetch-Site same-origin passes", [][2]string{{"Sec-Fetch-Site", "same-origin"}}, true},
		{"no Origin and Sec-Fetch-Site same-site fails", [][2]string{{"Sec-Fetch-Site", "same-site"}}, false},
		{"no Origin and Sec-Fetch-Site cross-site fails even with a good Referer", [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Referer", testSite + "/page"}}, false},
		{"no Origin and Sec-Fetch-Site none fails", [][2]string{{"Sec-Fetch-Site", "none"}}, false},
		{"only a Referer on the site passes", [][2]string{{"Referer", testSite + "/page?x=1"}}, true},
		{"only a Referer on a trusted origin fails", [][2]string{{"Referer", testTrusted + "/page"}}, false},
		{"only a Referer with userinfo fails", [][2]string{{"Referer", "https://www.whitelisteddomain.tld@evil.com/"}}, false},
		{"only a Referer on a lookalike fails", [][2]string{{"Referer", "https://www.whitelisteddomain.tld.evil.com/"}}, false},
		{"only a relative Referer fails", [][2]string{{"Referer", "/page"}}, false},
		{"no Origin, Sec-Fetch-Site or Referer fails", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, testSite+"/__lo/frontdoor", nil)
			for _, h := range tc.hdr {
				r.Header.Add(h[0], h[1])
			}
			if got := p.SameOrigin(r); got != tc.want {
				t.Errorf("SameOrigin with %v = %v; want %v", tc.hdr, got, tc.want)
			}
		})
	}
}
