package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/internal/harness"
)

// containerPrefix is the path of the stand-in ACC's container page on the org,
// the cross-site iframe that holds the chat.
const containerPrefix = "/lwr/application/amd/0/ai/lightningout%2Fcontainer"

// needSuite skips the journey unless the suite is switched on (make e2e, CI), and
// starts a fresh browser (its own profile directory) for it.
func needSuite(t *testing.T) *browser.Browser {
	t.Helper()
	if !browser.Enabled() {
		t.Skip("the browser suite runs with LOGATEWAY_E2E=1 (make e2e) or CI=true")
	}
	return browser.Start(t)
}

// step runs chromedp actions with a deadline and fails the journey, with the
// console so far, when they do not finish.
func step(t *testing.T, b *browser.Browser, ctx context.Context, what string, within time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		for _, m := range b.Console.Messages() {
			t.Logf("console: %s", m)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		failShot(t, ctx)
		t.Fatalf("want %s within %s, got %v (page at %s)", what, within, err, redact(loc))
	}
}

// waitFor polls a JavaScript expression until it is true. Navigations in between
// are fine: an evaluation that fails because the page is changing is retried.
func waitFor(t *testing.T, b *browser.Browser, ctx context.Context, what, js string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		ectx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	for _, m := range b.Console.Messages() {
		t.Logf("console: %s", m)
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	failShot(t, ctx)
	t.Fatalf("want %s within %s, but it did not happen (page at %s, last error %v)", what, within, redact(loc), last)
}

func statusIs(state string) string {
	return fmt.Sprintf(`(function () { var s = document.getElementById('lo-status'); return !!s && s.getAttribute('data-state') === %q; })()`, state)
}

// signInAtOrg fills the org's sign-in form in ctx (a tab or a popup) and approves
// the consent page if the org shows one, then waits until the browser has left
// the org.
func signInAtOrg(t *testing.T, b *browser.Browser, ctx context.Context, env *harness.Env) {
	t.Helper()
	waitFor(t, b, ctx, "the org's sign-in form", `!!document.getElementById('username') && location.origin === `+jsString(env.OrgURL), 15*time.Second)
	// The marker tells the form page from the next page: a page that still has it
	// has not navigated yet.
	step(t, b, ctx, "the sign-in form submitted", 10*time.Second,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__e2eSubmitted = true`))
			return err
		}),
		chromedp.SetValue(chromedp.CSS("#username"), harness.AliceUser),
		chromedp.SendKeys(chromedp.CSS("#password"), harness.AlicePass),
		chromedp.Click(chromedp.CSS("#Login")),
	)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ectx, cancel := context.WithTimeout(ctx, 2*time.Second)
		where, err := chromedp.Run(ectx, chromedp.Evaluate[string](`window.__e2eSubmitted ? 'same' : location.origin === `+jsString(env.OrgURL)+
			` ? (document.getElementById('oaapprove') ? 'consent' : (document.readyState === 'complete' && document.getElementById('username') ? 'login' : 'org')) : 'away'`))
		cancel()
		switch {
		case err != nil && targetGone(b, ctx):
			return // a popup that closed itself after the callback
		case err != nil:
		case where == "away":
			return
		case where == "consent":
			step(t, b, ctx, "the consent page approved", 10*time.Second,
				chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
					_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__e2eSubmitted = true`))
					return err
				}),
				chromedp.Click(chromedp.CSS("#oaapprove")))
		case where == "login":
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 300)`))
			t.Fatalf("want the org to accept %s, got its sign-in form again: %q", harness.AliceUser, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("want the browser to leave the org after sign-in within 15s, it did not")
}

// chat sends text in the org's container iframe and returns the agent's reply
// (the agentMessages-th agent message: the greeting is the first).
func chat(t *testing.T, b *browser.Browser, frame context.Context, text string, agentMessages int) string {
	t.Helper()
	// A floating chat starts minimized to its button; the visitor opens it.
	step(t, b, frame, "the chat rendered", 15*time.Second, chromedp.WaitReady(chromedp.CSS("#acc-root")))
	if minimized, _ := chromedp.Run(frame, chromedp.Evaluate[bool](`!!document.querySelector('#acc-root.acc--minimized #acc-fab')`)); minimized {
		step(t, b, frame, "the floating chat opened", 5*time.Second, chromedp.Click(chromedp.CSS("#acc-fab")))
	}
	step(t, b, frame, "the chat input", 15*time.Second,
		chromedp.WaitVisible(chromedp.CSS("#acc-input")),
		chromedp.SendKeys(chromedp.CSS("#acc-input"), text),
		chromedp.Click(chromedp.CSS("#acc-send")),
	)
	js := fmt.Sprintf(`(function () {
  var a = document.querySelectorAll('#acc-messages .acc-message--agent .acc-message__text');
  return a.length >= %d ? a[a.length - 1].textContent : '';
})()`, agentMessages)
	pctx, cancel := context.WithTimeout(frame, 15*time.Second)
	defer cancel()
	reply, err := chromedp.Run(pctx, chromedp.Poll[string](js, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("want the agent to answer %q, got %v", text, err)
	}
	return reply
}

// chatFrame attaches to the container iframe (skipping ones already used) and
// returns its context; the attachment ends with the test.
func chatFrame(t *testing.T, b *browser.Browser, env *harness.Env, skip map[target.ID]bool) (context.Context, target.ID) {
	t.Helper()
	ctx, id, cancel, err := b.Attach("iframe", env.OrgURL+containerPrefix, skip, 20*time.Second)
	if err != nil {
		for _, m := range b.Console.Messages() {
			t.Logf("console: %s", m)
		}
		t.Fatalf("want the chat's container iframe from the org, got %v", err)
	}
	t.Cleanup(cancel)
	return ctx, id
}

func wantReply(t *testing.T, reply, asked string) {
	t.Helper()
	if want := fmt.Sprintf("You asked: %q", asked); !strings.Contains(reply, want) {
		t.Fatalf("want the agent's reply to contain %s, got %q", want, reply)
	}
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// pageServer serves one site's pages on a loopback address of its own (host is
// "localhost" or an IP in 127.0.0.0/8), so it is a different origin, or site,
// from the gateway.
func pageServer(t *testing.T, host string, h http.Handler) string {
	t.Helper()
	addr := host
	if host == "localhost" {
		addr = "127.0.0.1" // where the harness puts the gateway's "localhost" too
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatalf("want a listener for a page server on %s, got %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return fmt.Sprintf("http://%s:%d", host, ln.Addr().(*net.TCPAddr).Port)
}

// failShot saves what the page showed when a step failed, beside the journeys'
// final screenshots, and logs the page's text.
func failShot(t *testing.T, ctx context.Context) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if text, err := chromedp.Run(sctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 600) : ''`)); err == nil {
		t.Logf("page text: %q", text)
	}
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		return
	}
	name := "FAILED-" + strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".png"
	if err := os.MkdirAll(artifactDir(), 0o755); err == nil {
		path := filepath.Join(artifactDir(), name)
		if os.WriteFile(path, png, 0o644) == nil {
			t.Logf("screenshot of the failure: %s", path)
		}
	}
}

// targetGone reports whether the target ctx drives has closed (a sign-in popup
// closes itself once it has told its opener).
func targetGone(b *browser.Browser, ctx context.Context) bool {
	c := chromedp.FromContext(ctx)
	if c == nil || c.Target == nil {
		return true
	}
	infos, err := chromedp.Targets(b.Ctx)
	if err != nil {
		return false
	}
	for _, info := range infos {
		if info.TargetID == c.Target.TargetID {
			return false
		}
	}
	return true
}
