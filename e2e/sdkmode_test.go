package e2e

import (
	"context"
	"strings"
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

	journeyEnd{name: "sdk-mode-chat", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
}

func TestSDKModeRecoversAnExpiredOrgSessionWithoutSignIn(t *testing.T) {
	b := needSuite(t)
	env, sdkURL := startSDKSite(t)
	mark := b.Console.Mark()
	tab := b.Ctx

	first, firstID := signInForSDKChat(t, b, tab, env, sdkURL)
	wantReply(t, chat(t, b, first, "hello", 2), "hello")
	// The page keeps the loApp embedAgentforceClient returned; recovery sets a
	// new frontdoor-url on that same element, so mark it and see it survive.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector('.acc-container lightning-out-application').__e2eFirst = true`)); err != nil {
		t.Fatalf("want to mark the SDK's Lightning Out application, got %v", err)
	}

	// The org session times out: browser sessions and access tokens end, the
	// refresh token lives on. The chat reports the error when next used.
	env.Org.ExpireSessions()
	env.Org.ResetCounts()
	step(t, b, first, "a message sent into the expired session", 10*time.Second,
		chromedp.SendKeys(chromedp.CSS("#acc-input"), "are you there?"),
		chromedp.Click(chromedp.CSS("#acc-send")),
	)
	deadline := time.Now().Add(20 * time.Second)
	for env.Org.Count("frontdoor") < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if env.Org.Count("frontdoor") < 1 {
		for _, m := range b.Console.Since(mark) {
			t.Logf("console: %s", m)
		}
		failShot(t, tab)
		t.Fatalf("want the page to sign the SDK's chat in again with a new frontdoor URL after the org session ended, got none within 20s")
	}
	waitFor(t, b, tab, "the chat connected again after the org session ended", statusIs("ready"), 20*time.Second)
	second, _ := chatFrame(t, b, env, map[target.ID]bool{firstID: true})
	wantReply(t, chat(t, b, second, "still here?", 2), "still here?")

	same, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`(function () {
  var apps = document.querySelectorAll('lightning-out-application');
  return apps.length === 1 && apps[0].__e2eFirst === true;
})()`))
	if !same {
		t.Errorf("want the recovery to re-sign the loApp embedAgentforceClient returned (one application, the same element), got it replaced or duplicated")
	}
	if n := env.Org.Count("authorize"); n != 0 {
		t.Errorf("want the chat to recover without a new sign-in, got %d authorize requests", n)
	}
	if n := env.Org.Count("token:refresh_token"); n < 1 {
		t.Errorf("want the gateway to refresh the expired access token, got %d refresh grants", n)
	}
	loc, _ := chromedp.Run(tab, chromedp.Location())
	if loc != env.URL+"/__lo/embed" {
		t.Errorf("want the visitor still on the embed page, got %s", redact(loc))
	}

	journeyEnd{name: "sdk-mode-org-session-expired-recovers", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{second}, signedIn: true, allowStatus: orgSessionExpired,
		// The SDK itself logs the Lightning Out error it reports (reference 4.2:
		// "The SDK logs lo.application.ready/error and lo.iframe.error to the
		// console"); that is the failure this journey provokes, not ours.
		allowError: func(m browser.Message) bool {
			return m.Kind == "console.error" && (strings.HasPrefix(m.Text, "[ACC] lo.application.error") || strings.HasPrefix(m.Text, "[ACC] lo.component.error"))
		}}.check(t)
}
