package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/gateway/devorg/lo"
	"github.com/logateway/logateway/internal/harness"
)

// startSDKSite is startSite with lightning_out.bootstrap sdk: the embed page
// loads the org's ACC Web SDK bundle (which carries its own Lightning Out) and
// mounts the chat with embedAgentforceClient.
func startSDKSite(t *testing.T) (*harness.Env, string) {
	t.Helper()
	var sdkURL string
	env := startSiteWith(t, func(s *config.Site) {
		sdkURL = s.Org.MyDomain + lo.SDKPath
		s.LightningOut.Bootstrap = "sdk"
		s.LightningOut.SDKURL = sdkURL
	})
	return env, sdkURL
}

// sdkMounted is true once the page has the SDK's markup and not the native
// bootstrap's: the SDK bundle as the only library, the container marked by
// embedAgentforceClient, its injected style, and the SDK's wrapper element.
func sdkMounted(sdkURL string) string {
	return `(function () {
  var libs = document.querySelectorAll('script[data-lo-library]');
  var c = document.querySelector('.acc-container');
  return libs.length === 1 && libs[0].getAttribute('data-lo-library') === 'sdk' && libs[0].src === ` + jsString(sdkURL) + ` &&
    !document.querySelector('script[src*="lightning.out"]') && !!c &&
    !!document.getElementById('agentforce-client-injected-styles') &&
    !!c.querySelector('lightning-out-application[data-lo="acc"]') &&
    !!c.querySelector('runtime_copilot-acc-sdk-wrapper.acc-frame');
})()`
}

// signInForSDKChat takes a first-time visitor from the embed page through the
// org's sign-in to the chat the SDK mounted, and returns its frame.
func signInForSDKChat(t *testing.T, b *browser.Browser, tab context.Context, env *harness.Env, sdkURL string) (context.Context, target.ID) {
	t.Helper()
	step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to ask a first-time visitor to sign in", statusIs("signed-out"), 10*time.Second)
	step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the visitor back on the embed page", `location.href === `+jsString(env.URL+"/__lo/embed"), 10*time.Second)
	waitFor(t, b, tab, "the chat connected (data-state ready)", statusIs("ready"), 20*time.Second)
	waitFor(t, b, tab, "the chat mounted by the ACC Web SDK (embedAgentforceClient), not by the native bootstrap", sdkMounted(sdkURL), 5*time.Second)
	return chatFrame(t, b, env, nil)
}

func TestSDKModeEmbedsTheChatWithEmbedAgentforceClientAndItAnswers(t *testing.T) {
	b := needSuite(t)
	env, sdkURL := startSDKSite(t)
	mark := b.Console.Mark()
	tab := b.Ctx

	frame, _ := signInForSDKChat(t, b, tab, env, sdkURL)
	wantReply(t, chat(t, b, frame, "Where is my order?", 2), "Where is my order?")
	if n := env.Org.Count("frontdoor"); n != 1 {
		t.Errorf("want the SDK handed one frontdoor URL, got %d frontdoor sign-ins", n)
	}
	// The SDK (like Salesforce's) injects its <style> without a nonce unless
	// the page already has an element with its id: the gateway's stylesheet
	// link is that element, so the SDK's style never reaches the CSP (the
	// journey's end checks zero violations).
	styles, _ := chromedp.Run(tab, chromedp.Evaluate[string](`(function () {
  var ids = Array.prototype.map.call(document.querySelectorAll('#agentforce-client-injected-styles'), function (e) { return e.tagName; });
  var bare = Array.prototype.filter.call(document.querySelectorAll('style'), function (e) { return !e.nonce; }).length;
  return ids.join(',') + ' ' + bare;
})()`))
	if styles != "LINK 0" {
		t.Errorf("want only the gateway's LINK under the SDK's style id and no <style> without a nonce, got %q", styles)
	}

	journeyEnd{name: "sdk-mode-chat", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
}
