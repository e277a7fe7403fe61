package gateway_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/harness"
)

const (
	handoffPartner = "https://partner.example.org"
	handoffState   = "Zq8v_opener-popup-state-0123456789"
)

var callbackJSON = regexp.MustCompile(`<script type="application/json" id="lo-callback"[^>]*>([^<]*)</script>`)

// popupSignIn runs a popup sign-in with a hand-off, as a browser's popup would,
// and returns the callback page's answer and its data.
func popupSignIn(t *testing.T, env *harness.Env, c *http.Client, opener, state string) (*http.Response, map[string]any) {
	t.Helper()
	q := url.Values{"popup": {"1"}, "ps": {state}}
	if opener != "" {
		q.Set("origin", opener)
	}
	resp, err := c.Get(env.URL + "/__lo/login?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp, err = harness.SubmitOrgForms(c, resp, env.OrgURL, harness.AliceUser, harness.AlicePass)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := callbackJSON.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("want the popup's callback page with its data, got %d at %s", resp.StatusCode, resp.Request.URL.Path)
	}
	var data map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &data); err != nil {
		t.Fatalf("callback data: %v", err)
	}
	return resp, data
}

func redeemPost(t *testing.T, env *harness.Env, c *http.Client, origin, code, state string) (*http.Response, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"code": code, "state": state})
	return secDo(t, c, http.MethodPost, env.URL+"/__lo/handoff", map[string]string{"Origin": origin, "Content-Type": "application/json"}, string(b))
}

func TestPopupHandoffSetsNoCookieInThePopupAndTheCodeWorksOnceForItsOrigin(t *testing.T) {
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
		c.Sites[0].TrustedDomains = []string{handoffPartner}
	}})
	popup := harness.Client()
	resp, data := popupSignIn(t, env, popup, handoffPartner, handoffState)
	if setsSession(resp) {
		t.Errorf("want no session cookie set in the popup's window, got %v", resp.Header.Values("Set-Cookie"))
	}
	code, _ := data["code"].(string)
	if data["ok"] != true || data["openerOrigin"] != handoffPartner || len(code) != 43 {
		t.Fatalf("want ok, the partner as the exact target origin and a 43-character code, got ok=%v origin=%v code length %d", data["ok"], data["openerOrigin"], len(code))
	}
	if h := resp.Header.Get("X-Frame-Options"); h != "DENY" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("want the callback page unframeable and uncached, got X-Frame-Options %q Cache-Control %q", h, resp.Header.Get("Cache-Control"))
	}

	page := harness.Client() // the partner page's own cookie partition
	for _, r := range []struct {
		name, origin, state string
		want                int
	}{
		{"an untrusted origin", "https://evil.example.net", handoffState, http.StatusForbidden},
		{"no Origin at all", "", handoffState, http.StatusForbidden},
		{"the gateway's own origin, which the code was not issued to", env.URL, handoffState, http.StatusBadRequest},
		{"the right origin without the popup state", handoffPartner, "another-state-0123456789abcdef", http.StatusBadRequest},
	} {
		hdr := map[string]string{"Content-Type": "application/json"}
		if r.origin != "" {
			hdr["Origin"] = r.origin
		}
		b, _ := json.Marshal(map[string]string{"code": code, "state": r.state})
		got, body := secDo(t, page, http.MethodPost, env.URL+"/__lo/handoff", hdr, string(b))
		if got.StatusCode != r.want || setsSession(got) {
			t.Errorf("%s: want %d and no session cookie, got %d %s", r.name, r.want, got.StatusCode, body)
		}
	}

	got, body := redeemPost(t, env, page, handoffPartner, code, handoffState)
	if got.StatusCode != http.StatusOK || !strings.Contains(body, `"signedIn":true`) {
		t.Fatalf("want the partner's redeem to sign it in, got %d %s", got.StatusCode, body)
	}
	if got.Header.Get("Access-Control-Allow-Origin") != handoffPartner || got.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("want the CORS grant for the partner with credentials, got %q %q", got.Header.Get("Access-Control-Allow-Origin"), got.Header.Get("Access-Control-Allow-Credentials"))
	}
	var session *http.Cookie
	for _, ck := range got.Cookies() {
		if ck.Name == "lo_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.Path != "/" {
		t.Fatalf("want the session cookie (HttpOnly, Path=/) set by the redeem's answer, got %v", got.Header.Values("Set-Cookie"))
	}
	if rec := sessionRecord(t, env, session.Value); rec.Identity.Username != harness.AliceUser && rec.Identity.PreferredUsername != harness.AliceUser {
		t.Errorf("want the redeemed session to be Alice's, got %+v", rec.Identity)
	}

	again, body := redeemPost(t, env, harness.Client(), handoffPartner, code, handoffState)
	if again.StatusCode != http.StatusBadRequest || !strings.Contains(body, "HANDOFF_INVALID") {
		t.Errorf("want a second redeem of the same code refused with HANDOFF_INVALID, got %d %s", again.StatusCode, body)
	}
}

func TestPopupHandoffForTheFramedEmbedPostsToTheGatewayItself(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	_, data := popupSignIn(t, env, harness.Client(), "", handoffState)
	code, _ := data["code"].(string)
	if data["openerOrigin"] != env.URL || code == "" {
		t.Fatalf("want the code posted to the gateway's own origin (the framed embed page), got %v", data["openerOrigin"])
	}
	frame := harness.Client()
	if got, body := redeemPost(t, env, frame, env.URL, code, handoffState); got.StatusCode != http.StatusOK {
		t.Fatalf("want the frame's same-origin redeem to sign it in, got %d %s", got.StatusCode, body)
	}
	resp, body := secDo(t, frame, http.MethodGet, env.URL+"/__lo/session", map[string]string{"Accept": "application/json"}, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"signedIn":true`) {
		t.Errorf("want the frame's next call signed in, got %d %s", resp.StatusCode, body)
	}
}

func TestAFramedPageNeverNavigatesToTheOrg(t *testing.T) {
	env := harness.Start(t, harness.Options{Config: func(c *config.Config) { c.Sites[0].Signin.AutoStart = true }})
	c := harness.Client()
	framed := map[string]string{"Sec-Fetch-Dest": "iframe", "Sec-Fetch-Mode": "navigate"}
	resp, body := secDo(t, c, http.MethodGet, env.URL+"/__lo/embed", framed, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="lo-signin"`) {
		t.Errorf("want the framed embed page (auto_start on) to render its sign-in button, got %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = secDo(t, c, http.MethodGet, env.URL+"/__lo/login?rd=%2F__lo%2Fembed", framed, "")
	if resp.StatusCode != http.StatusBadRequest || strings.HasPrefix(resp.Header.Get("Location"), env.OrgURL) {
		t.Errorf("want a framed /__lo/login refused (400), not sent to the org, got %d to %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Control: the same requests at the top level go to sign in.
	resp, _ = secDo(t, c, http.MethodGet, env.URL+"/__lo/embed", map[string]string{"Sec-Fetch-Dest": "document"}, "")
	if resp.StatusCode != http.StatusFound {
		t.Errorf("control: want the top-level embed page (auto_start on) to redirect to sign-in, got %d", resp.StatusCode)
	}
	if resp, _ := secDo(t, c, http.MethodGet, env.URL+"/__lo/login?popup=1&ps=bad!", nil, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("want a malformed popup state refused, got %d", resp.StatusCode)
	}
}

func setsSession(resp *http.Response) bool {
	for _, ck := range resp.Cookies() {
		if strings.Contains(ck.Name, "lo_session") && ck.Value != "" {
			return true
		}
	}
	return false
}

func TestAFailedPopupSignInRetriesWithTheSameHandoff(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	env.Org.FailNext("token", 1, http.StatusServiceUnavailable)
	c := harness.Client()
	resp, err := c.Get(env.URL + "/__lo/login?" + url.Values{"popup": {"1"}, "ps": {handoffState}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp, err = harness.SubmitOrgForms(c, resp, env.OrgURL, harness.AliceUser, harness.AlicePass)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode < 500 || !strings.Contains(html.UnescapeString(string(body)), "&ps="+handoffState) {
		t.Errorf("want the failed popup callback's retry link to keep the popup state (a retry hands off to the same opener), got %d", resp.StatusCode)
	}
	if setsSession(resp) {
		t.Error("want no session cookie from a failed popup sign-in")
	}
}
