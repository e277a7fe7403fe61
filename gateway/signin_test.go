package gateway_test

import (
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/harness"
)

type sessionInfo struct {
	SignedIn    bool   `json:"signedIn"`
	DisplayName string `json:"displayName"`
	OrgID       string `json:"orgId"`
	UserID      string `json:"userId"`
}

func getSession(t *testing.T, c *http.Client, base string) sessionInfo {
	t.Helper()
	resp, err := c.Get(base + "/__lo/session")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var si sessionInfo
	if err := json.NewDecoder(resp.Body).Decode(&si); err != nil {
		t.Fatalf("GET /__lo/session: %v", err)
	}
	return si
}

func cookieValue(c *http.Client, base, name string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func TestSignInThroughTheEmulatedOrg(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	if si := getSession(t, c, env.URL); si.SignedIn {
		t.Fatal("a new visitor is signed in before sign-in")
	}
	end, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/__lo/embed")
	if err != nil {
		t.Fatal(err)
	}
	if end.Path != "/__lo/embed" {
		t.Errorf("after sign-in the browser is at %s, want /__lo/embed", end.Path)
	}
	si := getSession(t, c, env.URL)
	if !si.SignedIn || si.DisplayName != "Alice Adams" || !strings.HasPrefix(si.OrgID, "00D") || !strings.HasPrefix(si.UserID, "005") {
		t.Fatalf("session after sign-in = %+v, want Alice Adams with org and user ids", si)
	}
}

func TestSessionIDChangesAtSignIn(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	first := cookieValue(c, env.URL, "lo_session")
	if first == "" {
		t.Fatal("no session cookie after sign-in")
	}
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	second := cookieValue(c, env.URL, "lo_session")
	if second == "" || second == first {
		t.Fatalf("session cookie did not change at sign-in (planted %q…, after %q…)", clip(first), clip(second))
	}
	// The planted (old) cookie no longer works.
	old := harness.Client()
	u, _ := url.Parse(env.URL)
	old.Jar.SetCookies(u, []*http.Cookie{{Name: "lo_session", Value: first, Path: "/"}})
	if si := getSession(t, old, env.URL); si.SignedIn {
		t.Fatal("the pre-sign-in session id still works after a new sign-in")
	}
}

func clip(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// noFollow stops at the first redirect so a test sees the callback URL.
func noFollow(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// captureCallback signs in but stops at the org's redirect to the callback.
func captureCallback(t *testing.T, env *harness.Env, c *http.Client) string {
	t.Helper()
	var cb string
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/callback.html" {
			cb = req.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}
	defer func() { c.CheckRedirect = nil }()
	_, _ = env.SignIn(c, harness.AliceUser, harness.AlicePass, "/")
	if cb == "" {
		t.Fatal("the org never redirected to the callback")
	}
	return cb
}

func TestCallbackReplayAndWrongState(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	cb := captureCallback(t, env, c)
	env.Org.ResetCounts()

	// A wrong state with a valid code: refused, and the org's token endpoint never called.
	u, _ := url.Parse(cb)
	q := u.Query()
	q.Set("state", "forged-"+q.Get("state"))
	u.RawQuery = q.Encode()
	resp, err := noFollow(c).Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "expired or was already used") {
		t.Fatalf("wrong state: status %d, want 400 with the replay page", resp.StatusCode)
	}
	if n := env.Org.Count("token"); n != 0 {
		t.Fatalf("wrong state: the org's token endpoint was called %d times, want 0", n)
	}

	// The real callback works once…
	resp, err = noFollow(c).Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("first callback: status %d, want 302", resp.StatusCode)
	}
	// …and its replay is refused with the replay page.
	resp, err = noFollow(c).Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "expired or was already used") {
		t.Fatalf("replayed callback: status %d, want 400 with the replay page", resp.StatusCode)
	}
}

func TestSignOutRevokesAtTheOrg(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	old := cookieValue(c, env.URL, "lo_session")
	rec := sessionRecord(t, env, old)
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/__lo/logout", strings.NewReader(url.Values{"csrf": {rec.CSRF}, "rd": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", env.URL)
	resp, err := noFollow(c).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: status %d, want 303", resp.StatusCode)
	}
	if active := introspectActive(t, env, rec.Tokens.RefreshToken); active {
		t.Fatal("after sign-out the org's introspect says the refresh token is still active")
	}
	stale := harness.Client()
	u, _ := url.Parse(env.URL)
	stale.Jar.SetCookies(u, []*http.Cookie{{Name: "lo_session", Value: old, Path: "/"}})
	if si := getSession(t, stale, env.URL); si.SignedIn {
		t.Fatal("the old cookie still works after sign-out")
	}
}

func TestSignOutNeedsSameOriginAndToken(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	for name, hdr := range map[string][2]string{
		"cross-site origin":    {"https://evil.example", "x"},
		"same origin no token": {env.URL, ""},
	} {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/__lo/logout", strings.NewReader("csrf="+hdr[1]))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", hdr[0])
		resp, err := noFollow(c).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: logout status %d, want 403", name, resp.StatusCode)
		}
	}
	if si := getSession(t, c, env.URL); !si.SignedIn {
		t.Fatal("a refused sign-out signed the visitor out")
	}
}

func TestConcurrentRequestsOnAnExpiredTokenRefreshOnce(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	// The org ends every access token; the gateway only learns of it from the
	// org's Bad_OAuth_Token answer, so every request hits it at once.
	env.Org.ExpireSessions()
	env.Org.ResetCounts()
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/__lo/frontdoor", nil)
			req.Header.Set("Origin", env.URL)
			resp, err := c.Do(req)
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	var ok, limited int
	for code := range codes {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Errorf("frontdoor answered %d, want 200 (or 429 from the rate limit)", code)
		}
	}
	if n := env.Org.Count("token:refresh_token"); n != 1 {
		t.Fatalf("refresh calls at the org = %d, want exactly 1 (ok=%d limited=%d)", n, ok, limited)
	}
}

func TestProactiveRefreshBeforeKnownExpiry(t *testing.T) {
	env := harness.Start(t, harness.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)), Config: func(c *config.Config) {
		c.Sites[0].Org.SessionTimeout = config.Duration(2 * time.Second)
		c.Sites[0].Org.RefreshMargin = config.Duration(time.Second)
		c.Sites[0].LightningOut.RemintInterval = config.Duration(time.Second)
	}})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	env.Org.ResetCounts()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/__lo/frontdoor", nil)
	req.Header.Set("Origin", env.URL)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("frontdoor: %d", resp.StatusCode)
	}
	if n := env.Org.Count("token:refresh_token"); n != 1 {
		t.Fatalf("refreshes = %d, want 1 (token known to expire within the margin)", n)
	}
	if n := env.Org.Count("singleaccess"); n != 1 {
		t.Fatalf("UI Bridge calls = %d, want 1 (no failed call before the refresh)", n)
	}
}

func TestVisitorErrorPages(t *testing.T) {
	env := harness.Start(t, harness.Options{})

	t.Run("denied consent shows a polite page with a retry link", func(t *testing.T) {
		c := harness.Client()
		resp, err := c.Get(env.URL + "/__lo/login?rd=/__lo/embed")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// Sign in at the org, then press Deny on the consent page.
		form := url.Values{"devorg_action": {"login"}, "username": {"bob@devorg.example"}, "pw": {"bob"}}
		for _, h := range hiddenInputs(string(body)) {
			form.Set(h[0], h[1])
		}
		resp, err = c.PostForm(resp.Request.URL.String(), form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), "oadeny") {
			t.Fatalf("no consent page after sign-in (at %s)", resp.Request.URL.Path)
		}
		form = url.Values{"devorg_action": {"deny"}}
		for _, h := range hiddenInputs(string(body)) {
			form.Set(h[0], h[1])
		}
		resp, err = c.PostForm(resp.Request.URL.String(), form)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Sign-in cancelled") || !strings.Contains(string(body), "/__lo/login?rd=") {
			t.Fatalf("denied consent: %d at %s, want 403 'Sign-in cancelled' with a retry link", resp.StatusCode, resp.Request.URL.Path)
		}
		if si := getSession(t, c, env.URL); si.SignedIn {
			t.Fatal("denied consent left the visitor signed in")
		}
	})

	t.Run("an unreachable org is a 503 page, and sign-in works again when it is back", func(t *testing.T) {
		c := harness.Client()
		cb := captureCallback(t, env, c)
		env.Org.SetDown(true)
		resp, err := noFollow(c).Get(cb)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		env.Org.SetDown(false)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "not answering") {
			t.Fatalf("callback while the org is down: %d, want 503 'not answering'", resp.StatusCode)
		}
		if strings.Contains(string(body), "code=") || strings.Contains(string(body), "goroutine") {
			t.Fatal("the error page shows the code or a stack trace")
		}
		if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
			t.Fatalf("sign-in after the org came back: %v", err)
		}
		if si := getSession(t, c, env.URL); !si.SignedIn {
			t.Fatal("not signed in after the org came back")
		}
	})
}

func hiddenInputs(page string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(page, `<input type="hidden" name="`)[1:] {
		name, rest, _ := strings.Cut(part, `" value="`)
		value, _, _ := strings.Cut(rest, `"`)
		out = append(out, [2]string{name, html.UnescapeString(value)})
	}
	return out
}

func TestAFailedCallbackScrubsTheCodeFromTheAddressBar(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	resp, err := noFollow(harness.Client()).Get(env.URL + "/callback.html?code=spent-code&state=unknown")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "/__lo/static/scrub-url.js") {
		t.Fatalf("failed callback: %d, want 400 with the address-bar scrub script", resp.StatusCode)
	}
	// Other error pages keep their URL.
	resp, err = harness.Client().Get(env.URL + "/__lo/nothing-here?x=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "scrub-url.js") {
		t.Fatal("a 404 page scrubs its query though it carries no code")
	}
}
