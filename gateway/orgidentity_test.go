package gateway_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/internal/harness"
)

// The token response's id names the generic login host, not the org: the gateway must
// reach the org only through instance_url and its configured My Domain.
func TestIdentityURLHostIsNeverCalled(t *testing.T) {
	env := harness.Start(t, harness.Options{OrgConfig: func(c *devorg.Config) {
		c.LoginHost = "https://login.example.invalid" // unresolvable: any call there fails
	}})
	c := harness.Client()
	if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
		t.Fatalf("sign-in with id on another host: %v", err)
	}
	env.Org.ExpireSessions() // force a refresh too
	status, _, a := askFrontdoor(t, c, env, http.MethodPost, env.URL)
	if status != http.StatusOK || !orgAccepts(t, a.FrontdoorURL) {
		t.Fatalf("frontdoor after a refresh: wanted 200 and a working URL, got %d %q", status, a.Error)
	}
	if rec := sessionRecord(t, env, cookieValue(c, env.URL, "lo_session")); rec.Identity.OrgID != devorg.DefaultOrgID || !strings.HasPrefix(rec.Identity.UserID, "005") {
		t.Errorf("wanted org and user ids read from the id path, got %+v", rec.Identity)
	}
}

func TestJWTBearerOnASandbox(t *testing.T) {
	t.Run("the sandbox audience signs in", func(t *testing.T) {
		js := startJWT(t, jbOptions{orgType: devorg.OrgSandbox, audience: config.SandboxJWTAudience})
		c := harness.Client()
		if resp, body := js.signIn(t, c, "alice", "pw-alice", "/__lo/embed"); resp.StatusCode != http.StatusOK {
			t.Fatalf("sign-in: wanted 200, got %d %s", resp.StatusCode, body)
		}
		jbFrontdoor(t, c, js.env.URL)
	})
	t.Run("the production audience is refused and the log names signin.jwt.audience", func(t *testing.T) {
		js := startJWT(t, jbOptions{orgType: devorg.OrgSandbox, audience: config.DefaultJWTAudience})
		resp, _ := js.signIn(t, harness.Client(), "alice", "pw-alice", "/__lo/embed")
		if resp.StatusCode != http.StatusBadGateway {
			t.Fatalf("wanted 502, got %d", resp.StatusCode)
		}
		if line := jbLogLine(js.logs.String(), "rid="+resp.Header.Get("X-Request-Id")); !strings.Contains(line, "signin.jwt.audience") || !strings.Contains(line, "test.salesforce.com (sandbox)") {
			t.Errorf("wanted the log to name signin.jwt.audience and the sandbox audience, got %q", line)
		}
	})
}

// Which issuer a real My Domain names is not documented: with the devorg naming the
// login host, the gateway fails naming org.issuer, and works once it is set.
func TestOrgIssuerOverride(t *testing.T) {
	start := func(t *testing.T, issuer string) (*harness.Env, *jbLogBuffer) {
		logs := &jbLogBuffer{}
		env := harness.Start(t, harness.Options{
			Logger:    slog.New(slog.NewTextHandler(logs, nil)),
			OrgConfig: func(c *devorg.Config) { c.Assumptions.IssuerIsLoginHost = true },
			Config:    func(c *config.Config) { c.Sites[0].Org.Issuer = issuer },
		})
		return env, logs
	}
	t.Run("without org.issuer sign-in fails and the log names org.issuer", func(t *testing.T) {
		env, logs := start(t, "")
		_, err := env.SignIn(harness.Client(), harness.AliceUser, harness.AlicePass, "/")
		if err == nil {
			t.Fatal("wanted sign-in to fail: the discovery document names another issuer")
		}
		if !strings.Contains(logs.String(), "set org.issuer to https://login.salesforce.com") {
			t.Errorf("wanted the log to say: set org.issuer to https://login.salesforce.com; got:\n%s", logs.String())
		}
	})
	t.Run("with org.issuer the id_token verifies", func(t *testing.T) {
		env, _ := start(t, devorg.ProductionLoginHost)
		c := harness.Client()
		if _, err := env.SignIn(c, harness.AliceUser, harness.AlicePass, "/"); err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		status, _, a := askFrontdoor(t, c, env, http.MethodPost, env.URL)
		if status != http.StatusOK || a.FrontdoorURL == "" {
			t.Errorf("frontdoor: wanted 200, got %d", status)
		}
	})
}
