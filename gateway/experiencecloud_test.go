package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// org.site_url: sign-in goes to the site's authorize endpoint, the id_token is the
// site's, the frontdoor URL is minted on the site, and the page is told the prefix.
func TestExperienceCloudSitePrefix(t *testing.T) {
	env := harness.Start(t, harness.Options{
		OrgConfig: func(c *devorg.Config) { c.Sites = []devorg.Site{{Prefix: "/support"}} },
		Config: func(c *config.Config) {
			s := &c.Sites[0]
			s.Org.SiteURL = s.Org.MyDomain + "/support"
			s.Org.LoginURL = s.Org.SiteURL
		},
	})
	site := env.OrgURL + "/support"
	c := harness.Client()
	resp, err := noFollow(c).Get(env.URL + "/__lo/login?rd=%2F")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, site+"/services/oauth2/authorize?") {
		t.Fatalf("login: wanted a redirect to the site's authorize endpoint, got %q", loc)
	}
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatalf("sign-in through the site (its discovery, issuer and token endpoint): %v", err)
	}
	status, _, a := askFrontdoor(t, c, env, http.MethodPost, env.URL)
	if status != http.StatusOK || !strings.HasPrefix(a.FrontdoorURL, site+"/secur/frontdoor.jsp?") {
		t.Fatalf("frontdoor: wanted a URL on the site, got %d %q", status, strings.Split(a.FrontdoorURL, "?")[0])
	}
	if !orgAccepts(t, a.FrontdoorURL) {
		t.Error("the site refused its own frontdoor URL")
	}
	resp, err = c.Get(env.URL + "/__lo/boot")
	if err != nil {
		t.Fatal(err)
	}
	var boot map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&boot)
	resp.Body.Close()
	if boot["sitePrefix"] != "/support" {
		t.Errorf("boot config: wanted sitePrefix /support, got %v", boot["sitePrefix"])
	}
}
