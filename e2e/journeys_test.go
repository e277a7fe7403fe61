package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// The JWT-bearer journeys are in jwtbearer_test.go, the SDK-mode ones in
// sdkmode_test.go.

// startSite runs the org and the gateway with the upstream site behind it:
// /account protected, the launcher injected into /, trusted origins as given.
func startSite(t *testing.T, trusted ...string) *harness.Env {
	t.Helper()
	return startSiteWith(t, nil, trusted...)
}

// startSiteWith is startSite with an edit of the site's config.
func startSiteWith(t *testing.T, edit func(s *config.Site), trusted ...string) *harness.Env {
	t.Helper()
	up := httptest.NewServer(upstreamSite())
	t.Cleanup(up.Close)
	return harness.Start(t, harness.Options{
		Upstream:   up.URL,
		DevBanners: true,
		// The org lets the trusted pages frame its Lightning Out pages too (Setup:
		// Trusted Domains for Inline Frames), as an admin would.
		OrgConfig: func(c *devorg.Config) { c.TrustedLODomains = append(c.TrustedLODomains, trusted...) },
		Config: func(c *config.Config) {
			s := &c.Sites[0]
			s.Access = []config.AccessRule{{Path: "/account", Access: "protected"}}
			s.Inject = config.Inject{Enabled: true, Paths: []string{"/"}}
			s.TrustedDomains = append(s.TrustedDomains, trusted...)
			if edit != nil {
				edit(s)
			}
		},
	})
}

func TestFirstVisitSignsInAtTheOrgAndTheChatAnswers(t *testing.T) {
	b := needSuite(t)
	env := startSite(t)
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to ask a first-time visitor to sign in", statusIs("signed-out"), 10*time.Second)
	step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the visitor back on the embed page", `location.href === `+jsString(env.URL+"/__lo/embed"), 10*time.Second)
	waitFor(t, b, tab, "the chat connected (data-state ready)", statusIs("ready"), 20*time.Second)
	frame, _ := chatFrame(t, b, env, nil)
	reply := chat(t, b, frame, "Where is my order?", 2)
	wantReply(t, reply, "Where is my order?")
	if n := env.Org.Count("authorize"); n < 1 {
		t.Errorf("want the visitor to have signed in at the org's authorize endpoint, got %d requests there", n)
	}

	journeyEnd{name: "first-visit-chat", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
}

func TestHeaderSignOutEndsTheOrgSessionToo(t *testing.T) {
	b := needSuite(t)
	// One sign-out from the page header: the gateway session ends, the grant is
	// revoked, and the org's end-session endpoint ends the org's own browser
	// session, so "Sign in again" stops at the org's password form.
	env := startSite(t)
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the protected account page", 15*time.Second, chromedp.Navigate(env.URL+"/account"))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the account page, signed in, showing the visitor's email",
		`location.pathname === '/account' && !!document.getElementById('account') && document.getElementById('account').textContent.indexOf(`+jsString(harness.AliceUser)+`) >= 0`, 10*time.Second)

	step(t, b, tab, "the embed page", 10*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the chat connected", statusIs("ready"), 20*time.Second)
	// A slow org makes the "Signing out…" state observable.
	env.Org.SetLatency(700 * time.Millisecond)
	step(t, b, tab, "a click on Sign out in the header", 5*time.Second, chromedp.Click(chromedp.CSS(`.lo-user form[data-lo-signout] button[type="submit"]`)))
	waitFor(t, b, tab, "the header button to say it is signing out", `(function () {
  var b = document.querySelector('.lo-user form[data-lo-signout] button');
  var live = document.getElementById('lo-signout-status');
  return location.pathname === '/__lo/embed' && !!b && b.textContent === 'Signing out\u2026' && !!live && live.textContent === 'Signing out\u2026';
})()`, 3*time.Second)
	waitFor(t, b, tab, "the signed-out page, confirmed by the org's end-session endpoint",
		`location.pathname === '/__lo/signedout' && !!document.querySelector('[data-lo-signout-how="end_session"]') && !!document.getElementById('lo-signin-again')`, 15*time.Second)
	env.Org.SetLatency(0)
	if n := env.Org.Count("revoke"); n != 1 {
		t.Errorf("want sign-out to revoke the grant at the org once, got %d revoke requests", n)
	}
	if n := env.Org.Count("endsession"); n != 1 {
		t.Errorf("want sign-out to visit the org's end-session endpoint once, got %d", n)
	}
	shot(t, tab, "signed-out")

	authorizeBefore := env.Org.Count("authorize")
	step(t, b, tab, "a click on Sign in again", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin-again")))
	waitFor(t, b, tab, "the org's password form (its session ended, so no silent sign-in)",
		`location.origin === `+jsString(env.OrgURL)+` && !!document.getElementById('username') && !!document.getElementById('password')`, 15*time.Second)
	if n := env.Org.Count("authorize") - authorizeBefore; n < 1 {
		t.Errorf("want Sign in again to start a new sign-in at the org, got %d authorize requests", n)
	}

	journeyEnd{name: "sign-out-header", tab: tab, env: env, b: b, mark: mark, signedIn: false}.check(t)
}

func TestSignOutFromTheConfirmPageWithoutAnOrgEndSessionEndpoint(t *testing.T) {
	b := needSuite(t)
	// An org without an end-session endpoint: the signed-out page loads the
	// org's logout page in a hidden frame, and says so.
	up := httptest.NewServer(upstreamSite())
	t.Cleanup(up.Close)
	env := harness.Start(t, harness.Options{Upstream: up.URL, DevBanners: true,
		OrgConfig: func(c *devorg.Config) { c.NoEndSession = true }})
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "sign-in", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/login?rd=%2F__lo%2Flogout"))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the sign-out confirm page", `location.pathname === '/__lo/logout' && !!document.querySelector('form[data-lo-signout]')`, 10*time.Second)
	env.Org.ResetCounts()
	step(t, b, tab, "a click on Sign out", 5*time.Second, chromedp.WaitReady(chromedp.CSS("body")), chromedp.Click(chromedp.CSS(`form[data-lo-signout] button[type="submit"]`)))
	waitFor(t, b, tab, "the signed-out page naming the logout page it used",
		`location.pathname === '/__lo/signedout' && !!document.querySelector('[data-lo-signout-how="logout_page"]') && !!document.getElementById('lo-org-logout')`, 15*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for env.Org.Count("logout") < 1 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if n := env.Org.Count("logout"); n != 1 {
		t.Errorf("want the signed-out page to load the org's logout page once, got %d", n)
	}
	step(t, b, tab, "a click on Sign in again", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin-again")))
	waitFor(t, b, tab, "the org's password form",
		`location.origin === `+jsString(env.OrgURL)+` && !!document.getElementById('username')`, 15*time.Second)

	journeyEnd{name: "sign-out-logout-page", tab: tab, env: env, b: b, mark: mark, signedIn: false}.check(t)
}

func TestPopupSignInFromATrustedOrigin(t *testing.T) {
	b := needSuite(t)
	// The partner page is on another origin of the gateway's site (localhost, a
	// different port): cross-origin, so CORS and postMessage origins are real,
	// but same-site, so the gateway's SameSite=Lax cookie reaches it over http.
	// A partner on another site needs cookie.same_site none, which needs https.
	var partner string
	env := startSiteWithPartner(t, "localhost", &partner, true)
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the partner page", 15*time.Second, chromedp.Navigate(partner+"/launch"))
	waitFor(t, b, tab, "the launcher to offer sign-in", `!!document.getElementById('logateway-launcher') && `+statusIs("signed-out"), 15*time.Second)
	step(t, b, tab, "a click on the launcher's sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	popup, _, cancel, err := b.Attach("page", env.OrgURL, map[target.ID]bool{chromedp.FromContext(tab).Target.TargetID: true}, 15*time.Second)
	if err != nil {
		t.Fatalf("want the sign-in popup at the org, got %v", err)
	}
	defer cancel()
	signInAtOrg(t, b, popup, env)
	waitFor(t, b, tab, "the popup to close and the partner page's chat to connect", statusIs("ready"), 20*time.Second)
	loc, _ := chromedp.Run(tab, chromedp.Location())
	if loc != partner+"/launch" {
		t.Errorf("want the partner page to stay where it was during popup sign-in, got %s", redact(loc))
	}
	frame, _ := chatFrame(t, b, env, nil)
	wantReply(t, chat(t, b, frame, "hi from the partner", 2), "hi from the partner")
	infos, _ := chromedp.Targets(b.Ctx)
	for _, info := range infos {
		if info.Type == "page" && strings.HasPrefix(info.URL, env.URL) {
			t.Errorf("want the sign-in popup closed after sign-in, got a page still open at %s", redact(info.URL))
		}
	}

	journeyEnd{name: "popup-signin-trusted-origin", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
}

func TestTheLauncherInjectedIntoAnUpstreamPageSignsInAndChats(t *testing.T) {
	b := needSuite(t)
	env := startSite(t)
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the upstream home page through the gateway", 15*time.Second, chromedp.Navigate(env.URL+"/"))
	waitFor(t, b, tab, "the injected launcher to offer sign-in",
		`!!document.querySelector('script[src="/__lo/static/launcher.js"]') && !!document.getElementById('logateway-launcher') && `+statusIs("signed-out"), 15*time.Second)
	step(t, b, tab, "a click on the launcher's sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#logateway-launcher #lo-signin")))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the visitor back on the upstream page with the chat connected",
		`location.pathname === '/' && document.title === 'Acme Store' && `+statusIs("ready"), 20*time.Second)
	frame, _ := chatFrame(t, b, env, nil)
	wantReply(t, chat(t, b, frame, "what is in stock?", 2), "what is in stock?")

	journeyEnd{name: "launcher-injected-upstream", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
}

func TestFramingTheEmbedFromAnUntrustedOriginIsBlocked(t *testing.T) {
	b := needSuite(t)
	var trusted string
	env := startSiteWithPartner(t, "localhost", &trusted, true)
	untrusted := pageServer(t, "127.0.0.2", partnerSite(env.URL, env.OrgURL))
	mark := b.Console.Mark()
	tab := b.Ctx

	// Control: the trusted origin may frame the embed page, so the block below is
	// the policy at work and not a page that never frames.
	step(t, b, tab, "the trusted framing page", 15*time.Second, chromedp.Navigate(trusted+"/frame"))
	if got := embedFrame(t, b, env, mark); got != "loaded" {
		t.Fatalf("want a trusted origin (%s) to frame the embed page, got %s", trusted, got)
	}

	blockMark := b.Console.Mark()
	step(t, b, tab, "the untrusted framing page", 15*time.Second, chromedp.Navigate(untrusted+"/frame"))
	if got := embedFrame(t, b, env, blockMark); got != "blocked" {
		t.Errorf("want the embed page blocked inside a frame on the untrusted origin %s, got %s", untrusted, got)
	}

	journeyEnd{name: "framing-untrusted-blocked", tab: tab, env: env, b: b, mark: mark, signedIn: false,
		allowCSP: func(m browser.Message) bool {
			return strings.Contains(m.Text, "frame-ancestors") && strings.Contains(m.Text, env.URL)
		}}.check(t)
}

// startSiteWithPartner starts the partner page server on host, then the gateway
// with it trusted (or not), and points *partner at it.
func startSiteWithPartner(t *testing.T, host string, partner *string, trust bool) *harness.Env {
	t.Helper()
	// The partner's pages name the gateway and org URLs, known only after start:
	// the handler reads them through env once it exists.
	var env *harness.Env
	h := lateHandler(func() (string, string) { return env.URL, env.OrgURL })
	*partner = pageServer(t, host, h)
	var trusted []string
	if trust {
		trusted = append(trusted, *partner)
	}
	env = startSite(t, trusted...)
	return env
}

// embedFrame reports whether the tab's child frame "loaded" the gateway's embed
// page or the browser "blocked" it. A same-site frame shows in the tab's frame
// tree; a cross-site one runs in its own process and shows as an iframe target.
// Chromium reports a frame-ancestors block in the framing page's console.
func embedFrame(t *testing.T, b *browser.Browser, env *harness.Env, mark int) string {
	t.Helper()
	embed := env.URL + "/__lo/embed"
	deadline := time.Now().Add(10 * time.Second)
	var seen []string
	for time.Now().Before(deadline) {
		seen = seen[:0]
		// The block first: a blocked frame can keep the embed URL in the tree.
		for _, m := range b.Console.Since(mark) {
			if m.CSPViolation() && strings.Contains(m.Text, "frame-ancestors") && strings.Contains(m.Text, env.URL) {
				return "blocked"
			}
		}
		tree, err := chromedp.Call(b.Ctx, page.GetFrameTree, cdp.Empty{})
		if err == nil && tree.FrameTree != nil {
			for _, c := range tree.FrameTree.ChildFrames {
				seen = append(seen, "frame "+c.Frame.URL)
				if strings.HasPrefix(c.Frame.URL, embed) && c.Frame.UnreachableURL == "" {
					return "loaded"
				}
			}
		}
		infos, _ := chromedp.Targets(b.Ctx)
		for _, info := range infos {
			if info.Type == "iframe" {
				seen = append(seen, "iframe target "+info.URL)
				if strings.HasPrefix(info.URL, embed) {
					return "loaded"
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Sprintf("undecided (saw %q)", seen)
}

// lateHandler serves the partner pages once the gateway and org URLs are known.
func lateHandler(urls func() (gateway, org string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gw, org := urls()
		partnerSite(gw, org).ServeHTTP(w, r)
	})
}
