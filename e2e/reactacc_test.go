package e2e

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/gateway/devorg/lo"
	"github.com/logateway/logateway/internal/harness"
)

// The README's path for Salesforce's React ACC template on a site's own domain: the
// example page docs/react-acc/ (what Chat.jsx does, without React), served by the
// site's upstream behind the gateway, fetches /__lo/frontdoor and hands frontdoorUrl to
// the ACC Web SDK. A first-time visitor is sent to sign in and comes back to a chat.
func TestReactTemplateExamplePageFetchesTheFrontdoorAndChats(t *testing.T) {
	b := needSuite(t)
	var orgURL atomic.Value
	files := http.StripPrefix("/react/", http.FileServer(http.Dir("../docs/react-acc")))
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/react/acc-sdk.js" {
			// The bundled @salesforce/agentforce-conversation-client; here the org's stand-in.
			http.Redirect(w, r, orgURL.Load().(string)+lo.SDKPath, http.StatusFound)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(up.Close)
	env := harness.Start(t, harness.Options{Upstream: up.URL, DevBanners: true})
	orgURL.Store(env.OrgURL)
	tab := b.Ctx

	step(t, b, tab, "the React example page", 15*time.Second, chromedp.Navigate(env.URL+"/react/"))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the visitor back on the example page", `location.href === `+jsString(env.URL+"/react/"), 10*time.Second)
	waitFor(t, b, tab, "the chat mounted by embedAgentforceClient with the gateway's frontdoor URL",
		`!!document.querySelector('#chat.acc-container lightning-out-application[data-lo="acc"]') && !!document.querySelector('#chat runtime_copilot-acc-sdk-wrapper.acc-frame') && document.getElementById('chat-error').hidden`, 20*time.Second)
	frame, _ := chatFrame(t, b, env, nil)
	wantReply(t, chat(t, b, frame, "Is this the React template?", 2), "Is this the React template?")
	if n := env.Org.Count("frontdoor"); n != 1 {
		t.Errorf("want one frontdoor sign-in at the org, got %d", n)
	}
}
