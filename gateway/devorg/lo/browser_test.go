package lo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// containerPrefix is the escaped path of the LWR container page.
const containerPrefix = "/lwr/application/amd/0/ai/lightningout%2Fcontainer"

// fakeOrg is the smallest org core the stand-in needs: single-use frontdoor
// otps that set a SameSite=None sid cookie, and a session table the test can
// empty to make the org session "expire".
type fakeOrg struct {
	mu       sync.Mutex
	otps     map[string]bool
	sessions map[string]Session
	requests []string // escaped request URIs the org answered, in order
}

func (o *fakeOrg) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.requests = append(o.requests, r.URL.RequestURI())
		o.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// seen returns the recorded request URIs that start with prefix.
func (o *fakeOrg) seen(prefix string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, u := range o.requests {
		if strings.HasPrefix(u, prefix) {
			out = append(out, u)
		}
	}
	return out
}

func (o *fakeOrg) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie("sid"); err == nil {
		o.mu.Lock()
		delete(o.sessions, c.Value)
		o.mu.Unlock()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<!doctype html><title>Logout</title><p>You are logged out")
}

func (o *fakeOrg) mint() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	otp := randomHex()
	o.otps[otp] = true
	return otp
}

func (o *fakeOrg) expireSessions() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.sessions)
}

func (o *fakeOrg) session(r *http.Request) (Session, bool) {
	c, err := r.Cookie("sid")
	if err != nil {
		return Session{}, false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	s, ok := o.sessions[c.Value]
	return s, ok
}

func (o *fakeOrg) frontdoor(w http.ResponseWriter, r *http.Request) {
	otp := r.URL.Query().Get("otp")
	o.mu.Lock()
	valid := o.otps[otp]
	delete(o.otps, otp)
	if valid {
		sid := randomHex()
		o.sessions[sid] = testUser
		o.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteNoneMode})
		start := r.URL.Query().Get("startURL")
		if !strings.HasPrefix(start, "/") || strings.HasPrefix(start, "//") {
			start = "/"
		}
		http.Redirect(w, r, start, http.StatusFound)
		return
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, "<!doctype html><title>Login</title><p>Sign in to Salesforce</p>")
}

func randomHex() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hostPage is the embedding site's page under a strict nonce CSP: scripts and
// frames only from the org, no inline anything without the nonce.
func hostPage(orgURL string, body func(nonce string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		nonce := newNonce()
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"' "+orgURL+
			"; style-src 'nonce-"+nonce+"'; frame-src "+orgURL+"; connect-src 'self'; img-src 'self' data:")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body(nonce))
	}
}

const eventLogScript = `
window.__events = [];
window.__details = {};
window.__log = function (name, detail) {
  window.__events.push(name);
  window.__details[name] = detail && typeof detail === 'object' ? JSON.stringify({message: detail.message}) : String(detail);
};
window.__fd = async function (bad) {
  const r = await fetch('/frontdoor' + (bad ? '?bad=1' : ''), {method: 'POST'});
  return (await r.json()).frontdoorUrl;
};
function __watch(el, names) { names.forEach(function (n) { el.addEventListener(n, function (e) { window.__log(n, e.detail); }); }); }
`

func startBrowserFixture(t *testing.T, reportSessionEnd bool) (host, org string, o *fakeOrg) {
	t.Helper()
	o = &fakeOrg{otps: map[string]bool{}, sessions: map[string]Session{}}
	orgMux := http.NewServeMux()
	var hostOrigin string
	h := Handler(Options{
		SessionFromRequest: o.session,
		TrustedDomains:     func() []string { return []string{hostOrigin} },
		AppEnabled:         func(id string) bool { return id == "" || id == "1Us000000000001AAA" },
		AuthTimeout:        2 * time.Second,
		DevBanner:          true,

		ComponentReportsSessionEnd: reportSessionEnd,
	})
	for _, p := range Prefixes {
		orgMux.Handle(p, h)
	}
	orgMux.HandleFunc("/secur/frontdoor.jsp", o.frontdoor)
	orgMux.HandleFunc("/secur/logout.jsp", o.logout)
	orgSrv := httptest.NewServer(o.record(orgMux))
	t.Cleanup(orgSrv.Close)
	org = orgSrv.URL // http://127.0.0.1:PORT

	hostMux := http.NewServeMux()
	hostMux.HandleFunc("POST /frontdoor", func(w http.ResponseWriter, r *http.Request) {
		otp := "spent-" + randomHex()
		if r.URL.Query().Get("bad") == "" {
			otp = o.mint()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]string{"frontdoorUrl": org + "/secur/frontdoor.jsp?otp=" + otp})
	})
	hostMux.HandleFunc("GET /host.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		fmt.Fprint(w, ".acc-frame{outline:1px solid #0b6b3a}")
	})
	// acc.html embeds the ACC with the SDK; ?floating=1 in floating mode,
	// ?styled=1 with the page providing the SDK's stylesheet id itself.
	hostMux.HandleFunc("GET /acc.html", func(w http.ResponseWriter, r *http.Request) {
		mode, styled := "inline", ""
		if r.URL.Query().Has("floating") {
			mode = "floating"
		}
		hostPage(org, func(n string) string {
			if r.URL.Query().Has("styled") {
				styled = `<link id="agentforce-client-injected-styles" rel="stylesheet" href="/host.css" nonce="` + n + `">`
			}
			return `<!doctype html><html><head><title>Host</title>
<style nonce="` + n + `">body{font-family:sans-serif;margin:16px;background:#f4f6f9}#chat{width:420px;height:600px}</style>` + styled + `
<script nonce="` + n + `">` + eventLogScript + `</script>
<script nonce="` + n + `" src="` + org + SDKPath + `"></script></head>
<body><h1>Host site</h1><div id="chat"></div>
<script nonce="` + n + `">
(async function () {
  const res = embedAgentforceClient({
    container: '#chat', frontdoorUrl: await window.__fd(), appId: '1Us000000000001AAA',
    agentforceClientConfig: {
      agentId: '0XxRM0000000001AAA', agentLabel: 'Support Agent',
      renderingConfig: {mode: '` + mode + `', headerEnabled: true, width: 420, height: 600,
        styleTokens: {headerBlockBackground: '#0b6b3a'}},
      styleTokens: {messageBlockOutboundBackgroundColor: '#0b6b3a'}
    }
  });
  window.__res = res;
  __watch(res.loApp, ['lo.application.ready', 'lo.application.error', 'lo.iframe.error', 'lo.iframe.load']);
  __watch(res.chatClientComponent, ['lo.component.ready', 'lo.component.error', 'accready', 'accmaximize']);
  window.__refresh = async function () { res.loApp.setAttribute('frontdoor-url', await window.__fd()); };
})();
</script></body></html>`
		})(w, r)
	})
	// contract.html loads only the library; each contract test builds its
	// elements with the helpers in contractScript.
	hostMux.HandleFunc("GET /contract.html", hostPage(org, func(n string) string {
		return `<!doctype html><html><head><title>Contract</title>
<script nonce="` + n + `">` + eventLogScript + contractScript + `</script>
<script nonce="` + n + `" src="` + org + LibraryPath + `"></script></head>
<body><h1>Contract</h1></body></html>`
	}))
	hostMux.HandleFunc("GET /lo.html", hostPage(org, func(n string) string {
		return `<!doctype html><html><head><title>LO host</title>
<script nonce="` + n + `">` + eventLogScript + `</script>
<script nonce="` + n + `" src="` + org + LibraryPath + `"></script></head>
<body><lightning-out-application app-id="1Us000000000001AAA" components="c/helloCard"></lightning-out-application>
<c-hello-card greeting="hello" style="--brand:#123456;color:red"></c-hello-card>
<script nonce="` + n + `">
(async function () {
  const app = document.querySelector('lightning-out-application');
  __watch(app, ['lo.application.ready', 'lo.application.error', 'lo.iframe.error', 'lo.iframe.load']);
  __watch(document.querySelector('c-hello-card'), ['lo.component.ready', 'lo.component.error']);
  app.setAttribute('frontdoor-url', await window.__fd(new URLSearchParams(location.search).has('bad')));
})();
</script></body></html>`
	}))
	hostSrv := httptest.NewServer(hostMux)
	t.Cleanup(hostSrv.Close)
	// Same listener, different site: the host is localhost, the org 127.0.0.1.
	host = strings.Replace(hostSrv.URL, "127.0.0.1", "localhost", 1)
	hostOrigin = host
	return host, org, o
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("LOGATEWAY_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("want Chromium at %s (LOGATEWAY_REQUIRE_CHROMIUM=1), got %v", chromiumPath, err)
		}
		t.Skipf("Chromium not found at %s; set LOGATEWAY_REQUIRE_CHROMIUM=1 to make this a failure", chromiumPath)
	}
	// Lightning Out needs third-party cookies (docs/salesforce.md §3.6, step 6); headless
	// Chromium blocks them by default, and only this profile preference (not
	// Network.setCookieControls) lets the org's SameSite=None sid cookie into
	// the cross-site iframes.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "Default"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Default", "Preferences"), []byte(`{"profile":{"cookie_controls_mode":0,"block_third_party_cookies":false}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1000, 760),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("want Chromium to start, got %v", err)
	}
	return ctx
}

// waitEvent polls the host page's event log until name was seen count times.
func waitEvent(t *testing.T, ctx context.Context, name string, count int, within time.Duration) {
	t.Helper()
	js := fmt.Sprintf(`(window.__events || []).filter(function (n) { return n === %q; }).length >= %d`, name, count)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		seen, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__events || []`))
		t.Fatalf("want event %s x%d within %s, got events %v (%v)", name, count, within, seen, err)
	}
}

// containerFrame attaches to the cross-site component iframe (its own target
// under site isolation) whose URL is the ACC container page. It detaches on
// cancel: closing an iframe target would close the host tab with it.
func containerFrame(t *testing.T, ctx context.Context, org string, skip map[target.ID]bool) (context.Context, target.ID) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("want the browser's targets, got %v", err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && !skip[info.TargetID] && strings.HasPrefix(info.URL, org+"/lwr/application/amd/0/ai/lightningout%2Fcontainer") {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
				t.Cleanup(cancel)
				return fctx, info.TargetID
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("want an iframe target for the container page on %s, found none", org)
	return nil, ""
}

const lastReplyJS = `(function () {
  var a = document.querySelectorAll('#acc-messages .acc-message--agent .acc-message__text');
  return a.length >= %d ? a[a.length - 1].textContent : '';
})()`

func chat(t *testing.T, fctx context.Context, text string, agentMessages int) string {
	t.Helper()
	err := chromedp.Do(fctx,
		chromedp.WaitVisible(chromedp.CSS("#acc-input")),
		chromedp.Focus(chromedp.CSS("#acc-input")),
		chromedp.SendKeys(chromedp.CSS("#acc-input"), text),
	)
	if err == nil {
		// Key events go to whatever holds focus in the frame; on a busy
		// machine a late layout step has taken it after the first key. What
		// this test checks is the canned agent's answer, not typing, so the
		// message is completed by value when keys went astray.
		typed, _ := chromedp.Run(fctx, chromedp.Evaluate[string](`document.getElementById('acc-input').value`))
		if typed != text {
			t.Logf("the input held %q after typing %q; setting it by value", typed, text)
			err = chromedp.Do(fctx, chromedp.SetValue(chromedp.CSS("#acc-input"), text))
		}
	}
	if err == nil {
		err = chromedp.Do(fctx, chromedp.Click(chromedp.CSS("#acc-send")))
	}
	var reply string
	if err == nil {
		reply, err = chromedp.Run(fctx, chromedp.Poll[string](fmt.Sprintf(lastReplyJS, agentMessages), chromedp.WithPollingTimeout(25*time.Second)))
	}
	if err != nil {
		t.Fatalf("want a chat reply to %q, got %v", text, err)
	}
	return reply
}

func TestBrowser(t *testing.T) {
	ctx := newBrowser(t)
	host, org, o := startBrowserFixture(t, false)

	t.Run("the ACC renders on a cross-site host under a strict CSP and the canned agent answers", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(host+"/acc.html")); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ctx, "lo.application.ready", 1, 15*time.Second)
		waitEvent(t, ctx, "accready", 1, 15*time.Second)
		waitEvent(t, ctx, "lo.component.ready", 1, 5*time.Second)
		opacity, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('runtime_copilot-acc-sdk-wrapper.acc-frame').style.opacity`))
		if opacity != "1" {
			t.Errorf("want the wrapper visible (opacity 1) after accready, got %q", opacity)
		}
		fctx, _ := containerFrame(t, ctx, org, nil)
		reply := chat(t, fctx, "Where is my order?", 2)
		if want := `Hi Ada Lovelace! You asked: "Where is my order?"`; !strings.HasPrefix(reply, want) {
			t.Fatalf("want a reply starting %q, got %q", want, reply)
		}
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("want a screenshot, got %v", err)
		}
		shot := filepath.Join("..", "..", "..", "docs", "screenshots", "devorg-chat.png")
		if err := os.MkdirAll(filepath.Dir(shot), 0o755); err == nil {
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Errorf("want the screenshot written to %s, got %v", shot, err)
			}
		}

		// The org session ends: the chat says so. A fresh frontdoor URL logs
		// the application in again, but the ready chat is not reloaded, so it
		// stays ended: only a new component element would render again.
		o.expireSessions()
		err = chromedp.Do(fctx,
			chromedp.SendKeys(chromedp.CSS("#acc-input"), "Are you still there?"),
			chromedp.Click(chromedp.CSS("#acc-send")),
		)
		if err == nil {
			_, err = chromedp.Run(fctx, chromedp.Poll[bool](`!document.getElementById('acc-session-ended').hidden`, chromedp.WithPollingTimeout(10*time.Second)))
		}
		if err != nil {
			t.Fatalf("want the session-ended notice after the org session expired, got %v", err)
		}
		containers := len(o.seen(containerPrefix))
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__refresh().then(function () { return true; })`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatalf("want the host to set a new frontdoor-url, got %v", err)
		}
		waitEvent(t, ctx, "lo.application.ready", 2, 15*time.Second)
		time.Sleep(time.Second)
		if n := len(o.seen(containerPrefix)) - containers; n != 0 {
			t.Errorf("want the ready chat left as it is after a new login (no container page load), got %d loads", n)
		}
		ended, _ := chromedp.Run(fctx, chromedp.Evaluate[bool](`!document.getElementById('acc-session-ended').hidden && document.getElementById('acc-input').disabled`))
		if !ended {
			t.Errorf("want the same chat frame, still showing its ended session, after the new login")
		}
	})

	t.Run("a plain component renders after lo.application.ready", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(host+"/lo.html")); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ctx, "lo.application.ready", 1, 15*time.Second)
		waitEvent(t, ctx, "lo.component.ready", 1, 15*time.Second)
		origin, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__details['lo.iframe.load']`))
		if origin != org {
			t.Errorf("want lo.iframe.load detail %q (the org origin), got %q", org, origin)
		}
	})

	t.Run("a spent frontdoor URL times out into lo.application.error", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(host+"/lo.html?bad=1")); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ctx, "lo.iframe.error", 1, 10*time.Second)
		waitEvent(t, ctx, "lo.application.error", 1, 2*time.Second)
		detail, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__details['lo.application.error']`))
		events, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__events`))
		if !strings.Contains(detail, "Unknown error, unable to load the iframe.") {
			t.Errorf("want the error message of docs/salesforce.md §3.2 step 5, got %q", detail)
		}
		for _, e := range events {
			if e == "lo.application.ready" || e == "lo.component.ready" {
				t.Errorf("want no %s without a session, got events %v", e, events)
			}
		}
	})
}
