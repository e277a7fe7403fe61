package lo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testHost = "http://localhost:8080"

var testUser = Session{UserID: "005000000000001AAA", OrgID: "00D000000000001AAA", Username: "ada@example.com", Name: "Ada Lovelace"}

// testServer runs Handler with a session that exists when the request carries
// the cookie sid=good, and an app registry where only "1Usenabled" is enabled.
func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Handler(Options{
		SessionFromRequest: func(r *http.Request) (Session, bool) {
			c, err := r.Cookie("sid")
			return testUser, err == nil && c.Value == "good"
		},
		TrustedDomains: func() []string { return []string{testHost, "*.trusted.example"} },
		AppEnabled:     func(id string) bool { return id == "" || id == "1Usenabled" },
		AuthTimeout:    3 * time.Second,
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, cookie string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAssetsAreServedWithTheirContentTypes(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		name, path, ctype, contains string
	}{
		{"the Lightning Out library is JavaScript that defines the application element", LibraryPath, "text/javascript; charset=utf-8", "customElements.define(APP_TAG"},
		{"the library carries the configured auth timeout", LibraryPath, "text/javascript; charset=utf-8", "var AUTH_TIMEOUT_MS = 3000;"},
		{"the ACC SDK bundles its own copy of the library", SDKPath, "text/javascript; charset=utf-8", "lightning-out-application"},
		{"the ACC SDK exposes embedAgentforceClient", SDKPath, "text/javascript; charset=utf-8", "window.embedAgentforceClient = embedAgentforceClient"},
		{"the container script is JavaScript", "/lwr/lo-assets/container.js", "text/javascript; charset=utf-8", "lo.getComponentData"},
		{"the container styles are CSS", "/lwr/lo-assets/container.css", "text/css; charset=utf-8", ".acc-panel"},
		{"the auth page is HTML", AuthPagePath, "text/html; charset=utf-8", "lo-auth-status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+tt.path, "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: want status 200, got %d", tt.path, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("GET %s: want Content-Type %q, got %q", tt.path, tt.ctype, got)
			}
			if !strings.Contains(body, tt.contains) {
				t.Errorf("GET %s: want body containing %q, it does not", tt.path, tt.contains)
			}
		})
	}
	t.Run("unknown asset paths are 404", func(t *testing.T) {
		for _, p := range []string{"/lwr/lo-assets/../lo.go", "/lwr/lo-assets/nope.js", "/lightning/other.js", "/acc/x"} {
			if resp, _ := get(t, srv.URL+p, ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: want 404, got %d", p, resp.StatusCode)
			}
		}
	})
	t.Run("the SDK contains the library before the SDK code, once", func(t *testing.T) {
		_, sdk := get(t, srv.URL+SDKPath, "")
		lib := strings.Index(sdk, "customElements.define(APP_TAG")
		emb := strings.Index(sdk, "window.embedAgentforceClient")
		if lib < 0 || emb < lib || strings.Count(sdk, "customElements.define(APP_TAG") != 1 {
			t.Errorf("want one library copy followed by the SDK; library at %d, SDK at %d, copies %d", lib, emb, strings.Count(sdk, "customElements.define(APP_TAG"))
		}
	})
}

func TestAuthPagePostsOnlyWhenTheOrgWouldAuthenticate(t *testing.T) {
	srv := testServer(t)
	tests := []struct {
		name, cookie, origin, appID, status string
		posts                               bool
	}{
		{"a signed-in user on a trusted host with an enabled app gets lo.loaded", "sid=good", testHost, "1Usenabled", "ok", true},
		{"no app id counts as an app created before Spring '26", "sid=good", testHost, "", "ok", true},
		{"a wildcard trusted domain admits a subdomain", "sid=good", "https://shop.trusted.example", "", "ok", true},
		{"without the session cookie nothing is posted", "", testHost, "1Usenabled", "no-session", false},
		{"a stale session cookie posts nothing", "sid=stale", testHost, "", "no-session", false},
		{"a disabled app posts nothing", "sid=good", testHost, "1Usdisabled", "app-disabled", false},
		{"an untrusted host origin posts nothing", "sid=good", "http://evil.example:8080", "", "untrusted-origin", false},
		{"a trusted host on another port posts nothing", "sid=good", "http://localhost:9999", "", "untrusted-origin", false},
		{"a loAppOrigin with a path posts nothing", "sid=good", testHost + "/page", "", "bad-request", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := srv.URL + AuthPagePath + "?parentElementId=abc-123&loAppOrigin=" + tt.origin + "&appId=" + tt.appID + "&lo_auth_page_last_mod=1762330051"
			resp, body := get(t, u, tt.cookie)
			if !strings.Contains(body, `data-status="`+tt.status+`"`) {
				t.Errorf("want status %q in the page, got body %s", tt.status, body)
			}
			posted := strings.Contains(body, "postMessage")
			if posted != tt.posts {
				t.Fatalf("want postMessage on the page = %v, got %v; body %s", tt.posts, posted, body)
			}
			if tt.posts {
				want := `postMessage({id: "abc-123", type: "lo.loaded"}, "` + strings.ToLower(tt.origin) + `")`
				if !strings.Contains(body, want) {
					t.Errorf("want the page to post %s to the exact origin, got body %s", want, body)
				}
				csp := resp.Header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "script-src 'self' 'nonce-") || !strings.Contains(body, `<script nonce="`) {
					t.Errorf("want the inline script allowed by a nonce, got CSP %q", csp)
				}
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("want Cache-Control no-store, got %q", got)
			}
		})
	}
}

func TestFramedPagesSendFrameAncestors(t *testing.T) {
	srv := testServer(t)
	want := "frame-ancestors 'self' " + testHost + " *.trusted.example"
	for _, p := range []string{
		AuthPagePath + "?parentElementId=x&loAppOrigin=" + testHost,
		"/lwr/application/amd/0/ai/lightningout%2Fcontainer?componentName=c/myComp&parentElementId=x&loAppOrigin=" + testHost,
	} {
		t.Run("the page "+strings.SplitN(p, "?", 2)[0]+" may be framed only by trusted domains", func(t *testing.T) {
			for _, cookie := range []string{"", "sid=good"} {
				resp, _ := get(t, srv.URL+p, cookie)
				csp := resp.Header.Get("Content-Security-Policy")
				if !strings.HasSuffix(csp, want) {
					t.Errorf("cookie %q: want CSP ending in %q, got %q", cookie, want, csp)
				}
			}
		})
	}
	t.Run("a malformed trusted domain cannot inject CSP directives", func(t *testing.T) {
		got := frameAncestors([]string{"https://ok.example", "x; script-src *", "https://a.example/"})
		if want := "frame-ancestors 'self' https://ok.example https://a.example"; got != want {
			t.Errorf("want %q, got %q", want, got)
		}
	})
}

func TestContainerPageRouting(t *testing.T) {
	srv := testServer(t)
	q := "?componentName=c/myComp&parentElementId=p1&loAppOrigin=" + testHost + "&appId=1Usenabled"
	tests := []struct {
		name, path string
		status     int
	}{
		{"the encoded-slash container URL renders", "/lwr/application/amd/0/ai/lightningout%2Fcontainer", 200},
		{"a lower-case escape renders too", "/lwr/application/amd/0/ai/lightningout%2fcontainer", 200},
		{"the language variant renders", "/lwr/application/amd/0/l/en-US/ai/lightningout%2Fcontainer", 200},
		{"another LWR app is not found", "/lwr/application/amd/0/ai/other%2Fapp", 404},
		{"a different version segment is not found", "/lwr/application/amd/1/ai/lightningout%2Fcontainer", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+tt.path+q, "sid=good")
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s: want %d, got %d", tt.path, tt.status, resp.StatusCode)
			}
			if tt.status == 200 && !strings.Contains(body, `"componentName":"c/myComp"`) {
				t.Errorf("want the boot data to name c/myComp, got %s", body)
			}
		})
	}
	t.Run("the boot data says whether the org session exists", func(t *testing.T) {
		_, in := get(t, srv.URL+tests[0].path+q, "sid=good")
		_, out := get(t, srv.URL+tests[0].path+q, "")
		if !strings.Contains(in, `"signedIn":true`) || !strings.Contains(in, `"userName":"Ada Lovelace"`) {
			t.Errorf("with the cookie: want signedIn and the user's name, got %s", in)
		}
		if !strings.Contains(out, `"signedIn":false`) || strings.Contains(out, "Ada") {
			t.Errorf("without the cookie: want signedIn false and no user, got %s", out)
		}
	})
	t.Run("an untrusted loAppOrigin never reaches the page script", func(t *testing.T) {
		_, body := get(t, srv.URL+tests[0].path+"?componentName=c/x&parentElementId=p&loAppOrigin=http://evil.example", "sid=good")
		if !strings.Contains(body, `"loAppOrigin":""`) {
			t.Errorf("want an empty loAppOrigin in the boot data, got %s", body)
		}
	})
}

func postMessage(t *testing.T, url, cookie, ctype, origin, body string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestChatAPI(t *testing.T) {
	srv := testServer(t)
	url := srv.URL + MessagesPath
	tests := []struct {
		name, cookie, ctype, origin, body string
		status                            int
		field, contains                   string
	}{
		{"a signed-in user gets a reply naming them and echoing the question", "sid=good", "application/json", srv.URL, `{"text":"Where is my order?"}`, 200, "reply", `Hi Ada Lovelace! You asked: "Where is my order?"`},
		{"the reply follows the canned topic", "sid=good", "application/json", "", `{"text":"Where is my order?"}`, 200, "reply", "on its way"},
		{"without the org session the API answers 401", "", "application/json", "", `{"text":"hi"}`, 401, "message", "Your Salesforce session ended"},
		{"an ended session answers 401 with the Salesforce error word", "sid=expired", "application/json", "", `{"text":"hi"}`, 401, "error", "INVALID_SESSION_ID"},
		{"a form post is refused so other sites cannot chat without a preflight", "sid=good", "text/plain", "", `{"text":"hi"}`, 415, "error", "UNSUPPORTED_MEDIA_TYPE"},
		{"a foreign Origin is refused", "sid=good", "application/json", "http://evil.example", `{"text":"hi"}`, 403, "error", "FORBIDDEN"},
		{"an empty message is refused", "sid=good", "application/json", "", `{"text":"   "}`, 400, "message", "text is required"},
		{"a body that is not JSON is refused", "sid=good", "application/json", "", `text=hi`, 400, "error", "INVALID_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := postMessage(t, url, tt.cookie, tt.ctype, tt.origin, tt.body)
			if status != tt.status {
				t.Fatalf("want status %d, got %d (%v)", tt.status, status, out)
			}
			if !strings.Contains(out[tt.field], tt.contains) {
				t.Errorf("want %s containing %q, got %q", tt.field, tt.contains, out[tt.field])
			}
		})
	}
	t.Run("GET is not allowed", func(t *testing.T) {
		if resp, _ := get(t, url, "sid=good"); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("want 405, got %d", resp.StatusCode)
		}
	})
}

func TestCannedReplyIsDeterministic(t *testing.T) {
	a := CannedReply(testUser, "Can you help me?")
	b := CannedReply(testUser, "Can you help me?")
	if a != b {
		t.Fatalf("want the same reply twice, got %q and %q", a, b)
	}
	if want := `Hi Ada Lovelace! You asked: "Can you help me?". I can talk about orders`; !strings.HasPrefix(a, want) {
		t.Errorf("want a reply starting %q, got %q", want, a)
	}
	if got := CannedReply(Session{Username: "bob@example.com"}, "x"); !strings.HasPrefix(got, "Hi bob@example.com!") {
		t.Errorf("want the username when the name is empty, got %q", got)
	}
}

func TestOriginTrusted(t *testing.T) {
	domains := []string{"https://shop.example", "plain.example", "*.wild.example", "http://localhost:8080"}
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://shop.example", true},
		{"https://shop.example:443", true},
		{"http://shop.example", false},
		{"https://shop.example:8443", false},
		{"http://plain.example", true},
		{"https://plain.example", true},
		{"https://a.wild.example", true},
		{"https://wild.example", false},
		{"http://localhost:8080", true},
		{"http://localhost:8081", false},
		{"http://127.0.0.1:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.origin+" trusted is "+map[bool]string{true: "true", false: "false"}[tt.want], func(t *testing.T) {
			if got := originTrusted(tt.origin, domains); got != tt.want {
				t.Errorf("originTrusted(%q): want %v, got %v", tt.origin, tt.want, got)
			}
		})
	}
}
