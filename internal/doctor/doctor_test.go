package doctor_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/devorg/lo"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/internal/doctor"
	"github.com/logateway/logateway/internal/harness"
)

// keyPair writes a JWT bearer key and returns its file and certificate.
func keyPair(t *testing.T, name string) (keyFile, certPEM string) {
	t.Helper()
	keyPEM, cert, err := salesforce.GenerateKeyPair("logateway-doctor-test", 24*time.Hour, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(t.TempDir(), name+".key")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, string(cert)
}

// recorder remembers every credential-like value doctor sends to the org, so
// a test can assert that none of them is ever printed.
type recorder struct {
	mu     sync.Mutex
	values []string
	next   http.RoundTripper
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var sent []string
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if v := req.URL.Query().Get(k); v != "" {
			sent = append(sent, v)
		}
	}
	if strings.Contains(req.URL.Path, "/services/oauth2/authorize") {
		sent = append(sent, req.URL.RawQuery)
	}
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		form, _ := url.ParseQuery(string(b))
		for _, k := range []string{"refresh_token", "assertion", "client_secret"} {
			if v := form.Get(k); v != "" {
				sent = append(sent, v)
			}
		}
	}
	r.mu.Lock()
	r.values = append(r.values, sent...)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *recorder) sent() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.values...)
}

// outputs renders a report every way doctor prints one.
func outputs(t *testing.T, rep *doctor.Report) map[string]string {
	t.Helper()
	var text, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	h := doctor.Handler(func(context.Context) (*doctor.Report, error) { return rep, nil }, time.Minute)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/doctor", nil))
	return map[string]string{"text": text.String(), "json": js.String(), "prometheus": rec.Body.String()}
}

// TestDoctorAgainstTheDevorg runs doctor against the emulated org configured
// right, then wrong in one way at a time: each wrong setting must give exactly
// one failing line, and that line must name the Setup screen and field.
func TestDoctorAgainstTheDevorg(t *testing.T) {
	goodKey, goodCert := keyPair(t, "good")
	otherKey, otherCert := keyPair(t, "other")
	_ = otherKey

	const wrongSecret = "not-the-consumer-secret-0123"
	cases := []struct {
		name      string
		org       func(oc *devorg.Config)
		gw        func(c *config.Config)
		failCheck string   // "" = nothing may fail
		fixWants  []string // in the failing line's fix
	}{
		{name: "Setup matches the config"},
		{
			name:      "the callback URL is not registered",
			org:       func(oc *devorg.Config) { oc.Apps[0].CallbackURLs = []string{oc.Apps[0].CallbackURLs[0] + "-old"} },
			failCheck: doctor.CheckCallbackURL,
			fixWants:  []string{"External Client App Manager", "OAuth Settings → Callback URL", "/callback.html"},
		},
		{
			name:      "the consumer key is not the app's",
			gw:        func(c *config.Config) { c.Sites[0].ECA.ClientID = "3MVG9someone.elses.app" },
			failCheck: doctor.CheckConsumerKey,
			fixWants:  []string{"External Client App Manager", "Consumer Key", "eca.client_id"},
		},
		{
			name: "the consumer secret is wrong",
			gw: func(c *config.Config) {
				c.Sites[0].ECA.ClientSecret, c.Sites[0].ECA.Secret = wrongSecret, wrongSecret
			},
			failCheck: doctor.CheckConsumerSecret,
			fixWants:  []string{"External Client App Manager", "Consumer Secret"},
		},
		{
			name:      "a scope is not selected on the app",
			gw:        func(c *config.Config) { c.Sites[0].ECA.Scopes = append(c.Sites[0].ECA.Scopes, "visualforce") },
			failCheck: doctor.CheckScopes,
			fixWants:  []string{"External Client App Manager", "Selected OAuth Scopes", "Access Visualforce applications (visualforce)"},
		},
		{
			name:      "the uploaded certificate is not the gateway key's",
			org:       func(oc *devorg.Config) { oc.Apps[0].CertificatePEM = otherCert },
			failCheck: doctor.CheckJWTCertificate,
			fixWants:  []string{"External Client App Manager", "Enable JWT Bearer Flow", "signin.jwt.key_file"},
		},
		{
			name:      "the Lightning Out app is disabled",
			org:       func(oc *devorg.Config) { oc.LOApps[0].Enabled = false },
			failCheck: doctor.CheckLOApp,
			fixWants:  []string{"Lightning Out 2.0 App Manager", "App Status: Enabled"},
		},
		{
			name:      "the org serves no Lightning Out 2.0 library",
			org:       func(oc *devorg.Config) { oc.NoLightningOutLibrary = true },
			failCheck: doctor.CheckLOScript,
			fixWants:  []string{"Lightning Out 2.0 App Manager", "lightning_out.script_url"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := harness.Start(t, harness.Options{
				OrgConfig: func(oc *devorg.Config) {
					app := &oc.Apps[0]
					app.JWTBearer, app.CertificatePEM = true, goodCert
					// Which the org checks first is not known; doctor can
					// only tell a disabled app from an org that looks at it first.
					oc.Assumptions.LOBridgeChecksAppFirst = true
					if tc.org != nil {
						tc.org(oc)
					}
				},
				Config: func(c *config.Config) {
					sc := &c.Sites[0]
					sc.Signin.JWT = config.JWTAuth{KeyFile: goodKey, Audience: sc.Org.MyDomain}
					sc.APIRelay = []config.APIRoute{{Prefix: "/__lo/svc/", Target: sc.Org.MyDomain + "/services/oauth2",
						Identity: "service", ServiceFlow: "jwt-bearer", ServiceUsername: "bob@devorg.example"}}
					if tc.gw != nil {
						tc.gw(c)
					}
				},
			})
			rec := &recorder{next: http.DefaultTransport}
			rep, err := doctor.Run(context.Background(), env.Config, doctor.Options{
				HTTP:    &http.Client{Timeout: 10 * time.Second, Transport: rec},
				Gateway: env.Gateway,
			})
			if err != nil {
				t.Fatal(err)
			}
			out := outputs(t, rep)
			text := out["text"]

			var failing []string
			for _, line := range strings.Split(text, "\n") {
				if strings.HasPrefix(strings.TrimSpace(line), "FAIL") {
					failing = append(failing, line)
				}
			}
			if tc.failCheck == "" {
				if len(failing) != 0 || rep.Failures() != 0 {
					t.Fatalf("want no failing line, got:\n%s", text)
				}
				for _, r := range rep.Sites[0].Results {
					if r.Status == doctor.Skip && r.Check != doctor.CheckACCSDK {
						t.Errorf("check %s skipped (%s); with Setup right every check but acc_sdk (native mode) should run", r.Check, r.Detail)
					}
				}
			} else {
				if len(failing) != 1 || rep.Failures() != 1 {
					t.Fatalf("want exactly one failing line, got %d:\n%s", len(failing), text)
				}
				fields := strings.Fields(failing[0])
				if len(fields) < 2 || fields[1] != tc.failCheck {
					t.Fatalf("failing line is %q, want check %s", failing[0], tc.failCheck)
				}
				for _, w := range tc.fixWants {
					if !strings.Contains(failing[0], w) {
						t.Errorf("failing line %q does not name %q", failing[0], w)
					}
				}
				if !strings.Contains(failing[0], "— fix: Setup → ") {
					t.Errorf("failing line %q does not start its fix at a Setup screen", failing[0])
				}
			}

			// Nothing doctor sent the org as a credential, and no configured
			// secret, ever comes out in any format.
			secrets := append(rec.sent(), devorg.DefaultClientSecret, wrongSecret)
			for format, o := range out {
				for _, s := range secrets {
					if len(s) >= 8 && strings.Contains(o, s) {
						t.Errorf("%s output carries a value sent to the org as a credential or state (%.12s…)", format, s)
					}
				}
				for _, bad := range []string{"state=", "code_challenge", "/services/oauth2/authorize?", "eyJ"} {
					if strings.Contains(o, bad) {
						t.Errorf("%s output contains %q:\n%s", format, bad, o)
					}
				}
			}
			if len(rec.sent()) < 5 {
				t.Errorf("recorded only %d credential-like values sent; the probes did not run", len(rec.sent()))
			}
		})
	}
}

// TestLOAppCannotBeToldWhenTheOrgChecksTheSessionFirst: an org that asks for
// a session before it looks at the app id answers a disabled app and a good
// one alike; doctor says it cannot tell instead of guessing.
func TestLOAppCannotBeToldWhenTheOrgChecksTheSessionFirst(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		env := harness.Start(t, harness.Options{OrgConfig: func(oc *devorg.Config) {
			oc.Assumptions.LOBridgeChecksAppFirst = false
			oc.LOApps[0].Enabled = enabled
		}})
		rep, err := doctor.Run(context.Background(), env.Config, doctor.Options{Gateway: env.Gateway})
		if err != nil {
			t.Fatal(err)
		}
		got := result(t, rep, doctor.CheckLOApp)
		if got.Status != doctor.Skip || !strings.Contains(got.Detail, "Missing_OAuth_Token") {
			t.Errorf("app enabled=%v on a session-first org: lo_app is %s (%s), want skip naming Missing_OAuth_Token", enabled, got.Status, got.Detail)
		}
		if rep.Failures() != 0 {
			t.Errorf("app enabled=%v: %d failures, want 0", enabled, rep.Failures())
		}
	}
}

// TestSecretEchoedByTheOrgIsRedacted: whatever the org writes in its error
// description, a configured secret does not reach doctor's output.
func TestSecretEchoedByTheOrgIsRedacted(t *testing.T) {
	const wrong = "wrong-secret-echoed-back-42"
	env := harness.Start(t, harness.Options{
		OrgConfig: func(oc *devorg.Config) {
			oc.Assumptions.ReplyOverrides = map[devorg.Failure]devorg.Reply{
				devorg.TokenBadSecret: {Status: 400, Error: "invalid_client", Description: "invalid client credentials: " + wrong},
			}
		},
		Config: func(c *config.Config) { c.Sites[0].ECA.ClientSecret, c.Sites[0].ECA.Secret = wrong, wrong },
	})
	rep, err := doctor.Run(context.Background(), env.Config, doctor.Options{Gateway: env.Gateway})
	if err != nil {
		t.Fatal(err)
	}
	got := result(t, rep, doctor.CheckConsumerSecret)
	if got.Status != doctor.Fail || strings.Contains(got.Detail, wrong) || !strings.Contains(got.Detail, "[redacted]") {
		t.Fatalf("consumer_secret: %s %q; want a failure with the echoed secret redacted", got.Status, got.Detail)
	}
}

func TestSiteFilter(t *testing.T) {
	env := harness.Start(t, harness.Options{})
	if _, err := doctor.Run(context.Background(), env.Config, doctor.Options{Site: "https://nowhere.example"}); err == nil {
		t.Fatal("a --site naming no configured site ran; want an error")
	}
	rep, err := doctor.Run(context.Background(), env.Config, doctor.Options{Site: env.URL + "/", Gateway: env.Gateway})
	if err != nil || len(rep.Sites) != 1 || rep.Sites[0].URL != env.URL {
		t.Fatalf("--site %s/: %v, %+v; want the one site", env.URL, err, rep)
	}
}

func result(t *testing.T, rep *doctor.Report, check string) doctor.Result {
	t.Helper()
	for _, r := range rep.Sites[0].Results {
		if r.Check == check {
			return r
		}
	}
	t.Fatalf("no %s check in the report", check)
	return doctor.Result{}
}

// TestHTTPSSiteBehindTLSTermination: for an https site the in-process
// gateway still answers the callback and embed checks (the request reaches it
// as it would through the load balancer), and the host is resolved with the
// resolver given.
func TestHTTPSSiteBehindTLSTermination(t *testing.T) {
	const site = "https://shop.example.com"
	env := harness.Start(t, harness.Options{
		OrgConfig: func(oc *devorg.Config) {
			oc.Apps[0].CallbackURLs = []string{site + "/callback.html"}
			oc.TrustedLODomains = []string{site}
		},
		Config: func(c *config.Config) { c.Sites[0].URL = site },
	})
	var asked []string
	rep, err := doctor.Run(context.Background(), env.Config, doctor.Options{
		Gateway: env.Gateway,
		LookupHost: func(_ context.Context, host string) ([]string, error) {
			asked = append(asked, host)
			return []string{"192.0.2.10"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{doctor.CheckPublicURL, doctor.CheckCallbackPath, doctor.CheckEmbedCSP, doctor.CheckCallbackURL} {
		if r := result(t, rep, c); r.Status != doctor.OK {
			t.Errorf("%s: %s %s %s", c, r.Status, r.Detail, r.Fix)
		}
	}
	if len(asked) != 1 || asked[0] != "shop.example.com" {
		t.Errorf("resolver asked for %v, want [shop.example.com]", asked)
	}
}

// TestScriptsTheEmbedLoads covers the sdk bootstrap and a library URL that
// redirects elsewhere: each wrong setting is one failing line.
func TestScriptsTheEmbedLoads(t *testing.T) {
	cases := []struct {
		name      string
		edit      func(t *testing.T, sc *config.Site, orgURL string)
		failCheck string
		fixWants  string
	}{
		{"sdk mode with the org's bundle", func(_ *testing.T, sc *config.Site, orgURL string) {
			sc.LightningOut.Bootstrap, sc.LightningOut.SDKURL = "sdk", orgURL+lo.SDKPath
		}, "", ""},
		{"sdk mode with a bundle URL that is not there", func(_ *testing.T, sc *config.Site, orgURL string) {
			sc.LightningOut.Bootstrap, sc.LightningOut.SDKURL = "sdk", orgURL+"/acc/sdk/missing.js"
		}, doctor.CheckACCSDK, "lightning_out.sdk_url"},
		{"a library URL that redirects to another origin", func(t *testing.T, sc *config.Site, orgURL string) {
			redirector := httptest.NewServer(http.RedirectHandler(orgURL+lo.LibraryPath, http.StatusFound))
			t.Cleanup(redirector.Close)
			sc.LightningOut.ScriptURL = redirector.URL + "/lo.js"
		}, doctor.CheckEmbedCSP, "lightning_out.script_url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := harness.Start(t, harness.Options{Config: func(c *config.Config) {
				tc.edit(t, &c.Sites[0], c.Sites[0].Org.MyDomain)
			}})
			rep, err := doctor.Run(context.Background(), env.Config, doctor.Options{Gateway: env.Gateway})
			if err != nil {
				t.Fatal(err)
			}
			var failed []doctor.Result
			for _, r := range rep.Sites[0].Results {
				if r.Status == doctor.Fail {
					failed = append(failed, r)
				}
			}
			switch {
			case tc.failCheck == "" && len(failed) != 0:
				t.Fatalf("want no failure, got %+v", failed)
			case tc.failCheck != "" && (len(failed) != 1 || failed[0].Check != tc.failCheck || !strings.Contains(failed[0].Fix, tc.fixWants)):
				t.Fatalf("want one failure on %s naming %s, got %+v", tc.failCheck, tc.fixWants, failed)
			}
			if tc.failCheck == "" {
				if r := result(t, rep, doctor.CheckACCSDK); r.Status != doctor.OK {
					t.Errorf("acc_sdk: %s %s", r.Status, r.Detail)
				}
			}
		})
	}
}
