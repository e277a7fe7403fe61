package devorg

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/logateway/logateway/gateway/devorg/lo"
)

// What an unauthenticated client can learn about Lightning Out from the org:
// these are the answers `logateway doctor` reads, so both settings of each
// unconfirmed behaviour are pinned here.

func TestLOBridgeWithoutASessionByCheckOrder(t *testing.T) {
	ask := func(e *env, appID string) (int, string) {
		resp, err := http.PostForm(e.srv.URL+loSingleAccessPath, url.Values{"lightning_out_app_id": {appID}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readBody(t, resp)
	}
	cases := []struct {
		name             string
		appFirst, enable bool
		wantStatus       int
		wantWord         string
	}{
		{"session first, enabled app: the session is missing", false, true, 401, "Missing_OAuth_Token"},
		{"session first, disabled app: the same, nothing about the app", false, false, 401, "Missing_OAuth_Token"},
		{"app first, enabled app: the session is missing", true, true, 401, "Missing_OAuth_Token"},
		{"app first, disabled app: refused for the app", true, false, 403, "No_Access"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				c.Assumptions.LOBridgeChecksAppFirst = tc.appFirst
				c.LOApps[0].Enabled = tc.enable
			})
			if status, word := ask(e, DefaultLOAppID); status != tc.wantStatus || word != tc.wantWord {
				t.Errorf("got %d %q, want %d %q", status, word, tc.wantStatus, tc.wantWord)
			}
		})
	}
}

func TestOrgWithoutTheLightningOutLibrary(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.NoLightningOutLibrary = true })
	resp, err := http.Get(e.srv.URL + lo.LibraryPath)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "URL No Longer Exists") {
		t.Errorf("library: got %d %s, want Salesforce's 404 page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// The rest of the stand-in (the ACC SDK bundles its own copy) still answers.
	resp, err = http.Get(e.srv.URL + lo.SDKPath)
	if err != nil {
		t.Fatal(err)
	}
	readBody(t, resp)
	if resp.StatusCode != 200 {
		t.Errorf("SDK bundle: got %d, want 200", resp.StatusCode)
	}
}
