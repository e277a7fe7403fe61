package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/internal/harness"
)

// viewport is a screen the visitor's pages must fit.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var viewports = []viewport{{"desktop", 1280, 860, false}, {"phone", 390, 844, true}}

// docsShot saves the tab as <name>-<viewport>.png in the artifact directory, and
// in docs/screenshots (what the README shows) when LOGATEWAY_E2E_DOCS=1.
func docsShot(t *testing.T, tab context.Context, name string, vp viewport) {
	t.Helper()
	file := name + "-" + vp.name
	shot(t, tab, file)
	if os.Getenv("LOGATEWAY_E2E_DOCS") != "1" {
		return
	}
	b, err := os.ReadFile(filepath.Join(artifactDir(), file+".png"))
	if err == nil {
		err = os.WriteFile(filepath.Join("..", "docs", "screenshots", file+".png"), b, 0o644)
	}
	if err != nil {
		t.Errorf("want %s.png in docs/screenshots, got %v", file, err)
	}
}

// fitsWidth fails when the page scrolls sideways: every control must be
// reachable without horizontal scrolling on a phone.
func fitsWidth(t *testing.T, b *browser.Browser, tab context.Context, page string, vp viewport) {
	t.Helper()
	w, err := chromedp.Run(tab, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Errorf("%s (%s): want the page width, got %v", page, vp.name, err)
		return
	}
	if w > vp.width {
		t.Errorf("%s (%s): want no horizontal scrolling at %d px, got a page %d px wide", page, vp.name, vp.width, w)
	}
}

// controlsUncovered fails when anything (the chat) lies over the page's own
// controls: the status, Sign out and the user menu must be what a tap at their
// centre reaches.
func controlsUncovered(t *testing.T, tab context.Context, page string, vp viewport) {
	t.Helper()
	covered, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`(function () {
  var out = [];
  document.querySelectorAll('#lo-status, .lo-user button, .lo-user a, .lo-brand').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    if (!hit || !(hit === el || el.contains(hit))) {
      out.push((el.id || el.className || el.tagName) + ' under ' + (hit ? (hit.id || hit.className || hit.tagName) : 'nothing'));
    }
  });
  return out;
})()`))
	if err != nil {
		t.Errorf("%s (%s): want the page's controls checked, got %v", page, vp.name, err)
		return
	}
	for _, c := range covered {
		t.Errorf("%s (%s): want the page's controls uncovered, got %s", page, vp.name, c)
	}
}

func TestVisitorPagesOnADesktopAndA390pxPhone(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			b := needSuite(t)
			env := harness.Start(t, harness.Options{DevBanners: true})
			mark := b.Console.Mark()
			tab := b.Ctx
			step(t, b, tab, "the "+vp.name+" viewport", 5*time.Second, emulate(vp))

			step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
			waitFor(t, b, tab, "the embed page to offer sign-in", statusIs("signed-out"), 10*time.Second)
			fitsWidth(t, b, tab, "embed page, signed out", vp)
			docsShot(t, tab, "embed-signed-out", vp)

			step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
			signInAtOrg(t, b, tab, env)
			waitFor(t, b, tab, "the chat connected", `location.pathname === '/__lo/embed' && `+statusIs("ready"), 20*time.Second)
			frame, _ := chatFrame(t, b, env, nil)
			wantReply(t, chat(t, b, frame, "Where is my order?", 2), "Where is my order?")
			fitsWidth(t, b, tab, "embed page, signed in", vp)
			controlsUncovered(t, tab, "embed page, signed in", vp)
			if inline, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`!!document.querySelector('#lo-container.acc-mode-inline')`)); !inline {
				t.Errorf("embed page (%s): want the chat inline in its card, got another mode", vp.name)
			}
			docsShot(t, tab, "embed-chat", vp)

			step(t, b, tab, "the sign-out page", 10*time.Second, chromedp.Navigate(env.URL+"/__lo/logout?rd=%2F__lo%2Fembed"))
			fitsWidth(t, b, tab, "sign-out page", vp)
			docsShot(t, tab, "sign-out-confirm", vp)
			step(t, b, tab, "a click on Sign out", 5*time.Second, chromedp.WaitReady(chromedp.CSS("body")), chromedp.Click(chromedp.CSS(`form[data-lo-signout] button[type="submit"]`)))
			waitFor(t, b, tab, "the signed-out page", `location.pathname === '/__lo/signedout' && !!document.getElementById('lo-signin-again')`, 15*time.Second)
			fitsWidth(t, b, tab, "signed-out page", vp)
			docsShot(t, tab, "signed-out", vp)

			step(t, b, tab, "an error page", 10*time.Second, chromedp.Navigate(env.URL+"/callback.html?state=forged&code=x"))
			fitsWidth(t, b, tab, "error page", vp)
			docsShot(t, tab, "error-page", vp)

			journeyEnd{name: "viewports-" + vp.name, tab: tab, env: env, b: b, mark: mark, signedIn: false,
				allowStatus: func(status int, m browser.Message) bool { return status == 400 }}.check(t)
		})
	}
}

// emulate sets the tab's viewport; a phone is a mobile, touch, portrait screen
// with the device pixel ratio of 2 a screenshot can be read at.
func emulate(vp viewport) chromedp.Action[chromedp.Void] {
	if vp.mobile {
		return chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(2))
	}
	return chromedp.EmulateViewport(vp.width, vp.height)
}
