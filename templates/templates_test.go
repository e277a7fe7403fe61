package templates

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

const (
	testNonce = "bm9uY2UtZm9yLXRlc3Rz"
	hostile   = `</script><script>alert("x")</script><img src=x onerror=alert(1)>`
)

func testPage(dev bool) Page {
	return Page{Nonce: testNonce, RequestID: "req-7f3a", SiteName: "Acme Support", Title: "Ask Acme", DevMode: dev, DevOrgURL: "http://127.0.0.1:8443"}
}

func sampleBoot() BootConfig {
	on := true
	return BootConfig{
		Mode:      "native",
		OrgOrigin: "https://acme.my.salesforce.com",
		ScriptURL: "https://acme.my.salesforce.com/lightning/lightning.out.latest/index.iife.prod.js",
		AppID:     "1UsXX0000000001AAA",
		ACC: &ACCConfig{
			AgentID:         "0XxXX0000000001AAA",
			AgentLabel:      "Acme helper " + hostile,
			RenderingConfig: RenderingConfig{Mode: "inline", Width: "400", Height: "70vh", HeaderEnabled: &on},
			StyleTokens:     map[string]string{"headerBlockBackground": "#0b5cab"},
		},
		FrontdoorEndpoint: "/__lo/frontdoor",
		SessionEndpoint:   "/__lo/session",
		LoginURL:          "/__lo/login?rd=%2Fchat",
		SignedIn:          true,
		RemintIntervalMs:  900000,
		MaxRetries:        4,
		ContainerID:       "lo-container",
	}
}

// samples holds one data value per page and the variants worth rendering.
func samples() map[string]any {
	return map[string]any{
		"embed signed in":        EmbedData{Page: testPage(true), SignedIn: true, DisplayName: "Ada " + hostile, LoginURL: "/__lo/login?rd=%2Fchat", LogoutURL: "/__lo/logout", CSRFToken: "csrf-123", Boot: sampleBoot(), ScriptURL: sampleBoot().ScriptURL},
		"embed signed out":       &EmbedData{Page: testPage(false), LoginURL: "/__lo/login?rd=%2Fchat", Boot: BootConfig{Mode: "native", Components: []string{"c-my-comp"}}},
		"callback popup":         CallbackData{Page: testPage(false), Popup: true, OpenerOrigin: "https://shop.example.org", OK: true, Redirect: "/chat"},
		"callback popup failed":  CallbackData{Page: testPage(false), Popup: true, OpenerOrigin: "https://shop.example.org"},
		"callback no-JS success": CallbackData{Page: testPage(false), OK: true, Redirect: "/chat"},
		"callback no-JS failure": CallbackData{Page: testPage(false), Redirect: "/__lo/login"},
		"error in dev mode":      ErrorData{Page: testPage(true), Status: 503, Heading: "Sign-in is unavailable", Message: "We could not reach the session store. " + hostile, Hint: "Check session.redis.addr " + hostile, RetryURL: "/chat", RetryLabel: "Reload"},
		"error in production":    ErrorData{Page: testPage(false), Status: 400, Heading: "Bad sign-in link", Message: "The link expired.", Hint: "state cookie missing"},
		"logout":                 LogoutData{Page: testPage(false), CSRFToken: "csrf-9", Target: "/after", DisplayName: "Grace " + hostile},
		"signedout":              SignedOutData{Page: testPage(false), Done: []string{"Your session on this site has ended. " + hostile}, Warnings: []string{"Salesforce did not answer. " + hostile}, How: "logout_page", LoginURL: "/__lo/login?rd=%2Fchat", BackURL: "/chat", OrgLogoutURL: "https://acme.my.salesforce.com/secur/logout.jsp"},
		"devindex":               DevIndexData{Page: testPage(true), SignedIn: true, DisplayName: "Ada", EmbedPath: "/__lo/embed", LoginURL: "/__lo/login?rd=%2F", OrgURL: "http://127.0.0.1:8443", Users: []struct{ Username, Password string }{{"ada@acme.test", "pw-" + hostile}}},
	}
}

func pageName(sample string) string { return strings.Fields(sample)[0] }

func render(t *testing.T, r *Renderer, name string, data any) (string, *httptest.ResponseRecorder) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := r.Render(rec, 200, name, data); err != nil {
		t.Fatalf("Render(%q): want no error, got %v", name, err)
	}
	return rec.Body.String(), rec
}

var (
	scriptOrStyleTag = regexp.MustCompile(`(?i)<(script|style)\b[^>]*>`)
	inlineHandler    = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	styleAttr        = regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)
	bootElement      = regexp.MustCompile(`(?s)<script type="application/json" id="lo-boot" nonce="[^"]*">(.*?)</script>`)
	callbackElement  = regexp.MustCompile(`(?s)<script type="application/json" id="lo-callback" nonce="[^"]*">(.*?)</script>`)
)

func TestEveryPageRendersUnderAStrictCSP(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatalf("New: want no error, got %v", err)
	}
	for sample, data := range samples() {
		t.Run(sample+" renders CSP-clean HTML", func(t *testing.T) {
			body, rec := render(t, r, pageName(sample), data)
			if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type: want text/html; charset=utf-8, got %q", got)
			}
			if !strings.HasPrefix(body, "<!doctype html>") {
				t.Errorf("want the page to start with <!doctype html>, got %.40q", body)
			}
			for _, tag := range scriptOrStyleTag.FindAllString(body, -1) {
				if !strings.Contains(tag, `nonce="`+testNonce+`"`) {
					t.Errorf("want every <script>/<style> to carry the nonce, got %s", tag)
				}
			}
			if m := inlineHandler.FindString(body); m != "" {
				t.Errorf("want no inline event handler attribute, found %q", m)
			}
			if m := styleAttr.FindString(body); m != "" {
				t.Errorf("want no style attribute, found %q", m)
			}
			if !strings.Contains(body, `<link rel="stylesheet" href="/__lo/static/logateway.css`) {
				t.Error("want a link to /__lo/static/logateway.css, found none")
			}
			if !strings.Contains(body, "req-7f3a") {
				t.Error("want the request id on the page, found none")
			}
			if strings.Contains(body, hostile) || strings.Contains(body, `<script>alert`) || strings.Contains(body, "<img") {
				t.Error("want hostile text escaped, found it raw in the page")
			}
		})
	}
}

func TestHostileTextStaysInert(t *testing.T) {
	r := mustNew(t)
	for sample, data := range samples() {
		t.Run(sample+" has only the script elements it means to have", func(t *testing.T) {
			body, _ := render(t, r, pageName(sample), data)
			want := 0
			switch d := data.(type) {
			case EmbedData, *EmbedData:
				want = 2 // boot JSON + bootstrap.js
				if e, ok := d.(EmbedData); ok && e.SignedIn {
					want = 3 // + signout.js for the sign-out form
				}
			case LogoutData, *LogoutData:
				want = 1 // signout.js
			case CallbackData:
				if d.Popup {
					want = 2 // callback JSON + callback-popup.js
				}
			}
			if got := strings.Count(strings.ToLower(body), "<script"); got != want {
				t.Errorf("want %d <script elements, got %d", want, got)
			}
		})
	}
}

func TestBootJSON(t *testing.T) {
	r := mustNew(t)
	boot := sampleBoot()
	boot.AppID = "1Us</script><script>alert(1)</script>\u2028"
	body, _ := render(t, r, "embed", EmbedData{Page: testPage(false), SignedIn: true, Boot: boot, ScriptURL: boot.ScriptURL})

	m := bootElement.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("want <script type=\"application/json\" id=\"lo-boot\"> in the page, found none:\n%s", body)
	}
	t.Run("the JSON survives </script> in a value", func(t *testing.T) {
		var got BootConfig
		if err := json.Unmarshal([]byte(m[1]), &got); err != nil {
			t.Fatalf("want the boot element to hold valid JSON, got %v: %s", err, m[1])
		}
		if got.AppID != boot.AppID {
			t.Errorf("appId: want %q back, got %q", boot.AppID, got.AppID)
		}
		if got.ACC == nil || got.ACC.AgentLabel != boot.ACC.AgentLabel {
			t.Errorf("acc.agentLabel: want %q back, got %+v", boot.ACC.AgentLabel, got.ACC)
		}
	})
	t.Run("the JSON has the documented field names", func(t *testing.T) {
		var raw map[string]any
		if err := json.Unmarshal([]byte(m[1]), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"mode", "orgOrigin", "scriptURL", "appId", "components", "acc", "frontdoorEndpoint", "sessionEndpoint", "loginURL", "signedIn", "autoStart", "remintIntervalMs", "maxRetries", "containerId"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("want boot field %q, missing from %s", k, m[1])
			}
		}
		acc, _ := raw["acc"].(map[string]any)
		rc, _ := acc["renderingConfig"].(map[string]any)
		if acc["agentId"] != "0XxXX0000000001AAA" || rc["mode"] != "inline" || rc["headerEnabled"] != true {
			t.Errorf("want acc.agentId and renderingConfig.mode/headerEnabled set, got %v", acc)
		}
	})
	t.Run("the page preloads the one library with the nonce", func(t *testing.T) {
		want := `<link rel="preload" as="script" href="` + boot.ScriptURL + `" nonce="` + testNonce + `">`
		if !strings.Contains(body, want) {
			t.Errorf("want %s in the page", want)
		}
	})
	t.Run("a raw JSON boot value is embedded as JSON, not as base64", func(t *testing.T) {
		body, _ := render(t, r, "embed", EmbedData{Page: testPage(false), Boot: json.RawMessage(`{"mode":"sdk","x":"</script>"}`)})
		m := bootElement.FindStringSubmatch(body)
		if m == nil || !strings.Contains(m[1], `"mode":"sdk"`) || strings.Contains(m[1], "</script>") {
			t.Errorf("want the raw JSON object, escaped, in the boot element; got %q", m)
		}
	})
}

func TestEmbedPage(t *testing.T) {
	r := mustNew(t)
	signedIn, _ := render(t, r, "embed", samples()["embed signed in"])
	signedOut, _ := render(t, r, "embed", samples()["embed signed out"])
	cases := []struct {
		name, body, want string
	}{
		{"a signed-in page starts connecting", signedIn, `id="lo-status" class="lo-status" role="status" aria-live="polite" data-state="connecting">Connecting…<`},
		{"a signed-in page has a sign-out form with the csrf field", signedIn, `<input type="hidden" name="csrf" value="csrf-123">`},
		{"a signed-in page posts sign-out to the logout URL", signedIn, `<form method="post" action="/__lo/logout" data-lo-signout>`},
		{"a signed-in page hides the sign-in button", signedIn, `<a id="lo-signin" class="lo-btn" href="/__lo/login?rd=%2Fchat" hidden>`},
		{"a signed-out page says sign in", signedOut, `data-state="signed-out">Sign in to chat<`},
		{"a signed-out page shows the sign-in button", signedOut, `<a id="lo-signin" class="lo-btn" href="/__lo/login?rd=%2Fchat">`},
		{"the page has the container", signedIn, `<div id="lo-container" class="acc-container"></div>`},
		{"the page has the failure box with a retry button", signedIn, `<button id="lo-retry"`},
		{"the page loads bootstrap.js with the nonce", signedIn, `<script src="/__lo/static/bootstrap.js?v=`},
		{"the dev banner is unmistakable", signedIn, `<strong>Dev mode</strong> — emulated Salesforce org at <code>http://127.0.0.1:8443</code>; not for production`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(c.body, c.want) {
				t.Errorf("want %q in the page, not found", c.want)
			}
		})
	}
	t.Run("a signed-out page does not preload the library", func(t *testing.T) {
		if strings.Contains(signedOut, `rel="preload"`) {
			t.Error("want no preload when signed out, found one")
		}
	})
	t.Run("production pages carry no dev banner", func(t *testing.T) {
		if strings.Contains(signedOut, "lo-devbanner") {
			t.Error("want no dev banner outside dev mode, found one")
		}
	})
}

func TestCallbackPage(t *testing.T) {
	r := mustNew(t)
	t.Run("the popup hands ok and the exact opener origin to callback-popup.js", func(t *testing.T) {
		body, _ := render(t, r, "callback", samples()["callback popup"])
		m := callbackElement.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("want the #lo-callback JSON element, found none")
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(m[1]), &got); err != nil {
			t.Fatal(err)
		}
		if got["ok"] != true || got["openerOrigin"] != "https://shop.example.org" {
			t.Errorf("want {ok:true, openerOrigin:https://shop.example.org}, got %v", got)
		}
		if !strings.Contains(body, `/__lo/static/callback-popup.js?v=`) {
			t.Error("want callback-popup.js loaded, not found")
		}
	})
	t.Run("the no-JS success page links to the redirect", func(t *testing.T) {
		body, _ := render(t, r, "callback", samples()["callback no-JS success"])
		if !strings.Contains(body, `<a class="lo-btn" href="/chat">Continue</a>`) {
			t.Errorf("want a Continue link to /chat, got:\n%s", body)
		}
	})
	t.Run("a javascript: redirect is neutralised", func(t *testing.T) {
		body, _ := render(t, r, "callback", CallbackData{Page: testPage(false), OK: true, Redirect: "javascript:alert(1)"})
		if strings.Contains(body, "javascript:") {
			t.Error("want a javascript: URL filtered out of href, found it")
		}
	})
}

func TestErrorPage(t *testing.T) {
	r := mustNew(t)
	dev, _ := render(t, r, "error", samples()["error in dev mode"])
	prod, _ := render(t, r, "error", samples()["error in production"])
	t.Run("dev mode shows the admin hint", func(t *testing.T) {
		if !strings.Contains(dev, "Check session.redis.addr") {
			t.Error("want the hint in dev mode, not found")
		}
	})
	t.Run("production hides the admin hint", func(t *testing.T) {
		if strings.Contains(prod, "state cookie missing") {
			t.Error("want no hint outside dev mode, found it")
		}
	})
	t.Run("the status, heading, retry link and request id are shown", func(t *testing.T) {
		for _, want := range []string{"503 · Service Unavailable", "Sign-in is unavailable", `<a class="lo-btn" href="/chat">Reload</a>`, "quote request ID <code>req-7f3a</code>"} {
			if !strings.Contains(dev, want) {
				t.Errorf("want %q on the error page, not found", want)
			}
		}
	})
}

func TestLogoutPage(t *testing.T) {
	r := mustNew(t)
	body, _ := render(t, r, "logout", samples()["logout"])
	for _, want := range []string{
		`<form method="post" action="/__lo/logout" data-lo-signout>`,
		`<p id="lo-signout-status" class="lo-visually-hidden" role="status" aria-live="polite"></p>`,
		`src="/__lo/static/signout.js?v=`,
		`<input type="hidden" name="csrf" value="csrf-9">`,
		`<input type="hidden" name="rd" value="/after">`,
		`<button class="lo-btn" type="submit">Sign out</button>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("want %q on the logout page, not found", want)
		}
	}
}

func TestSignedOutPage(t *testing.T) {
	r := mustNew(t)
	body, _ := render(t, r, "signedout", samples()["signedout"])
	for _, want := range []string{
		`<h1 id="lo-title">You're signed out</h1>`,
		`data-lo-signout-how="logout_page"`,
		`<a id="lo-signin-again" class="lo-btn" href="/__lo/login?rd=%2Fchat">Sign in again</a>`,
		`<a class="lo-btn lo-btn--ghost" href="/chat">Back to the site</a>`,
		`<p class="lo-notice" role="note">Salesforce did not answer.`,
		`<iframe id="lo-org-logout" src="https://acme.my.salesforce.com/secur/logout.jsp" title="Salesforce sign-out (runs in the background)" hidden></iframe>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("want %q on the signed-out page, not found in:\n%s", want, body)
		}
	}
	d := samples()["signedout"].(SignedOutData)
	d.OrgLogoutURL = ""
	if body, _ := render(t, r, "signedout", d); strings.Contains(body, "<iframe") {
		t.Error("want no frame when there is no org logout page to load, got one")
	}
}

func TestDevIndexPage(t *testing.T) {
	r := mustNew(t)
	body, _ := render(t, r, "devindex", samples()["devindex"])
	for _, want := range []string{`href="/__lo/embed"`, `href="/__lo/login?rd=%2F"`, `<code>ada@acme.test</code>`, `href="http://127.0.0.1:8443"`, "not for production"} {
		if !strings.Contains(body, want) {
			t.Errorf("want %q on the dev index, not found", want)
		}
	}
}

func TestRenderRefusesWhatItCannotRender(t *testing.T) {
	r := mustNew(t)
	cases := []struct {
		name    string
		page    string
		data    any
		wantErr string
	}{
		{"an unknown page name is refused", "home", ErrorData{}, `no page "home"`},
		{"data of the wrong type is refused", "embed", ErrorData{}, "wants templates.EmbedData data, got templates.ErrorData"},
		{"an embed page without a nonce is refused", "embed", EmbedData{}, "needs Page.Nonce"},
		{"a callback page without a nonce is refused", "callback", &CallbackData{Popup: true}, "needs Page.Nonce"},
		{"boot data that cannot be JSON is refused", "embed", EmbedData{Page: testPage(false), Boot: func() {}}, "marshalling page data as JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			err := r.Render(rec, 200, c.page, c.data)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("want an error containing %q, got %v", c.wantErr, err)
			}
			if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
				t.Errorf("want nothing written on error, got %d bytes and Content-Type %q", rec.Body.Len(), rec.Header().Get("Content-Type"))
			}
		})
	}
	t.Run("an error page needs no nonce (it has no scripts)", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := r.Render(rec, 500, "error", ErrorData{Status: 500}); err != nil {
			t.Fatalf("want no error, got %v", err)
		}
		if rec.Code != 500 {
			t.Errorf("status: want 500, got %d", rec.Code)
		}
	})
}

func TestRenderIsSafeConcurrently(t *testing.T) {
	r := mustNew(t)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sample, data := range samples() {
				if err := r.Render(httptest.NewRecorder(), 200, pageName(sample), data); err != nil {
					t.Errorf("Render(%q) concurrently: want no error, got %v", sample, err)
				}
			}
		}()
	}
	wg.Wait()
}

func mustNew(t *testing.T) *Renderer {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatalf("New: want no error, got %v", err)
	}
	return r
}
