package static_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/static"
	"github.com/logateway/logateway/templates"
)

// fakeLightningOut stands in for the org's LO script: it defines the element and answers
// every frontdoor-url with lo.application.ready, or lo.application.error when the URL
// says "bad", the way docs/salesforce.md §3.2 describes; after a ready it reports every ACC
// wrapper on the page that was not ready yet as lo.component.ready (a ready one
// stays as it is, as with the real library).
const fakeLightningOut = `
customElements.define('lightning-out-application', class extends HTMLElement {
  static get observedAttributes() { return ['frontdoor-url']; }
  attributeChangedCallback(name, old, v) {
    if (!v) return;
    window.__mints = (window.__mints || 0) + 1;
    var ok = v.indexOf('bad') < 0;
    setTimeout(() => {
      this.dispatchEvent(new CustomEvent(ok ? 'lo.application.ready' : 'lo.application.error', {detail: {message: 'x'}}));
      // "silent": the application logs in but the chat never renders.
      if (!ok || v.indexOf('silent') >= 0) return;
      document.querySelectorAll('runtime_copilot-acc-sdk-wrapper').forEach(function (el) {
        if (el.__ready) return;
        el.__ready = true;
        window.__rendered = (window.__rendered || 0) + 1;
        el.dispatchEvent(new CustomEvent('lo.component.ready'));
      });
    }, 30);
  }
});`

// TestBootstrapInChromium drives the embed page in a real browser under the strict CSP:
// connect, recover with backoff, give up after maxRetries, retry by hand, and fall back
// to the sign-in button on 401. Skipped without Chromium unless CI=true.
func TestBootstrapInChromium(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is required in CI for the browser test of bootstrap.js, but none was found")
		}
		t.Skip("no Chromium found; skipping the browser test of bootstrap.js (set CI=true to make this a failure)")
	}

	org := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, fakeLightningOut)
	}))
	defer org.Close()

	var mode atomic.Value // "ok", "bad", "401"
	mode.Store("ok")
	var minted atomic.Int64
	renderer, err := templates.New()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/__lo/static/", static.Handler())
	mux.HandleFunc("POST /__lo/frontdoor", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-LO-CSRF") != "1" {
			http.Error(w, "csrf", http.StatusForbidden)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Type", "application/json")
		n := minted.Add(1)
		switch mode.Load() {
		case "401":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"AUTHENTICATION_FAILED"}`)
		case "bad":
			fmt.Fprintf(w, `{"frontdoorUrl":"%s/secur/frontdoor.jsp?otp=bad%d"}`, org.URL, n)
		case "silent":
			fmt.Fprintf(w, `{"frontdoorUrl":"%s/secur/frontdoor.jsp?otp=silent%d"}`, org.URL, n)
		default:
			fmt.Fprintf(w, `{"frontdoorUrl":"%s/secur/frontdoor.jsp?otp=good%d"}`, org.URL, n)
		}
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		nonce := fmt.Sprintf("n%d", time.Now().UnixNano())
		w.Header().Set("Content-Security-Policy", fmt.Sprintf("script-src 'nonce-%s' %s; style-src 'self' 'nonce-%s'; default-src 'self'", nonce, org.URL, nonce))
		boot := templates.BootConfig{
			Mode: "native", OrgOrigin: org.URL, ScriptURL: org.URL + "/lo.js", AppID: "1UsXX0000000001AAA",
			ACC:               &templates.ACCConfig{AgentID: "0XxXX0000000001AAA", AgentLabel: "Helper", RenderingConfig: templates.RenderingConfig{Mode: "inline"}},
			FrontdoorEndpoint: "/__lo/frontdoor", LoginURL: "/__lo/login?rd=%2F", SignedIn: true, MaxRetries: 2, ContainerID: "lo-container",
		}
		data := templates.EmbedData{Page: templates.Page{Nonce: nonce, RequestID: "r1", SiteName: "Test", Title: "Chat"}, SignedIn: true, DisplayName: "Ada", LoginURL: "/__lo/login?rd=%2F", LogoutURL: "/__lo/logout", CSRFToken: "c", Boot: boot, ScriptURL: boot.ScriptURL}
		if err := renderer.Render(w, 200, "embed", data); err != nil {
			t.Errorf("render: %v", err)
		}
	})
	gw := httptest.NewServer(mux)
	defer gw.Close()
	// The page on "localhost", the org on 127.0.0.1: two sites, as in production.
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(gw.URL, "http://"))
	pageURL := "http://localhost:" + port + "/"

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox)...)
	defer cancelAlloc()
	browserCtx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	// The first Run starts the browser and binds its life to that context, so it gets
	// no timeout; the steps below run under one.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("want Chromium to start, got %v", err)
	}
	ctx, cancelT := context.WithTimeout(browserCtx, 60*time.Second)
	defer cancelT()

	var mu sync.Mutex
	var logs []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			for _, a := range e.Args {
				logs = append(logs, string(a.Value))
			}
		case *log.EventEntryAdded:
			logs = append(logs, e.Entry.Text)
		}
	}); err != nil {
		t.Fatalf("want to listen to the browser's console, got %v", err)
	}

	waitState := func(state string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.CSS(`#lo-status[data-state="` + state + `"]`))
	}
	dispatchError := into(new(bool), chromedp.Evaluate[bool](`document.querySelector('lightning-out-application').dispatchEvent(new CustomEvent('lo.application.error', {detail:{message:'expired'}}))`))
	setMode := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(context.Context, *chromedp.Target) error { mode.Store(m); return nil })
	}

	var components, agentID, state, retryText string
	var libraries, mints, rendered int
	steps := []struct {
		name    string
		actions []chromedp.Action[chromedp.Void]
		check   func() error
	}{
		{"the page connects and mounts the ACC wrapper", []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(pageURL), waitState("ready"),
			into(&components, chromedp.Evaluate[string](`document.querySelector('lightning-out-application').getAttribute('components')`)),
			into(&agentID, chromedp.Evaluate[string](`document.querySelector('runtime_copilot-acc-sdk-wrapper.acc-frame').configuration.agentId`)),
			into(&libraries, chromedp.Evaluate[int](`document.querySelectorAll('script[data-lo-library]').length`)),
		}, func() error {
			if components != "runtime_copilot/accSdkWrapper" || agentID != "0XxXX0000000001AAA" || libraries != 1 {
				return fmt.Errorf("want components=runtime_copilot/accSdkWrapper, agentId set, one library; got %q, %q, %d", components, agentID, libraries)
			}
			return nil
		}},
		{"an application error re-mints, replaces the chat element and reconnects", []chromedp.Action[chromedp.Void]{
			dispatchError, waitState("reconnecting"), waitState("ready"),
			into(&mints, chromedp.Evaluate[int](`window.__mints`)),
			into(&rendered, chromedp.Evaluate[int](`window.__rendered`)),
		}, func() error {
			if mints != 2 || rendered != 2 {
				return fmt.Errorf("want 2 frontdoor URLs handed to Lightning Out and a second chat element rendered, got %d and %d", mints, rendered)
			}
			return nil
		}},
		{"a logged-in application whose chat never renders is not Connected", []chromedp.Action[chromedp.Void]{
			setMode("silent"),
			dispatchError, waitState("reconnecting"), chromedp.Sleep(1500 * time.Millisecond),
			into(&state, chromedp.Evaluate[string](`document.getElementById('lo-status').getAttribute('data-state')`)),
			into(&mints, chromedp.Evaluate[int](`window.__mints`)),
		}, func() error {
			if state != "reconnecting" || mints != 3 {
				return fmt.Errorf("want the page still reconnecting after a login without a rendered chat (3 URLs handed over), got %q after %d", state, mints)
			}
			return nil
		}},
		{"failing re-mints give up after maxRetries and show the Reconnect button", []chromedp.Action[chromedp.Void]{
			setMode("bad"),
			dispatchError, waitState("failed"), chromedp.WaitVisible(chromedp.CSS(`#lo-retry`)),
			into(&retryText, chromedp.Evaluate[string](`document.getElementById('lo-retry').textContent`)),
		}, func() error {
			if retryText != "Reconnect" {
				return fmt.Errorf("want the button to say Reconnect, got %q", retryText)
			}
			return nil
		}},
		{"the retry button reconnects", []chromedp.Action[chromedp.Void]{
			setMode("ok"),
			chromedp.Click(chromedp.CSS(`#lo-retry`)), waitState("ready"),
		}, nil},
		{"a 401 from the frontdoor endpoint shows the sign-in button", []chromedp.Action[chromedp.Void]{
			setMode("401"),
			dispatchError, waitState("signed-out"), chromedp.WaitVisible(chromedp.CSS(`#lo-signin`)),
		}, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := chromedp.Do(ctx, s.actions...); err != nil {
				mu.Lock()
				defer mu.Unlock()
				t.Fatalf("want the step to finish, got %v; browser log: %q", err, logs)
			}
			if s.check != nil {
				if err := s.check(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	t.Run("no CSP violation and no frontdoor URL in the console", func(t *testing.T) {
		mu.Lock()
		defer mu.Unlock()
		t.Logf("browser console: %q", logs)
		for _, l := range logs {
			if strings.Contains(l, "Content Security Policy") || strings.Contains(l, "Refused to") {
				t.Errorf("want no CSP violation, got %q", l)
			}
			if strings.Contains(l, "otp=") || strings.Contains(l, "frontdoor.jsp") {
				t.Errorf("want no frontdoor URL in the console, got %q", l)
			}
		}
	})
}

// into stores the value of an action and turns it into a step.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
