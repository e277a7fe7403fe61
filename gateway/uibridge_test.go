package gateway_test

import (
	"net/http"
	"testing"

	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// An expired token at the UI Bridge API may get a bare 403 with no word in the body;
// the gateway must treat it as a bad token: one refresh, one retry, a minted URL.
func TestFrontdoorRefreshesOnceOnABare403(t *testing.T) {
	for _, silent := range []bool{false, true} {
		name := "403 Bad_OAuth_Token"
		if silent {
			name = "403 without a word"
		}
		t.Run(name+" gets exactly one refresh and a minted URL", func(t *testing.T) {
			env := harness.Start(t, harness.Options{OrgConfig: func(c *devorg.Config) {
				c.Assumptions.UIBridgeSilentBadToken = silent
			}})
			c := harness.Client()
			if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
				t.Fatal(err)
			}
			env.Org.ExpireSessions() // the org ends the token; the gateway does not know
			env.Org.ResetCounts()
			status, _, a := askFrontdoor(t, c, env, http.MethodPost, env.URL)
			if status != http.StatusOK || a.FrontdoorURL == "" {
				t.Fatalf("frontdoor: wanted 200 with a frontdoorUrl, got %d %q", status, a.Error)
			}
			if n := env.Org.Count("token:refresh_token"); n != 1 {
				t.Errorf("refreshes at the org = %d, want exactly 1", n)
			}
			if n := env.Org.Count("singleaccess"); n != 2 {
				t.Errorf("singleaccess calls = %d, want 2 (the refused one and the retry)", n)
			}
			if !orgAccepts(t, a.FrontdoorURL) {
				t.Error("the org refused the minted frontdoor URL")
			}
		})
	}
}
