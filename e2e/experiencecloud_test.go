package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// An org reached through an Experience Cloud site with a path prefix: sign-in and
// tokens go through the site, the frontdoor URL is the site's, the embed sets
// Lightning Out's site-prefix and the chat's component frame comes from
// <site>/lightning-out.
func TestExperienceCloudSiteSignsInAndChatsThroughTheSite(t *testing.T) {
	b := needSuite(t)
	env := harness.Start(t, harness.Options{
		DevBanners: true,
		OrgConfig:  func(c *devorg.Config) { c.Sites = []devorg.Site{{Prefix: "/support"}} },
		Config: func(c *config.Config) {
			s := &c.Sites[0]
			s.Org.SiteURL = s.Org.MyDomain + "/support"
			s.Org.LoginURL = s.Org.SiteURL
		},
	})
	site := env.OrgURL + "/support"
	tab := b.Ctx

	step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to ask a first-time visitor to sign in", statusIs("signed-out"), 10*time.Second)
	env.Org.ResetCounts()
	step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the visitor back on the embed page", `location.href === `+jsString(env.URL+"/__lo/embed"), 10*time.Second)
	waitFor(t, b, tab, "the chat connected (data-state ready)", statusIs("ready"), 20*time.Second)
	waitFor(t, b, tab, "Lightning Out told the site prefix",
		`(function () { var a = document.querySelector('lightning-out-application'); return !!a && a.getAttribute('site-prefix') === '/support'; })()`, 5*time.Second)

	ctx, _, cancel, err := b.Attach("iframe", site+"/lightning-out?", nil, 20*time.Second)
	if err != nil {
		t.Fatalf("want the chat's component frame from %s/lightning-out, got %v", site, err)
	}
	t.Cleanup(cancel)
	wantReply(t, chat(t, b, ctx, "Hello from the site", 2), "Hello from the site")
	if n := env.Org.Count("frontdoor"); n != 1 {
		t.Errorf("want one frontdoor sign-in (on the site), got %d", n)
	}
}
