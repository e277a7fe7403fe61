package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/internal/harness"
)

// artifactDir is where screenshots go: build/e2e at the repository root (a CI
// artifact), or LOGATEWAY_E2E_ARTIFACTS.
func artifactDir() string {
	if d := os.Getenv("LOGATEWAY_E2E_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join("..", "build", "e2e")
}

// secretInURL matches what must never sit in a URL the browser ends on or in
// document.cookie: authorization codes, frontdoor otps and URLs, tokens, org
// session ids, and Salesforce-style access tokens (00D…!…).
var secretInURL = regexp.MustCompile(`(?i)([?&#](code|otp|sid|access_token|refresh_token|id_token|token)=|frontdoor\.jsp|singleaccess|00D[a-z0-9]{12,15}!)`)

// journeyEnd is what every journey checks at its end.
type journeyEnd struct {
	name string           // screenshot file name, without .png
	tab  context.Context  // the tab whose final state is captured
	env  *harness.Env     // the gateway + org the journey ran against
	b    *browser.Browser // the browser
	mark int              // console position at the journey's start
	// frames are extra targets (org iframes, popups) whose document.cookie is checked.
	frames []context.Context
	// allowCSP accepts a CSP violation the journey expects (the framing attempt).
	allowCSP func(browser.Message) bool
	// allowURL accepts a secret-looking URL the journey knowingly ends on (the
	// journey says why); every other URL is still checked.
	allowURL func(u string) bool
	// allowError accepts a console error the journey expects from code that is
	// not ours (an SDK logging the failure the page recovers from).
	allowError func(browser.Message) bool
	// allowStatus accepts a failed load (an HTTP error status the browser logs)
	// the journey provokes on purpose: the org's 401 for an expired session, a
	// refusal page. A 404 is never accepted.
	allowStatus func(status int, m browser.Message) bool
	// signedIn says whether the gateway session cookie must exist at the end.
	signedIn bool
}

// check runs the checks every journey shares: screenshot, URLs, document.cookie,
// cookie flags, console.
func (j journeyEnd) check(t *testing.T) {
	t.Helper()
	j.screenshot(t)
	j.checkURLs(t)
	j.checkDocumentCookie(t)
	j.checkCookieFlags(t)
	j.checkConsole(t)
}

func (j journeyEnd) screenshot(t *testing.T) {
	t.Helper()
	shot(t, j.tab, j.name)
}

// shot saves what the tab shows now as <name>.png in the artifact directory.
func shot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	// Scroll the page to the top so the shot shows the header and the chat.
	_, _ = chromedp.Run(tab, chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`))
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("want a screenshot of the final state, got %v", err)
		return
	}
	dir := artifactDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("want the artifact directory %s, got %v", dir, err)
		return
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("want the screenshot written to %s, got %v", path, err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// checkURLs: no secret in the URL of any page, popup or iframe the browser has open.
func (j journeyEnd) checkURLs(t *testing.T) {
	t.Helper()
	infos, err := chromedp.Targets(j.b.Ctx)
	if err != nil {
		t.Errorf("want the browser's targets, got %v", err)
		return
	}
	for _, info := range infos {
		if info.Type != "page" && info.Type != "iframe" {
			continue
		}
		if m := secretInURL.FindString(info.URL); m != "" && (j.allowURL == nil || !j.allowURL(info.URL)) {
			t.Errorf("want no code, token or frontdoor URL in the %s URL the browser ends on, got %q in %s", info.Type, m, redact(info.URL))
		}
	}
	loc, err := chromedp.Run(j.tab, chromedp.Location())
	if err != nil {
		t.Errorf("want the tab's location, got %v", err)
		return
	}
	if m := secretInURL.FindString(loc); m != "" && (j.allowURL == nil || !j.allowURL(loc)) {
		t.Errorf("want no secret in the final URL, got %q in %s", m, redact(loc))
	}
}

// checkDocumentCookie: scripts see no session cookie and no secret.
func (j journeyEnd) checkDocumentCookie(t *testing.T) {
	t.Helper()
	for i, ctx := range append([]context.Context{j.tab}, j.frames...) {
		dc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`))
		if err != nil {
			// A popup that closed itself has no document left; that is its end state.
			if i > 0 {
				continue
			}
			t.Errorf("want document.cookie of the tab, got %v", err)
			continue
		}
		for _, c := range strings.Split(dc, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(c), "=")
			if name == "" {
				continue
			}
			if strings.Contains(name, "lo_session") || strings.HasPrefix(name, "lo_flow") || name == "sid" || strings.Contains(strings.ToLower(name), "token") {
				t.Errorf("want the session, flow and org cookies hidden from scripts (HttpOnly), got %q in document.cookie", name)
			}
		}
		if m := secretInURL.FindString("?" + strings.ReplaceAll(dc, "; ", "&")); m != "" {
			t.Errorf("want no secret in document.cookie, got %q", m)
		}
	}
}

// checkCookieFlags checks every cookie the browser holds. The gateway's site is
// http in dev: its session cookie is lo_session, HttpOnly, SameSite=Lax, not
// Secure (a __Host- name needs https). The org's cookies cross sites into the
// Lightning Out iframes, so theirs are SameSite=None and therefore Secure.
func (j journeyEnd) checkCookieFlags(t *testing.T) {
	t.Helper()
	res, err := chromedp.CallBrowser(j.b.Ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Errorf("want the browser's cookies, got %v", err)
		return
	}
	gw, _ := url.Parse(j.env.URL)
	https := gw.Scheme == "https"
	var session *network.Cookie
	for _, c := range res.Cookies {
		switch {
		case strings.HasPrefix(c.Name, "__Host-"):
			if !c.Secure || c.Path != "/" || strings.HasPrefix(c.Domain, ".") {
				t.Errorf("want cookie %s Secure, Path=/ and host-only (the __Host- rules), got secure=%v path=%q domain=%q", c.Name, c.Secure, c.Path, c.Domain)
			}
		}
		if c.SameSite == network.CookieSameSiteNone && !c.Secure {
			t.Errorf("want cookie %s on %s Secure because it is SameSite=None, got not Secure", c.Name, c.Domain)
		}
		if c.SameSite == "" {
			t.Errorf("want cookie %s on %s to say its SameSite mode, got none (the browser's default applies)", c.Name, c.Domain)
		}
		if !c.HTTPOnly {
			t.Errorf("want cookie %s on %s HttpOnly (no script needs it), got readable by scripts", c.Name, c.Domain)
		}
		if c.Domain == gw.Hostname() && (c.Name == "lo_session" || c.Name == "__Host-lo_session") {
			session = c
		}
	}
	if !j.signedIn {
		if session != nil {
			t.Errorf("want no session cookie after this journey (signed out), got %s", session.Name)
		}
		return
	}
	if session == nil {
		var names []string
		for _, c := range res.Cookies {
			names = append(names, c.Domain+":"+c.Name)
		}
		t.Errorf("want the gateway's session cookie on %s, got cookies %v", gw.Hostname(), names)
		return
	}
	wantName := "lo_session"
	if https {
		wantName = "__Host-lo_session"
	}
	if session.Name != wantName || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax || session.Secure != https || session.Path != "/" {
		t.Errorf("want the session cookie %s, HttpOnly, SameSite=Lax, Secure=%v, Path=/; got %s, HttpOnly=%v, SameSite=%s, Secure=%v, Path=%s",
			wantName, https, session.Name, session.HTTPOnly, session.SameSite, session.Secure, session.Path)
	}
}

// checkConsole: zero CSP violations, zero uncaught errors, zero 404s and no other
// failed load the journey did not provoke, on any target.
func (j journeyEnd) checkConsole(t *testing.T) {
	t.Helper()
	msgs := j.b.Console.Since(j.mark)
	for _, m := range msgs {
		switch {
		case m.CSPViolation():
			if j.allowCSP == nil || !j.allowCSP(m) {
				t.Errorf("want no CSP violation, got %s", m)
			}
		case m.Uncaught():
			if j.allowError != nil && j.allowError(m) {
				continue
			}
			t.Errorf("want no uncaught error in the console, got %s", m)
		case m.FailedLoad() == 404:
			t.Errorf("want no 404 on any page, popup or frame, got %s", m)
		case m.FailedLoad() != 0:
			if j.allowStatus != nil && j.allowStatus(m.FailedLoad(), m) {
				continue
			}
			t.Errorf("want no failed load (an error status) in the console, got %s", m)
		}
	}
	if t.Failed() || os.Getenv("LOGATEWAY_E2E_CONSOLE") == "1" {
		for _, m := range msgs {
			t.Logf("console: %s", m)
		}
	}
}

// orgSessionExpired accepts the org's 401 to the chat's message call in a
// session that was ended on purpose (what the page then recovers from).
func orgSessionExpired(status int, m browser.Message) bool {
	return status == 401 && strings.Contains(m.Text, "/lwr/acc/api/")
}

func redact(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i] + "?…"
	}
	return u
}
