package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/logateway/logateway/e2e/a11y"
	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/static"
	"github.com/logateway/logateway/templates"
)

// axeClean runs axe-core on the page ctx shows: a serious or critical violation
// fails the journey, anything milder is logged.
func axeClean(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	vs, err := a11y.Check(ctx)
	if err != nil {
		t.Errorf("%s: want axe-core to run, got %v", page, err)
		return
	}
	for _, v := range vs {
		if v.Serious() {
			t.Errorf("%s: want no serious or critical accessibility violation, got %s", page, v)
		} else {
			t.Logf("%s: axe-core (minor, accepted): %s", page, v)
		}
	}
}

// focusJS describes the focused element: tag#id "text", and whether its focus
// ring shows (an outline or a box shadow).
const focusJS = `(function () {
  var e = document.activeElement;
  if (!e || e === document.body) return 'body';
  var s = getComputedStyle(e);
  var ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' "' + (e.textContent || e.value || '').trim().slice(0, 30) + '"' + (ring ? '' : ' NO-FOCUS-RING');
})()`

// tabTo presses Tab until the focused element matches the selector, at most max
// times, and returns the focus order it went through. Every stop must show a
// focus ring.
func tabTo(t *testing.T, b *browser.Browser, ctx context.Context, selector string, max int) []string {
	t.Helper()
	var order []string
	for i := 0; i < max; i++ {
		step(t, b, ctx, "a Tab key press", 5*time.Second, chromedp.KeyEvent(kb.Tab))
		f, err := chromedp.Run(ctx, chromedp.Evaluate[string](focusJS))
		if err != nil {
			t.Fatalf("want the focused element, got %v", err)
		}
		order = append(order, f)
		if strings.HasSuffix(f, "NO-FOCUS-RING") {
			t.Errorf("want a visible focus ring on every stop, got none on %s", f)
		}
		if at, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.matches(`+jsString(selector)+`)`)); at {
			return order
		}
	}
	t.Fatalf("want keyboard focus on %s within %d Tab presses, got the order %q", selector, max, order)
	return nil
}

func TestAccessibilityKeyboardOnlySignInAndEveryGatewayPage(t *testing.T) {
	b := needSuite(t)
	env := harness.Start(t, harness.Options{DevBanners: true})
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the dev-mode landing page", 15*time.Second, chromedp.Navigate(env.URL+"/"))
	axeClean(t, tab, "landing page")

	step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to offer sign-in", statusIs("signed-out"), 10*time.Second)
	axeClean(t, tab, "embed page, signed out")

	// Keyboard only from here: the skip link comes first, then the way to sign in.
	order := tabTo(t, b, tab, "#lo-signin", 12)
	if !strings.Contains(order[0], `"Skip to content"`) {
		t.Errorf("want the skip link first in the focus order, got %q", order)
	}
	step(t, b, tab, "Enter on Sign in to chat", 5*time.Second, chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, tab, "the org's sign-in form with the username focused",
		`location.origin === `+jsString(env.OrgURL)+` && document.readyState === 'complete' && document.activeElement && document.activeElement.id === 'username'`, 15*time.Second)
	axeClean(t, tab, "the org's sign-in page")
	step(t, b, tab, "the credentials typed", 10*time.Second,
		chromedp.KeyEvent(harness.AliceUser), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(harness.AlicePass), chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, tab, "the org's consent page", `location.origin === `+jsString(env.OrgURL)+` && !!document.getElementById('oaapprove')`, 15*time.Second)
	axeClean(t, tab, "the org's consent page")
	tabTo(t, b, tab, "#oaapprove", 5)
	step(t, b, tab, "Enter on Allow", 5*time.Second, chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, tab, "the chat connected on the embed page", `location.pathname === '/__lo/embed' && `+statusIs("ready"), 20*time.Second)
	axeClean(t, tab, "embed page, signed in")
	shot(t, tab, "a11y-embed-signed-in")

	step(t, b, tab, "the sign-out page", 10*time.Second, chromedp.Navigate(env.URL+"/__lo/logout?rd=%2F__lo%2Fembed"))
	axeClean(t, tab, "sign-out page")
	tabTo(t, b, tab, `form[data-lo-signout] button[type="submit"]`, 8)
	step(t, b, tab, "Enter on Sign out", 5*time.Second, chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, tab, "the signed-out page", `location.pathname === '/__lo/signedout' && !!document.getElementById('lo-signin-again')`, 15*time.Second)
	axeClean(t, tab, "signed-out page")

	step(t, b, tab, "an error page (a forged callback)", 10*time.Second, chromedp.Navigate(env.URL+"/callback.html?state=forged&code=x"))
	waitFor(t, b, tab, "the error page with its next step and request id",
		`!!document.querySelector('.lo-actions a.lo-btn') && !!document.querySelector('.lo-requestid code')`, 5*time.Second)
	axeClean(t, tab, "error page")

	journeyEnd{name: "a11y-keyboard", tab: tab, env: env, b: b, mark: mark, signedIn: false,
		allowStatus: func(status int, m browser.Message) bool {
			return status == http.StatusBadRequest && strings.Contains(m.Text, "/callback.html")
		}}.check(t)
}

// TestAccessibilityOfTheSignInPopupPages renders the popup's callback page in
// each state (it closes itself within a moment in a real sign-in) with the
// gateway's templates and stylesheet, and runs axe-core on it.
func TestAccessibilityOfTheSignInPopupPages(t *testing.T) {
	b := needSuite(t)
	r, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]templates.CallbackData{
		"/popup-ok":     {Popup: true, OK: true, Redirect: "/", OpenerOrigin: "http://localhost:1"},
		"/popup-failed": {Popup: true, Redirect: "/", OpenerOrigin: "http://localhost:1"},
	}
	mux := http.NewServeMux()
	mux.Handle("GET /__lo/static/", static.Handler())
	mux.HandleFunc("GET /favicon.ico", siteFavicon)
	for p, d := range pages {
		mux.HandleFunc("GET "+p, func(w http.ResponseWriter, _ *http.Request) {
			d.Page = templates.Page{Nonce: "bm9uY2Utbm9uY2Utbm9uY2U=", RequestID: "a11y-1", SiteName: "localhost", Title: "Signing in"}
			if err := r.Render(w, http.StatusOK, "callback", d); err != nil {
				t.Errorf("render %s: %v", p, err)
			}
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	for p := range pages {
		step(t, b, b.Ctx, "the popup page "+p, 10*time.Second, chromedp.Navigate(srv.URL+p))
		waitFor(t, b, b.Ctx, "the page's script to have run", `document.readyState === 'complete'`, 5*time.Second)
		axeClean(t, b.Ctx, "sign-in popup "+p)
	}
}

// frameFocus is the id of the focused element inside the chat frame.
const frameFocus = `(document.activeElement && document.activeElement.id) || ''`

func TestAccessibilityKeyboardOnlyChatOpenAndCloseOnASitePage(t *testing.T) {
	b := needSuite(t)
	env := startSite(t)
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the site's home page with the launcher", 15*time.Second, chromedp.Navigate(env.URL+"/"))
	waitFor(t, b, tab, "the launcher to offer sign-in", `!!document.getElementById('logateway-launcher') && `+statusIs("signed-out"), 15*time.Second)
	axeClean(t, tab, "site page with the launcher, signed out")
	tabTo(t, b, tab, "#logateway-launcher #lo-signin", 12)
	step(t, b, tab, "Enter on the launcher's sign-in", 5*time.Second, chromedp.KeyEvent(kb.Enter))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the chat connected on the site's page", `location.pathname === '/' && `+statusIs("ready"), 20*time.Second)
	frame, _ := chatFrame(t, b, env, nil)
	step(t, b, frame, "the chat rendered, minimized to its button", 15*time.Second, chromedp.WaitReady(chromedp.CSS("#acc-root.acc--minimized #acc-fab")))
	axeClean(t, tab, "site page with the launcher, signed in")

	// Tab from the page into the chat's frame: its button is the first stop there.
	inFrame := false
	for i := 0; i < 15 && !inFrame; i++ {
		step(t, b, tab, "a Tab key press", 5*time.Second, chromedp.KeyEvent(kb.Tab))
		id, _ := chromedp.Run(frame, chromedp.Evaluate[string](`document.hasFocus() ? `+frameFocus+` : ''`))
		inFrame = id == "acc-fab"
	}
	if !inFrame {
		t.Fatal("want keyboard focus to reach the chat's open button within 15 Tab presses, it did not")
	}
	step(t, b, tab, "Enter on the chat's button", 5*time.Second, chromedp.KeyEvent(kb.Enter))
	waitFor(t, b, frame, "the chat open", `!!document.querySelector('#acc-root.acc--maximized')`, 5*time.Second)
	waitFor(t, b, tab, "the page to know the chat is open", `!!document.querySelector('#logateway-launcher .acc-maximized')`, 5*time.Second)
	axeClean(t, frame, "the open chat (the org's frame)")

	closed := false
	for i := 0; i < 10 && !closed; i++ {
		if id, _ := chromedp.Run(frame, chromedp.Evaluate[string](frameFocus)); id == "acc-minimize" {
			step(t, b, tab, "Enter on Minimize", 5*time.Second, chromedp.KeyEvent(kb.Enter))
			closed = true
			break
		}
		step(t, b, tab, "a Tab key press", 5*time.Second, chromedp.KeyEvent(kb.Tab))
	}
	if !closed {
		t.Fatal("want keyboard focus to reach the chat's Minimize button, it did not")
	}
	waitFor(t, b, frame, "the chat closed to its button", `!!document.querySelector('#acc-root.acc--minimized')`, 5*time.Second)
	waitFor(t, b, tab, "the page to know the chat is closed", `!!document.querySelector('#logateway-launcher .acc-minimized')`, 5*time.Second)

	journeyEnd{name: "a11y-keyboard-chat", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
}
