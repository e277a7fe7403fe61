package lo

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// contractScript is the contract page's toolkit: mount an application and
// components, log their events, wait for a condition.
const contractScript = `
window.__wait = function (pred, ms, what) {
  return new Promise(function (resolve, reject) {
    var t0 = Date.now();
    (function poll() {
      var ok = false;
      try { ok = pred(); } catch (e) { ok = false; }
      if (ok) { resolve(true); return; }
      if (Date.now() - t0 > ms) { reject(new Error('timed out waiting for ' + what + '; events ' + JSON.stringify(window.__events))); return; }
      setTimeout(poll, 50);
    })();
  });
};
window.__sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
window.__count = function (n) { return window.__events.filter(function (x) { return x === n; }).length; };
window.__mount = function (components) {
  var app = document.createElement('lightning-out-application');
  app.setAttribute('app-id', '1Us000000000001AAA');
  app.setAttribute('components', components);
  __watch(app, ['lo.application.ready', 'lo.application.error', 'lo.iframe.error', 'lo.iframe.load', 'lo.application.logout']);
  document.body.appendChild(app);
  return app;
};
window.__component = function (tag, attrs) {
  var el = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === 'style') {
      // Through the CSSOM: the page's CSP refuses style attributes.
      attrs[k].split(';').forEach(function (d) { var i = d.indexOf(':'); if (i > 0) { el.style.setProperty(d.slice(0, i).trim(), d.slice(i + 1).trim()); } });
    } else {
      el.setAttribute(k, attrs[k]);
    }
  });
  __watch(el, ['lo.component.ready', 'lo.component.error']);
  document.body.appendChild(el);
  return el;
};
window.__login = async function (app, readyCount) {
  app.setAttribute('frontdoor-url', await window.__fd());
  await window.__wait(function () { return window.__count('lo.application.ready') >= (readyCount || 1); }, 10000, 'lo.application.ready');
};
`

// run evaluates an async JavaScript body on the contract page and decodes
// what it returns into out.
func run(t *testing.T, ctx context.Context, body string, out any) {
	t.Helper()
	js := `(async function () {` + body + `})().then(function (v) { return JSON.stringify(v === undefined ? null : v); })`
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("want the page script to finish, got %v", err)
	}
	if out != nil {
		if err := json.Unmarshal([]byte(got), out); err != nil {
			t.Fatalf("want JSON from the page script, got %q (%v)", got, err)
		}
	}
}

func openContract(t *testing.T, ctx context.Context, host string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(host+"/contract.html")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!window.customElements.get('lightning-out-application')`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("want the library loaded on the contract page, got %v", err)
	}
}

// frameAttrs lists the attributes of every iframe in the page, closed shadow
// roots included (DOM.getDocument with pierce).
func frameAttrs(t *testing.T, ctx context.Context) []map[string]string {
	t.Helper()
	var root *cdp.Node
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		depth, pierce := int64(-1), true
		res, err := chromedp.Call(ctx, dom.GetDocument, dom.GetDocumentParams{Depth: &depth, Pierce: &pierce})
		root = res.Root
		return err
	}))
	if err != nil {
		t.Fatalf("want the page's DOM, got %v", err)
	}
	var out []map[string]string
	var walk func(n *cdp.Node)
	walk = func(n *cdp.Node) {
		if n == nil {
			return
		}
		if n.NodeName == "IFRAME" {
			m := map[string]string{}
			for i := 0; i+1 < len(n.Attributes); i += 2 {
				m[n.Attributes[i]] = n.Attributes[i+1]
			}
			out = append(out, m)
		}
		for _, c := range n.Children {
			walk(c)
		}
		for _, c := range n.ShadowRoots {
			walk(c)
		}
		if n.ContentDocument != nil {
			walk(n.ContentDocument)
		}
	}
	walk(root)
	return out
}

func queryKeys(rawURI string) (string, url.Values) {
	u, err := url.Parse(rawURI)
	if err != nil {
		return "", nil
	}
	return u.EscapedPath(), u.Query()
}

func sortedKeys(v url.Values) []string {
	var k []string
	for name := range v {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}

// TestLibraryContract pins each behaviour of Salesforce's shipped Lightning
// Out 2.0 library that the stand-in reproduces, one subtest per behaviour.
func TestLibraryContract(t *testing.T) {
	ctx := newBrowser(t)
	host, org, o := startBrowserFixture(t, false)

	t.Run("re-setting frontdoor-url on a ready app logs in again but does not reload ready components", func(t *testing.T) {
		openContract(t, ctx, host)
		before := len(o.seen(containerPrefix))
		var got struct{ ComponentReady, AppReady int }
		run(t, ctx, `
var app = __mount('c/helloCard');
__component('c-hello-card', {greeting: 'hi'});
await __login(app);
await __wait(function () { return __count('lo.component.ready') === 1; }, 10000, 'lo.component.ready');
await __login(app, 2);
await __sleep(1500);
return {ComponentReady: __count('lo.component.ready'), AppReady: __count('lo.application.ready')};`, &got)
		if got.AppReady != 2 {
			t.Errorf("want lo.application.ready twice (two logins), got %d", got.AppReady)
		}
		if got.ComponentReady != 1 {
			t.Errorf("want lo.component.ready once (the ready component is not re-initialised), got %d", got.ComponentReady)
		}
		if n := len(o.seen(containerPrefix)) - before; n != 1 {
			t.Errorf("want the component's container page loaded once across both logins, got %d loads", n)
		}
	})

	t.Run("component elements get an inline display:block, width and height of 100%", func(t *testing.T) {
		openContract(t, ctx, host)
		var got string
		run(t, ctx, `
__mount('c/helloCard');
var el = __component('c-hello-card');
await __sleep(50);
return [el.style.display, el.style.width, el.style.height].join(' ');`, &got)
		if got != "block 100% 100%" {
			t.Errorf("want inline display/width/height %q, got %q", "block 100% 100%", got)
		}
	})

	t.Run("the auth iframe and component iframes are named lightning_af and sandboxed alike", func(t *testing.T) {
		openContract(t, ctx, host)
		run(t, ctx, `
var app = __mount('c/helloCard');
__component('c-hello-card');
await __login(app);
await __wait(function () { return __count('lo.component.ready') === 1; }, 10000, 'lo.component.ready');`, nil)
		frames := frameAttrs(t, ctx)
		var auth, comp int
		for _, f := range frames {
			if f["name"] != "lightning_af" || f["sandbox"] != "allow-downloads allow-forms allow-popups allow-same-origin allow-scripts allow-top-navigation-by-user-activation" {
				t.Errorf("want every library iframe named lightning_af with the library's sandbox, got %v", f)
			}
			switch {
			case strings.Contains(f["src"], "/secur/frontdoor.jsp"):
				auth++
			case strings.Contains(f["src"], containerPrefix):
				comp++
			}
		}
		if auth != 1 || comp != 1 {
			t.Errorf("want one auth iframe and one component iframe, got %d and %d in %v", auth, comp, frames)
		}
	})

	t.Run("the auth page URL goes into the frontdoor URL as startURL (otp) or retURL (otherwise)", func(t *testing.T) {
		openContract(t, ctx, host)
		before := len(o.seen("/secur/frontdoor.jsp"))
		run(t, ctx, `
var app = __mount('c/helloCard');
await __login(app);
app.setAttribute('frontdoor-url', `+jsQuote(org+"/secur/frontdoor.jsp?sid=not-a-session")+`);
await __sleep(500);`, nil)
		reqs := o.seen("/secur/frontdoor.jsp")[before:]
		if len(reqs) != 2 {
			t.Fatalf("want two frontdoor requests, got %v", reqs)
		}
		for i, param := range []string{"startURL", "retURL"} {
			_, q := queryKeys(reqs[i])
			path, aq := queryKeys(q.Get(param))
			if path != AuthPagePath {
				t.Errorf("request %d: want %s to be %s, got %q", i, param, AuthPagePath, q.Get(param))
				continue
			}
			if want := []string{"appId", "loAppOrigin", "lo_auth_page_last_mod", "parentElementId"}; !slices.Equal(sortedKeys(aq), want) {
				t.Errorf("request %d: want auth page parameters %v, got %v", i, want, sortedKeys(aq))
			}
			if aq.Get("loAppOrigin") != host || aq.Get("appId") != "1Us000000000001AAA" || aq.Get("lo_auth_page_last_mod") != "1762330051" {
				t.Errorf("request %d: want loAppOrigin %s, appId and lo_auth_page_last_mod, got %v", i, host, aq)
			}
		}
	})

	t.Run("a component frame loads the LWR container URL with its four parameters", func(t *testing.T) {
		openContract(t, ctx, host)
		before := len(o.seen(containerPrefix))
		run(t, ctx, `
var app = __mount('c/helloCard');
__component('c-hello-card');
await __login(app);
await __wait(function () { return __count('lo.component.ready') === 1; }, 10000, 'lo.component.ready');`, nil)
		reqs := o.seen(containerPrefix)[before:]
		if len(reqs) != 1 {
			t.Fatalf("want one container request, got %v", reqs)
		}
		path, q := queryKeys(reqs[0])
		if path != containerPrefix {
			t.Errorf("want the path %s, got %s", containerPrefix, path)
		}
		if want := []string{"appId", "componentName", "loAppOrigin", "parentElementId"}; !slices.Equal(sortedKeys(q), want) {
			t.Errorf("want parameters %v, got %v", want, sortedKeys(q))
		}
		if q.Get("componentName") != "c/helloCard" || q.Get("loAppOrigin") != host || q.Get("parentElementId") == "" {
			t.Errorf("want componentName c/helloCard, loAppOrigin %s and an element id, got %v", host, q)
		}
	})

	t.Run("messages: setComponentData carries id, name and props with style as a string; listeners reach the frame; height-change is ignored; data.id alone routes", func(t *testing.T) {
		openContract(t, ctx, host)
		before := len(o.seen(containerPrefix))
		run(t, ctx, `
var app = __mount('c/helloCard');
var el = __component('c-hello-card', {greeting: 'hi', style: '--brand: #123456; color: red'});
window.__heard = [];
el.addEventListener('x-hello', function (e) { window.__heard.push(e.detail); });
await __login(app);
await __wait(function () { return __count('lo.component.ready') === 1; }, 10000, 'lo.component.ready');`, nil)
		reqs := o.seen(containerPrefix)[before:]
		if len(reqs) != 1 {
			t.Fatalf("want one container request, got %v", reqs)
		}
		_, q := queryKeys(reqs[0])
		id := q.Get("parentElementId")
		fctx, _ := containerFrame(t, ctx, org, nil)
		var received []map[string]any
		raw, err := chromedp.Run(fctx, chromedp.Evaluate[string](`JSON.stringify(window.__loReceived || [])`))
		if err == nil {
			err = json.Unmarshal([]byte(raw), &received)
		}
		if err != nil {
			t.Fatalf("want the messages the container received, got %v", err)
		}
		var data map[string]any
		var listened bool
		for _, m := range received {
			switch m["type"] {
			case "lo.setComponentData":
				data, _ = m["componentData"].(map[string]any)
				if _, extra := m["styles"]; extra || len(m) != 2 {
					t.Errorf("want lo.setComponentData to carry only type and componentData, got %v", m)
				}
			case "lo.addEventListener":
				listened = listened || m["name"] == "x-hello"
			}
		}
		if data == nil {
			t.Fatalf("want lo.setComponentData among %v", received)
		}
		keys := []string{}
		for k := range data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"id", "name", "props"}) || data["id"] != id || data["name"] != "c/helloCard" {
			t.Errorf("want componentData {id:%s, name:c/helloCard, props}, got %v", id, data)
		}
		props, _ := data["props"].(map[string]any)
		if style, _ := props["style"].(string); style != "--brand: #123456" || props["greeting"] != "hi" {
			t.Errorf("want props.style %q (custom properties only, as a string) and greeting hi, got %v", "--brand: #123456", props)
		}
		if !listened {
			t.Errorf("want lo.addEventListener for x-hello posted into the frame once ready, got %v", received)
		}
		var got struct {
			Height string
			Heard  []any
		}
		run(t, ctx, `
var el = document.querySelector('c-hello-card');
window.postMessage({id: `+jsQuote(id)+`, type: 'lo.height-change', height: 7}, '*');
window.postMessage({id: `+jsQuote(id)+`, type: 'lo.dispatchEvent', name: 'x-hello', detail: 'routed by id'}, '*');
window.postMessage({id: 'someone-else', type: 'lo.dispatchEvent', name: 'x-hello', detail: 'not ours'}, '*');
await __sleep(300);
return {Height: el.style.height, Heard: window.__heard};`, &got)
		if got.Height != "100%" {
			t.Errorf("want lo.height-change ignored (height stays 100%%), got %q", got.Height)
		}
		if len(got.Heard) != 1 || got.Heard[0] != "routed by id" {
			t.Errorf("want exactly the message with this element's id relayed, got %v", got.Heard)
		}
	})

	t.Run("lo.* events and relayed component events do not bubble", func(t *testing.T) {
		openContract(t, ctx, host)
		var got struct{ Bubbled, Captured []string }
		run(t, ctx, `
var bubbled = [], captured = [];
['lo.application.ready', 'lo.component.ready', 'x-hello'].forEach(function (n) {
  document.addEventListener(n, function () { bubbled.push(n); });
  document.addEventListener(n, function () { captured.push(n); }, true);
});
var app = __mount('c/helloCard');
var el = __component('c-hello-card');
await __login(app);
await __wait(function () { return __count('lo.component.ready') === 1; }, 10000, 'lo.component.ready');
var id = new URLSearchParams(new URL(performance.getEntriesByType('resource').map(function (e) { return e.name; }).filter(function (n) { return n.indexOf('lightningout%2Fcontainer') >= 0; })[0]).search).get('parentElementId');
window.postMessage({id: id, type: 'lo.dispatchEvent', name: 'x-hello', detail: 1}, '*');
await __sleep(300);
return {Bubbled: bubbled, Captured: captured};`, &got)
		if len(got.Bubbled) != 0 {
			t.Errorf("want no event to reach a bubbling listener on document, got %v", got.Bubbled)
		}
		for _, n := range []string{"lo.application.ready", "lo.component.ready", "x-hello"} {
			if !slices.Contains(got.Captured, n) {
				t.Errorf("want %s seen by a capturing listener on document (proof it fired), got %v", n, got.Captured)
			}
		}
	})

	t.Run("listeners added before the component is ready are queued until lo.ready", func(t *testing.T) {
		openContract(t, ctx, host)
		var got struct{ Before, After int }
		run(t, ctx, `
var app = __mount('c/helloCard');
var el = __component('c-hello-card');
var calls = 0;
el.addEventListener('x-queued', function () { calls++; });
HTMLElement.prototype.dispatchEvent.call(el, new CustomEvent('x-queued'));
var before = calls;
await __login(app);
await __wait(function () { return __count('lo.component.ready') === 1; }, 10000, 'lo.component.ready');
HTMLElement.prototype.dispatchEvent.call(el, new CustomEvent('x-queued'));
return {Before: before, After: calls};`, &got)
		if got.Before != 0 || got.After != 1 {
			t.Errorf("want the listener silent before ready and attached after (0 then 1 call), got %d then %d", got.Before, got.After)
		}
	})

	t.Run("attribute changes apply a moment later and errors become lo.application.error, never exceptions", func(t *testing.T) {
		openContract(t, ctx, host)
		var got struct {
			Threw          bool
			SyncErrors     int
			Messages       []string
			BothAfterLogin bool
		}
		run(t, ctx, `
var app = __mount('c/helloCard');
var messages = [];
app.addEventListener('lo.application.error', function (e) { messages.push(e.detail.message); });
await __sleep(50);
var threw = false;
try { app.setAttribute('frontdoor-url', 'not a url'); } catch (e) { threw = true; }
var sync = messages.length;
await __wait(function () { return messages.length === 1; }, 2000, 'the invalid URL error');
try { app.setAttribute('org-url', 'https://example.com'); } catch (e) { threw = true; }
await __wait(function () { return messages.length === 2; }, 2000, 'the mutually exclusive error');
return {Threw: threw, SyncErrors: sync, Messages: messages};`, &got)
		if got.Threw {
			t.Errorf("want setAttribute never to throw")
		}
		if got.SyncErrors != 0 {
			t.Errorf("want no error event before setAttribute returned (applied a moment later), got %d", got.SyncErrors)
		}
		if len(got.Messages) != 2 || !strings.HasPrefix(got.Messages[0], "Invalid frontdoor-url: ") || !strings.Contains(got.Messages[1], "mutually exclusive") {
			t.Errorf("want an Invalid frontdoor-url error then a mutually-exclusive error, got %q", got.Messages)
		}
	})

	t.Run("a component frame that never answers gets lo.iframe.error then lo.application.error, then the message page", func(t *testing.T) {
		openContract(t, ctx, host)
		run(t, ctx, `
var app = __mount('c/helloCard');
await __login(app);`, nil)
		o.expireSessions() // the container page will have no session and say nothing
		before := len(o.seen(MessagePagePath))
		var got []string
		run(t, ctx, `
var start = window.__events.length;
__component('c-hello-card');
await __wait(function () { return __count('lo.application.error') === 1; }, 8000, 'lo.application.error');
return window.__events.slice(start);`, &got)
		i, j := slices.Index(got, "lo.iframe.error"), slices.Index(got, "lo.application.error")
		if i < 0 || j < i || slices.Contains(got, "lo.component.ready") {
			t.Errorf("want lo.iframe.error then lo.application.error and no lo.component.ready, got %v", got)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(o.seen(MessagePagePath)) == before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if len(o.seen(MessagePagePath)) == before {
			t.Errorf("want the visible frame to load %s after the timeout, it did not", MessagePagePath)
		}
	})

	t.Run("frontdoor-url set to empty loads /secur/logout.jsp and fires lo.application.logout about 3 s later", func(t *testing.T) {
		openContract(t, ctx, host)
		before := len(o.seen("/secur/logout.jsp"))
		var elapsed float64
		run(t, ctx, `
var app = __mount('c/helloCard');
await __login(app);
var t0 = performance.now();
app.setAttribute('frontdoor-url', '');
await __wait(function () { return __count('lo.application.logout') === 1; }, 6000, 'lo.application.logout');
return performance.now() - t0;`, &elapsed)
		if elapsed < 2500 || elapsed > 4500 {
			t.Errorf("want lo.application.logout about 3 s after clearing frontdoor-url, got %.0f ms", elapsed)
		}
		if n := len(o.seen("/secur/logout.jsp")) - before; n != 1 {
			t.Errorf("want one /secur/logout.jsp load, got %d", n)
		}
	})

	t.Run("removing the application element loads /secur/logout.jsp", func(t *testing.T) {
		openContract(t, ctx, host)
		run(t, ctx, `
var app = __mount('c/helloCard');
await __login(app);`, nil)
		before := len(o.seen("/secur/logout.jsp"))
		run(t, ctx, `document.querySelector('lightning-out-application').remove();`, nil)
		deadline := time.Now().Add(5 * time.Second)
		for len(o.seen("/secur/logout.jsp")) == before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if len(o.seen("/secur/logout.jsp")) == before {
			t.Errorf("want /secur/logout.jsp loaded when the application element is removed, it was not")
		}
	})

	t.Run("namespaces map to tags camel to snake", func(t *testing.T) {
		openContract(t, ctx, host)
		var got []bool
		run(t, ctx, `
__mount('myNs/fooBar, c/helloCard, runtime_copilot/accSdkWrapper');
await __sleep(50);
return ['my_ns-foo-bar', 'c-hello-card', 'runtime_copilot-acc-sdk-wrapper', 'myns-foo-bar'].map(function (t) { return !!customElements.get(t); });`, &got)
		if !slices.Equal(got, []bool{true, true, true, false}) {
			t.Errorf("want my_ns-foo-bar, c-hello-card, runtime_copilot-acc-sdk-wrapper defined and myns-foo-bar not, got %v", got)
		}
	})

	t.Run("the library logs the frontdoor URL at debug level", func(t *testing.T) {
		openContract(t, ctx, host)
		var mu sync.Mutex
		var debugLines []string
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		err := chromedp.Listen(lctx, func(ev any) {
			if e, ok := ev.(*runtime.EventConsoleAPICalled); ok && e.Type == runtime.ConsoleAPICalledTypeDebug {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`))
				}
				mu.Lock()
				debugLines = append(debugLines, strings.Join(parts, " "))
				mu.Unlock()
			}
		})
		if err != nil {
			t.Fatalf("want to listen to the console, got %v", err)
		}
		run(t, ctx, `
var app = __mount('c/helloCard');
await __login(app);`, nil)
		mu.Lock()
		defer mu.Unlock()
		found := false
		for _, l := range debugLines {
			found = found || (strings.HasPrefix(l, "[LightningOut]") && strings.Contains(l, "/secur/frontdoor.jsp?otp="))
		}
		if !found {
			t.Errorf("want a [LightningOut] console.debug line carrying the frontdoor URL, got %q", debugLines)
		}
	})
}

// TestSDKContract pins the ACC Web SDK's stylesheet and frame classes.
func TestSDKContract(t *testing.T) {
	ctx := newBrowser(t)
	host, org, _ := startBrowserFixture(t, false)

	t.Run("the SDK injects its style without a nonce and uses floating initial / maximize / minimize", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(host+"/acc.html?floating=1")); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ctx, "accready", 1, 15*time.Second)
		var got struct {
			Tag, Nonce, Class string
			HasNonce          bool
		}
		run(t, ctx, `
var s = document.getElementById('agentforce-client-injected-styles');
return {Tag: s.tagName, HasNonce: s.hasAttribute('nonce') || s.nonce !== '', Class: document.querySelector('runtime_copilot-acc-sdk-wrapper').className};`, &got)
		if got.Tag != "STYLE" || got.HasNonce {
			t.Errorf("want the SDK's own <style> without a nonce, got %s with nonce=%v", got.Tag, got.HasNonce)
		}
		if got.Class != "acc-frame floating initial" {
			t.Errorf("want the wrapper classes %q, got %q", "acc-frame floating initial", got.Class)
		}
		fctx, _ := containerFrame(t, ctx, org, nil)
		if err := chromedp.Do(fctx, chromedp.Click(chromedp.CSS("#acc-fab"))); err != nil {
			t.Fatalf("want a click on the launcher button, got %v", err)
		}
		waitEvent(t, ctx, "accmaximize", 1, 5*time.Second)
		if err := chromedp.Do(fctx, chromedp.Click(chromedp.CSS("#acc-minimize"))); err != nil {
			t.Fatalf("want a click on minimize, got %v", err)
		}
		cls, err := chromedp.Run(ctx, chromedp.Poll[string](`(function () { var c = document.querySelector('runtime_copilot-acc-sdk-wrapper').className; return c.indexOf('minimize') >= 0 ? c : ''; })()`, chromedp.WithPollingTimeout(5*time.Second)))
		if err != nil || cls != "acc-frame floating minimize" {
			t.Errorf("want %q after minimize, got %q (%v)", "acc-frame floating minimize", cls, err)
		}
	})

	t.Run("the SDK skips its style when the page already has an element with its id", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(host+"/acc.html?styled=1")); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ctx, "accready", 1, 15*time.Second)
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.prototype.map.call(document.querySelectorAll('#agentforce-client-injected-styles'), function (e) { return e.tagName; }).join(',')`))
		if got != "LINK" {
			t.Errorf("want only the page's own LINK under the SDK's style id, got %q", got)
		}
	})
}

// TestComponentSessionEndKnob: whether a component posts lo.error when its
// org session ends is a devorg knob; off by default, nothing is posted.
func TestComponentSessionEndKnob(t *testing.T) {
	ctx := newBrowser(t)
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "off: an ended session stays silent", true: "on: an ended session posts lo.error"}[on]
		t.Run(name, func(t *testing.T) {
			host, org, o := startBrowserFixture(t, on)
			if err := chromedp.Do(ctx, chromedp.Navigate(host+"/acc.html")); err != nil {
				t.Fatal(err)
			}
			waitEvent(t, ctx, "lo.component.ready", 1, 15*time.Second)
			fctx, _ := containerFrame(t, ctx, org, nil)
			// A first message proves the chat is live before its session ends.
			chat(t, fctx, "hello", 2)
			o.expireSessions()
			err := chromedp.Do(fctx,
				chromedp.WaitVisible(chromedp.CSS("#acc-input")),
				chromedp.SendKeys(chromedp.CSS("#acc-input"), "Are you still there?"),
				chromedp.Click(chromedp.CSS("#acc-send")),
			)
			if err == nil {
				_, err = chromedp.Run(fctx, chromedp.Poll[bool](`!document.getElementById('acc-session-ended').hidden`, chromedp.WithPollingTimeout(20*time.Second)))
			}
			if err != nil {
				t.Fatalf("want the session-ended notice in the chat, got %v", err)
			}
			time.Sleep(time.Second)
			n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__events.filter(function (n) { return n === 'lo.component.error'; }).length`))
			if on && n != 1 {
				t.Errorf("want one lo.component.error with the knob on, got %d", n)
			}
			if !on && n != 0 {
				t.Errorf("want no lo.component.error with the knob off, got %d", n)
			}
		})
	}
}

func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
