package e2e

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/devorg/lo"
	"github.com/logateway/logateway/internal/harness"
)

// remintDraft is what the visitor has typed, not sent, when the page re-mints.
const remintDraft = "I would like to ask about my ord"

// TestAProactiveRemintKeepsTheOpenFloatingChatAndWhatTheVisitorTyped: the page
// signs Lightning Out in again before the org session would end. Setting
// frontdoor-url again on a ready application does not reload ready components
// (docs/salesforce.md, and the org stand-in does the same), so a visitor who has
// the floating chat open, half-way through a message, keeps both: the same chat
// element and frame, open, with the text in its input; the page says nothing
// (no "Reconnecting", no "Reconnected"), and the message, finished, is answered.
func TestAProactiveRemintKeepsTheOpenFloatingChatAndWhatTheVisitorTyped(t *testing.T) {
	for _, mode := range []string{"native", "sdk"} {
		t.Run(mode+" mode", func(t *testing.T) {
			b := needSuite(t)
			env := startStoreWithLauncher(t, mode == "sdk", nil, func(s *config.Site) {
				// The page re-mints every 10 s (its floor), well before the org
				// session timeout the gateway is told.
				s.Org.SessionTimeout = config.Duration(recoveryTimeout)
				s.Org.RefreshMargin = config.Duration(time.Second)
				s.LightningOut.RemintInterval = config.Duration(recoveryTimeout * 3 / 4)
			})
			mark := b.Console.Mark()
			tab := b.Ctx
			signInThroughTheLauncher(t, b, tab, env)
			frame, _ := chatFrame(t, b, env, nil)
			step(t, b, frame, "the floating chat opened", 15*time.Second,
				chromedp.WaitReady(chromedp.CSS("#acc-root.acc--minimized #acc-fab")),
				chromedp.Click(chromedp.CSS("#acc-fab")),
				chromedp.WaitVisible(chromedp.CSS("#acc-root.acc--maximized #acc-input")),
			)
			waitFor(t, b, tab, "the page's chat box open", `document.getElementById('lo-container').classList.contains('acc-maximized')`, 5*time.Second)
			typeDraft(t, b, frame, remintDraft)

			// Marks that a reload or a replacement would lose.
			if _, err := chromedp.Run(frame, chromedp.Evaluate[bool](`window.__e2eSameFrame = true`)); err != nil {
				t.Fatalf("want the chat's frame marked, got %v", err)
			}
			if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](statusLog)); err != nil {
				t.Fatalf("want the status recorded, got %v", err)
			}
			if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(function () {
  window.__e2eChat = document.querySelector('runtime_copilot-acc-sdk-wrapper');
  window.__e2eLogins = 0;
  document.querySelector('lightning-out-application').addEventListener('lo.application.ready', function () { window.__e2eLogins++; });
  return !!window.__e2eChat;
})()`)); err != nil {
				t.Fatalf("want the chat element marked, got %v", err)
			}
			env.Org.ResetCounts()

			waitFor(t, b, tab, "a proactive re-mint: Lightning Out logged in again", `window.__e2eLogins >= 1`, 25*time.Second)
			if n := env.Org.Count("frontdoor"); n < 1 {
				t.Errorf("want the re-mint to go through the org's frontdoor, got %d frontdoor requests", n)
			}
			if n := env.Org.Count("authorize"); n != 0 {
				t.Errorf("want the re-mint without a new sign-in, got %d authorize requests", n)
			}
			time.Sleep(500 * time.Millisecond) // what a reload or a replacement would do has had time to start
			same, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelectorAll('runtime_copilot-acc-sdk-wrapper').length === 1 && document.querySelector('runtime_copilot-acc-sdk-wrapper') === window.__e2eChat`))
			if !same {
				t.Errorf("want the same chat element after the re-mint, got it replaced")
			}
			kept, _ := chromedp.Run(frame, chromedp.Evaluate[bool](`window.__e2eSameFrame === true`))
			if !kept {
				t.Errorf("want the chat's frame not reloaded by the re-mint, got a new document")
			}
			state, _ := chromedp.Run(frame, chromedp.Evaluate[string](`(function () {
  var r = document.getElementById('acc-root'), i = document.getElementById('acc-input');
  return (r && r.classList.contains('acc--maximized') ? 'open' : 'closed') + '|' + (i ? i.value : '');
})()`))
			if state != "open|"+remintDraft {
				t.Errorf("want the chat open with the draft %q in its input after the re-mint, got %q", remintDraft, state)
			}
			open, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`document.getElementById('lo-container').classList.contains('acc-maximized')`))
			if !open {
				t.Errorf("want the page's chat box still open after the re-mint")
			}
			seen, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__e2eStatus`))
			if joined := strings.Join(seen, "|"); strings.Contains(joined, "Reconnect") || !strings.HasSuffix(joined, "Connected") {
				t.Errorf("want the status to stay Connected through a re-mint (nothing said), got the sequence %q", seen)
			}
			wantReply(t, chat(t, b, frame, "er 1234", 2), remintDraft+"er 1234")
			shot(t, tab, "remint-keeps-open-chat-"+mode)

			journeyEnd{name: "remint-open-chat-" + mode, tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
		})
	}
}

// typeDraft types text into the chat's input without sending it, and checks it is
// there (the keys of a busy CI machine have gone astray before: then the value is
// set as typing would, and the journey says so).
func typeDraft(t *testing.T, b *browser.Browser, frame context.Context, text string) {
	t.Helper()
	step(t, b, frame, "a half-typed message", 10*time.Second,
		chromedp.Focus(chromedp.CSS("#acc-input")),
		chromedp.SendKeys(chromedp.CSS("#acc-input"), text))
	got, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.getElementById('acc-input').value`))
	if got == text {
		return
	}
	t.Logf("the typed draft came out as %q; setting it by value", got)
	if _, err := chromedp.Run(frame, chromedp.Evaluate[bool](`(function () { var i = document.getElementById('acc-input'); i.value = `+jsString(text)+`; i.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)); err != nil {
		t.Fatalf("want the draft in the chat's input, got %v", err)
	}
}

// TestAFloatingChatReplacedAfterAnEndedSessionComesBackClosedAndSaysHowToGoOn: when
// the org session has really ended, the chat's element is replaced and the new chat
// starts afresh. The ACC documents no way for the host page to open a floating chat,
// so it comes back closed (the page's box follows it: small, in the corner, covering
// nothing), keeps its configured size, and the status says, once and politely,
// "Reconnected – open the chat to continue"; one click opens it and it answers.
func TestAFloatingChatReplacedAfterAnEndedSessionComesBackClosedAndSaysHowToGoOn(t *testing.T) {
	b := needSuite(t)
	env := startStoreWithLauncher(t, false, func(c *devorg.Config) {
		c.Assumptions.LOComponentReportsSessionEnd = true
	}, func(s *config.Site) {
		s.ACC.Width = "380px"
	})
	mark := b.Console.Mark()
	tab := b.Ctx
	signInThroughTheLauncher(t, b, tab, env)
	first, firstID := chatFrame(t, b, env, nil)
	wantReply(t, chat(t, b, first, "hello", 2), "hello")
	waitFor(t, b, tab, "the page's chat box open", `document.getElementById('lo-container').classList.contains('acc-maximized')`, 5*time.Second)
	openBefore := rectOf(t, tab, "#lo-container .lo-frame")
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](statusLog)); err != nil {
		t.Fatalf("want the status recorded, got %v", err)
	}

	endTheOrgSessionUnderTheChat(t, b, env, first)
	waitFor(t, b, tab, "the status to say how to go on after the recovery",
		`document.getElementById('lo-status').textContent === 'Reconnected \u2013 open the chat to continue' && `+statusIs("ready"), 30*time.Second)
	second, _ := chatFrame(t, b, env, map[target.ID]bool{firstID: true})
	step(t, b, second, "the new chat, closed to its button", 15*time.Second, chromedp.WaitReady(chromedp.CSS("#acc-root.acc--minimized #acc-fab")))
	closed := rectOf(t, tab, "#lo-container .lo-frame")
	vw, _ := chromedp.Run(tab, chromedp.Evaluate[float64](`window.innerWidth`))
	vh, _ := chromedp.Run(tab, chromedp.Evaluate[float64](`window.innerHeight`))
	if closed.Width > 100 || closed.Height > 100 || closed.Right < vw-60 || closed.Bottom < vh-60 {
		t.Errorf("want the replaced chat a small button in the corner (the page's box follows the chat), got %s in a %.0fx%.0f viewport", closed, vw, vh)
	}
	wantReply(t, chat(t, b, second, "still here?", 2), "still here?")
	waitFor(t, b, tab, "the page's chat box open again", `document.getElementById('lo-container').classList.contains('acc-maximized')`, 5*time.Second)
	time.Sleep(300 * time.Millisecond)
	if after := rectOf(t, tab, "#lo-container .lo-frame"); after != openBefore {
		t.Errorf("want the reopened chat at the size it had, %s, got %s", openBefore, after)
	}
	seen, _ := chromedp.Run(tab, chromedp.Evaluate[[]string](`window.__e2eStatus`))
	if n := strings.Count(strings.Join(seen, "|"), "Reconnected"); n != 1 {
		t.Errorf("want Reconnected said once, got the status sequence %q", seen)
	}
	shot(t, tab, "reconnected-floating")

	journeyEnd{name: "reconnected-floating", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{second}, signedIn: true, allowStatus: orgSessionExpired}.check(t)
}

// startStoreWithLauncher runs the store (storeWithSignOut) behind the gateway with the
// launcher injected into its pages, in native or sdk mode; org and site, when not
// nil, adjust the emulated org and the site.
func startStoreWithLauncher(t *testing.T, sdk bool, org func(*devorg.Config), site func(*config.Site)) *harness.Env {
	t.Helper()
	up := httptest.NewServer(storeWithSignOut())
	t.Cleanup(up.Close)
	return harness.Start(t, harness.Options{
		Upstream:   up.URL,
		DevBanners: true,
		OrgConfig:  org,
		Config: func(c *config.Config) {
			s := &c.Sites[0]
			s.Inject = config.Inject{Enabled: true, Paths: []string{"/"}}
			if sdk {
				s.LightningOut.Bootstrap = "sdk"
				s.LightningOut.SDKURL = s.Org.MyDomain + lo.SDKPath
			}
			if site != nil {
				site(s)
			}
		},
	})
}

// signInThroughTheLauncher takes a first-time visitor from the store's home page
// through the launcher's sign-in button and the org's sign-in to a connected chat.
func signInThroughTheLauncher(t *testing.T, b *browser.Browser, tab context.Context, env *harness.Env) {
	t.Helper()
	step(t, b, tab, "the site's home page", 15*time.Second, chromedp.Navigate(env.URL+"/"))
	waitFor(t, b, tab, "the launcher to offer sign-in", `!!document.getElementById('logateway-launcher') && `+statusIs("signed-out"), 15*time.Second)
	step(t, b, tab, "a click on the launcher's sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#logateway-launcher #lo-signin")))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the chat connected on the site's page", `location.pathname === '/' && `+statusIs("ready"), 20*time.Second)
}

// endTheOrgSessionUnderTheChat ends the org session (browser sessions and access
// tokens, not the refresh token) and sends a message into it from the chat's frame.
func endTheOrgSessionUnderTheChat(t *testing.T, b *browser.Browser, env *harness.Env, frame context.Context) {
	t.Helper()
	env.Org.ExpireSessions()
	step(t, b, frame, "a message sent into the ended session", 10*time.Second,
		chromedp.SendKeys(chromedp.CSS("#acc-input"), "are you there?"),
		chromedp.Click(chromedp.CSS("#acc-send")),
	)
}
