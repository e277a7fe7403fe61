package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/devorg/lo"
	"github.com/logateway/logateway/internal/harness"
)

// recoveryTimeout is the org session timeout the gateway is told in the
// recovery journeys: short, so "the visitor came back after longer than the
// timeout" fits in a test.
const recoveryTimeout = 12 * time.Second

// startRecoverySite runs the site in native or sdk mode against an org whose
// components report an ended session (lo.error) or not: Salesforce documents
// no such signal, so recovery is tested both ways.
func startRecoverySite(t *testing.T, sdk, reportsSessionEnd bool, sessionTimeout time.Duration) *harness.Env {
	t.Helper()
	up := httptest.NewServer(upstreamSite())
	t.Cleanup(up.Close)
	return harness.Start(t, harness.Options{
		Upstream:   up.URL,
		DevBanners: true,
		OrgConfig: func(c *devorg.Config) {
			c.Assumptions.LOComponentReportsSessionEnd = reportsSessionEnd
		},
		Config: func(c *config.Config) {
			s := &c.Sites[0]
			s.Access = []config.AccessRule{{Path: "/account", Access: "protected"}}
			if sessionTimeout > 0 {
				s.Org.SessionTimeout = config.Duration(sessionTimeout)
				s.Org.RefreshMargin = config.Duration(time.Second)
				s.LightningOut.RemintInterval = config.Duration(sessionTimeout * 3 / 4)
			}
			if sdk {
				s.LightningOut.Bootstrap = "sdk"
				s.LightningOut.SDKURL = s.Org.MyDomain + lo.SDKPath
			}
		},
	})
}

// signInToChat takes a first-time visitor from the embed page through the
// org's sign-in to a connected chat, and returns the chat's frame.
func signInToChat(t *testing.T, b *browser.Browser, tab context.Context, env *harness.Env) (context.Context, target.ID) {
	t.Helper()
	step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to ask a first-time visitor to sign in", statusIs("signed-out"), 10*time.Second)
	step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the chat connected (data-state ready)", statusIs("ready"), 20*time.Second)
	return chatFrame(t, b, env, nil)
}

// sdkLogsItsErrors: the SDK logs the Lightning Out errors it sees (docs/salesforce.md
// §4.2); a recovery journey provokes them on purpose.
func sdkLogsItsErrors(m browser.Message) bool {
	return m.Kind == "console.error" && (strings.HasPrefix(m.Text, "[ACC] lo.application.error") ||
		strings.HasPrefix(m.Text, "[ACC] lo.component.error") || strings.HasPrefix(m.Text, "[ACC] lo.iframe.error"))
}

// TestAnEndedOrgSessionRecoversWithoutSignIn: the org session ends under an
// open chat. Salesforce's library never reloads a ready component after a new
// login, so the page must sign Lightning Out in again AND replace the chat's
// element; it learns of the end from the component's lo.error when the org
// sends one, and otherwise when the visitor comes back to the tab after longer
// than the org's session timeout.
func TestAnEndedOrgSessionRecoversWithoutSignIn(t *testing.T) {
	for _, mode := range []string{"native", "sdk"} {
		for _, signal := range []bool{false, true} {
			name := fmt.Sprintf("%s mode, component reports the ended session: %v", mode, signal)
			t.Run(name, func(t *testing.T) {
				b := needSuite(t)
				env := startRecoverySite(t, mode == "sdk", signal, recoveryTimeout)
				mark := b.Console.Mark()
				tab := b.Ctx

				first, firstID := signInToChat(t, b, tab, env)
				wantReply(t, chat(t, b, first, "hello", 2), "hello")
				if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector('lightning-out-application').__e2eFirst = true`)); err != nil {
					t.Fatalf("want to mark the Lightning Out application, got %v", err)
				}

				// The org session ends: browser sessions and access tokens, not the
				// refresh token. The chat says so when next used.
				// Every chat frame so far is the old chat's; the new one must be another.
				before := map[target.ID]bool{firstID: true}
				if infos, err := chromedp.Targets(b.Ctx); err == nil {
					for _, info := range infos {
						if info.Type == "iframe" && strings.HasPrefix(info.URL, env.OrgURL+containerPrefix) {
							before[info.TargetID] = true
						}
					}
				}
				env.Org.ExpireSessions()
				env.Org.ResetCounts()
				step(t, b, first, "a message sent into the ended session", 10*time.Second,
					chromedp.SendKeys(chromedp.CSS("#acc-input"), "are you there?"),
					chromedp.Click(chromedp.CSS("#acc-send")),
				)
				if !signal {
					// No word from the component: the page cannot know yet. The
					// visitor leaves; the browser hides and freezes the background
					// tab; the visitor comes back after longer than the session
					// timeout (resume, then visible again).
					waitFor(t, b, first, "the chat to show its ended session", `!document.getElementById('acc-session-ended').hidden`, 10*time.Second)
					lifecycle(t, b, tab, page.SetWebLifecycleStateStateFrozen)
					time.Sleep(recoveryTimeout + time.Second)
					lifecycle(t, b, tab, page.SetWebLifecycleStateStateActive)
					step(t, b, tab, "the tab shown again", 5*time.Second, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
						_, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
						return err
					}))
				}
				deadline := time.Now().Add(20 * time.Second)
				for env.Org.Count("frontdoor") < 1 && time.Now().Before(deadline) {
					time.Sleep(100 * time.Millisecond)
				}
				if env.Org.Count("frontdoor") < 1 {
					for _, m := range b.Console.Since(mark) {
						t.Logf("console: %s", m)
					}
					failShot(t, tab)
					t.Fatalf("want the page to sign the chat in again with a new frontdoor URL, got none within 20s")
				}
				waitFor(t, b, tab, "the chat connected again", statusIs("ready"), 30*time.Second)
				second, _ := chatFrame(t, b, env, before)
				wantReply(t, chat(t, b, second, "still here?", 2), "still here?")

				same, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`(function () {
  var apps = document.querySelectorAll('lightning-out-application');
  return apps.length === 1 && apps[0].__e2eFirst === true;
})()`))
				if !same {
					t.Errorf("want the recovery to sign the same Lightning Out application in again (removing it would log the org session out), got it replaced or duplicated")
				}
				comps, _ := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('runtime_copilot-acc-sdk-wrapper').length`))
				if comps != 1 {
					t.Errorf("want exactly one chat element after the replacement, got %d", comps)
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

				journeyEnd{name: "recovery-" + mode + map[bool]string{false: "-silent", true: "-signal"}[signal], tab: tab, env: env, b: b, mark: mark,
					frames: []context.Context{second}, signedIn: true, allowError: sdkLogsItsErrors, allowStatus: orgSessionExpired}.check(t)
			})
		}
	}
}

// lifecycle freezes or resumes the tab as the browser does with background tabs.
func lifecycle(t *testing.T, b *browser.Browser, tab context.Context, state page.SetWebLifecycleStateState) {
	t.Helper()
	step(t, b, tab, "the tab "+string(state), 5*time.Second, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.SetWebLifecycleState, page.SetWebLifecycleStateParams{State: state})
		return err
	}))
}

type rect struct{ Left, Top, Right, Bottom, Width, Height float64 }

func (r rect) overlaps(o rect) bool {
	return r.Left < o.Right && o.Left < r.Right && r.Top < o.Bottom && o.Top < r.Bottom
}

func (r rect) String() string {
	return fmt.Sprintf("[%.0f,%.0f %.0fx%.0f]", r.Left, r.Top, r.Width, r.Height)
}

func rectOf(t *testing.T, tab context.Context, selector string) rect {
	t.Helper()
	var r rect
	js := `(function () { var e = document.querySelector(` + jsString(selector) + `); if (!e) return null;
  var r = e.getBoundingClientRect(); return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom, Width: r.width, Height: r.height}; })()`
	got, err := chromedp.Run(tab, chromedp.Evaluate[*rect](js))
	if err != nil || got == nil {
		t.Fatalf("want the box of %s, got %v", selector, err)
	}
	r = *got
	return r
}

// storeWithSignOut is a site page with its own header, whose Sign out link
// the site marks data-lo-keep-visible so a floating chat stays clear of it.
func storeWithSignOut() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /favicon.ico", siteFavicon)
	mux.HandleFunc("GET /site.css", func(w http.ResponseWriter, r *http.Request) {
		// Sign out at the top right: in the floating chat's column.
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		fmt.Fprint(w, "body{margin:0;font-family:sans-serif}header{display:flex;justify-content:space-between;align-items:center;height:56px;padding:0 16px;border-bottom:1px solid #ddd}main{padding:16px}")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; img-src 'self' data:; object-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Store</title><link rel="stylesheet" href="/site.css"></head>
<body><header><a href="/">Acme Store</a> <nav><a id="site-signout" href="/__lo/logout" data-lo-keep-visible>Sign out</a></nav></header>
<main><h1>Acme Store</h1><p>Welcome to the Acme store. The chat is in the corner.</p></main></body></html>`)
	})
	return mux
}

// TestAPersonOpensTheFloatingChatWithTheMouseAndSignsOutFromIt: with the
// library's inline 100% sizes on the chat element, the page's own box decides
// where the chat is. On a site page with the injected launcher, a real mouse
// click (on the page, where a person would click) opens the floating chat; the
// open chat leaves the page's Sign out and the launcher's status uncovered; a
// real click on Sign out, with the chat open, signs the visitor out.
func TestAPersonOpensTheFloatingChatWithTheMouseAndSignsOutFromIt(t *testing.T) {
	for _, mode := range []string{"native", "sdk"} {
		t.Run(mode+" mode", func(t *testing.T) {
			b := needSuite(t)
			env := startStoreWithLauncher(t, mode == "sdk", nil, nil)
			mark := b.Console.Mark()
			tab := b.Ctx
			signInThroughTheLauncher(t, b, tab, env)
			frame, _ := chatFrame(t, b, env, nil)
			step(t, b, frame, "the floating chat rendered minimized", 15*time.Second, chromedp.WaitReady(chromedp.CSS("#acc-root.acc--minimized #acc-fab")))
			box := `#lo-container .lo-frame`
			closed := rectOf(t, tab, box)
			vw, _ := chromedp.Run(tab, chromedp.Evaluate[float64](`window.innerWidth`))
			vh, _ := chromedp.Run(tab, chromedp.Evaluate[float64](`window.innerHeight`))
			if closed.Width > 100 || closed.Height > 100 || closed.Right < vw-60 || closed.Bottom < vh-60 {
				t.Fatalf("want the minimized chat a small button in the bottom-right corner, got %s in a %.0fx%.0f viewport", closed, vw, vh)
			}
			// The chat's button fills the minimized frame; click its centre on
			// the page, where a person would.
			x, y := closed.Left+closed.Width/2, closed.Top+closed.Height/2
			hit, _ := chromedp.Run(tab, chromedp.Evaluate[string](fmt.Sprintf(`(function () { var e = document.elementFromPoint(%f, %f); return e ? e.localName : ''; })()`, x, y)))
			if hit != "runtime_copilot-acc-sdk-wrapper" {
				t.Errorf("want the chat element under the mouse at the button's centre, got <%s>", hit)
			}
			step(t, b, tab, "a mouse click on the chat's button", 5*time.Second, chromedp.MouseClickXY(x, y))
			waitFor(t, b, frame, "the chat open", `!!document.querySelector('#acc-root.acc--maximized')`, 5*time.Second)
			waitFor(t, b, tab, "the page's chat box open", `document.getElementById('lo-container').classList.contains('acc-maximized')`, 5*time.Second)
			time.Sleep(300 * time.Millisecond)
			open := rectOf(t, tab, box)
			if open.Width < 300 || open.Height < 300 {
				t.Errorf("want the open chat at least 300x300, got %s", open)
			}
			wantReply(t, chat(t, b, frame, "hello from the corner", 2), "hello from the corner")
			so := rectOf(t, tab, "#site-signout")
			if so.overlaps(open) {
				t.Errorf("want the open chat %s clear of the site's Sign out %s", open, so)
			}
			sx, sy := so.Left+so.Width/2, so.Top+so.Height/2
			hit, _ = chromedp.Run(tab, chromedp.Evaluate[string](fmt.Sprintf(`(function () { var e = document.elementFromPoint(%f, %f); return e ? e.id : ''; })()`, sx, sy)))
			if hit != "site-signout" {
				t.Errorf("want the site's Sign out under the mouse with the chat open, got #%s", hit)
			}
			if png, err := chromedp.Run(tab, chromedp.CaptureScreenshot()); err == nil {
				saveShot(t, "chat-open-"+mode, png)
			}
			step(t, b, tab, "a mouse click on Sign out", 5*time.Second, chromedp.MouseClickXY(sx, sy))
			// A person clicks the button where it is drawn once the page has
			// settled: wait for the load and for the button to be the element
			// under its own centre (the stylesheet may still move it).
			const confirmButton = `form[data-lo-signout] button[type="submit"]`
			waitFor(t, b, tab, "the sign-out confirm page", `location.pathname === '/__lo/logout' && document.readyState === 'complete' && (function () {
				var btn = document.querySelector('`+confirmButton+`'); if (!btn) return false;
				var r = btn.getBoundingClientRect(); var e = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
				return !!e && btn.contains(e); })()`, 10*time.Second)
			confirm := rectOf(t, tab, confirmButton)
			step(t, b, tab, "a mouse click on the confirm page's Sign out", 5*time.Second, chromedp.MouseClickXY(confirm.Left+confirm.Width/2, confirm.Top+confirm.Height/2))
			waitFor(t, b, tab, "the signed-out page", `location.pathname === '/__lo/signedout'`, 15*time.Second)
			if n := env.Org.Count("revoke"); n != 1 {
				t.Errorf("want sign-out to revoke the grant at the org once, got %d", n)
			}

			journeyEnd{name: "chat-mouse-open-sign-out-" + mode, tab: tab, env: env, b: b, mark: mark, signedIn: false}.check(t)
		})
	}
}

// saveShot writes a screenshot beside the journeys' final ones.
func saveShot(t *testing.T, name string, png []byte) {
	t.Helper()
	if err := os.MkdirAll(artifactDir(), 0o755); err != nil {
		return
	}
	path := filepath.Join(artifactDir(), name+".png")
	if err := os.WriteFile(path, png, 0o644); err == nil {
		t.Logf("screenshot: %s", path)
	}
}
