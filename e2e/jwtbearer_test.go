package e2e

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/internal/harness"
	"github.com/logateway/logateway/internal/testidp"
)

// The company IdP's people. The gateway maps an IdP user to the org's user by
// the email's local part ({{local}}@devorg.example): alice is in the org and
// pre-authorized on the app, bob is in the org but not pre-authorized.
var idpUsers = []testidp.User{
	{Username: "alice", Password: "pw-alice", Email: "alice@corp.example", Name: "Alice Adams"},
	{Username: "bob", Password: "pw-bob", Email: "bob@corp.example", Name: "Bob Baker"},
}

const (
	idpClientID     = "logateway-at-corp"
	idpClientSecret = "corp-idp-secret-for-e2e"
)

// jwtSite is a jwt-bearer site: the org, the company IdP and the gateway's log.
type jwtSite struct {
	env  *harness.Env
	idp  *testidp.Provider
	logs *harness.LogBuffer
}

// startJWTSite runs the emulated org with its app set up for the JWT bearer
// flow (the gateway's certificate uploaded, admin-approved users, alice
// assigned), the company's own OpenID provider, and a gateway site whose
// visitors sign in there. dev shows the dev banners and the admin's hints on
// error pages; without it pages are what a production visitor sees.
func startJWTSite(t *testing.T, dev bool) *jwtSite {
	t.Helper()
	keyPEM, certPEM, err := salesforce.GenerateKeyPair("logateway-e2e", 24*time.Hour, 2048)
	if err != nil {
		t.Fatalf("want a key pair for the JWT bearer assertions, got %v", err)
	}
	keyFile := filepath.Join(t.TempDir(), "jwt.key")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	js := &jwtSite{logs: &harness.LogBuffer{}}
	js.env = harness.Start(t, harness.Options{
		DevBanners: dev,
		Logger:     slog.New(slog.NewTextHandler(js.logs, nil)),
		OrgConfig: func(oc *devorg.Config) {
			app := &oc.Apps[0]
			app.JWTBearer = true
			app.CertificatePEM = string(certPEM)
			app.PermittedUsers = devorg.AdminApproved
			app.AssignedUsernames = []string{harness.AliceUser}
		},
		Config: func(c *config.Config) {
			s := &c.Sites[0]
			// The IdP must know the gateway's callback, which exists only now.
			js.idp = testidp.Start(t, []testidp.Client{{ID: idpClientID, Secret: idpClientSecret,
				RedirectURIs: []string{s.URL + s.ECA.CallbackPath}}}, idpUsers)
			s.Signin.Flow = "jwt-bearer"
			s.Signin.IdP = config.IdP{
				Issuer: js.idp.Issuer, ClientID: idpClientID, ClientSecret: idpClientSecret, Secret: idpClientSecret,
				UsernameClaim: "email", UsernameTemplate: "{{local}}@devorg.example",
			}
			s.Signin.JWT = config.JWTAuth{KeyFile: keyFile, Audience: s.Org.MyDomain}
		},
	})
	return js
}

// signInAtIdP fills the company IdP's login form in ctx and waits until the
// browser has left the IdP.
func signInAtIdP(t *testing.T, b *browser.Browser, ctx context.Context, idp *testidp.Provider, user, password string) {
	t.Helper()
	waitFor(t, b, ctx, "the company IdP's sign-in form",
		`location.origin === `+jsString(idp.Issuer)+` && !!document.querySelector(`+jsString(testidp.LoginFormSelector)+`)`, 15*time.Second)
	step(t, b, ctx, "the IdP's sign-in form submitted", 10*time.Second,
		chromedp.SetValue(chromedp.CSS("#"+testidp.LoginFormUsername), user),
		chromedp.SendKeys(chromedp.CSS("#"+testidp.LoginFormPassword), password),
		chromedp.Click(chromedp.CSS(testidp.LoginFormSelector+" "+testidp.LoginFormSubmit)),
	)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ectx, cancel := context.WithTimeout(ctx, 2*time.Second)
		where, err := chromedp.Run(ectx, chromedp.Evaluate[string](`location.origin === `+jsString(idp.Issuer)+
			` ? (document.readyState === 'complete' && document.querySelector(`+jsString(testidp.LoginFormError)+`) ? document.querySelector(`+jsString(testidp.LoginFormError)+`).textContent : '') : 'away'`))
		cancel()
		switch {
		case err != nil: // navigating
		case where == "away":
			return
		case where != "":
			t.Fatalf("want the IdP to accept %s, got its sign-in form again saying %q", user, where)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("want the browser to leave the IdP after signing in as %s within 15s, it did not", user)
}

func TestJWTBearerFirstVisitSignsInAtTheCompanyIdPAndTheChatAnswers(t *testing.T) {
	b := needSuite(t)
	js := startJWTSite(t, true)
	env := js.env
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to ask a first-time visitor to sign in", statusIs("signed-out"), 10*time.Second)
	step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	signInAtIdP(t, b, tab, js.idp, "alice", "pw-alice")
	waitFor(t, b, tab, "the visitor back on the embed page", `location.href === `+jsString(env.URL+"/__lo/embed"), 10*time.Second)
	waitFor(t, b, tab, "the embed page to greet the IdP user by the org's name for them",
		`document.body.innerText.indexOf('Alice Adams') >= 0`, 5*time.Second)
	waitFor(t, b, tab, "the chat connected (data-state ready)", statusIs("ready"), 20*time.Second)
	frame, _ := chatFrame(t, b, env, nil)
	reply := chat(t, b, frame, "Where is my order?", 2)
	wantReply(t, reply, "Where is my order?")
	// The agent answers the org user the IdP user was mapped to.
	if !strings.Contains(reply, "Alice Adams") {
		t.Errorf("want the agent to answer the org's Alice Adams (alice@corp.example mapped to %s), got %q", harness.AliceUser, reply)
	}

	if n := env.Org.Count("token:jwt_bearer"); n < 1 {
		t.Errorf("want the gateway to get the org's token with a JWT bearer assertion, got %d jwt_bearer grants", n)
	}
	if n := env.Org.Count("authorize"); n != 0 {
		t.Errorf("want the visitor to meet only the company IdP, got %d requests to the org's authorize page", n)
	}
	if n := env.Org.Count("frontdoor"); n < 1 {
		t.Errorf("want the chat signed in through a frontdoor URL, got %d", n)
	}
	for _, secret := range []string{idpClientSecret, "pw-alice"} {
		if strings.Contains(js.logs.String(), secret) {
			t.Errorf("want no IdP secret or password in the gateway log, got one")
		}
	}

	journeyEnd{name: "jwt-bearer-first-visit-chat", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}.check(t)
}

func TestJWTBearerAVisitorTheOrgHasNotPreAuthorizedSeesThePolite403(t *testing.T) {
	b := needSuite(t)
	// Production pages: dev mode would add the admin's hint to the page on purpose.
	js := startJWTSite(t, false)
	env := js.env
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the embed page", 15*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to ask a first-time visitor to sign in", statusIs("signed-out"), 10*time.Second)
	step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	signInAtIdP(t, b, tab, js.idp, "bob", "pw-bob")
	waitFor(t, b, tab, "the polite page saying the visitor is not allowed",
		`location.origin === `+jsString(env.URL)+` && !!document.getElementById('lo-title') && document.getElementById('lo-title').textContent === 'You are not allowed to use this app'`, 10*time.Second)

	page, _ := chromedp.Run(tab, chromedp.Evaluate[map[string]string](`({
  status: (document.querySelector('.lo-status-code') || {}).textContent || '',
  rid: (document.querySelector('.lo-requestid code') || {}).textContent || '',
  text: document.body.innerText
})`))
	if !strings.HasPrefix(page["status"], "403") {
		t.Errorf("want the page to say 403, got %q", page["status"])
	}
	rid := page["rid"]
	if rid == "" {
		t.Errorf("want the page to show a request id to quote to support, got none in %.300q", page["text"])
	} else if line := logLine(js.logs.String(), "rid="+rid); !strings.Contains(line, "Permitted Users") {
		t.Errorf("want the gateway log line of request %s to name the admin's fix (Permitted Users), got %q", rid, line)
	}
	for _, leak := range []string{"invalid_app_access", "invalid_grant", "Permitted Users", "ECA"} {
		if strings.Contains(page["text"], leak) {
			t.Errorf("want the visitor's page free of admin detail, got %q on it", leak)
		}
	}
	hasChat, _ := chromedp.Run(tab, chromedp.Evaluate[bool](`!!document.getElementById('lo-container') || !!document.querySelector('lightning-out-application')`))
	if hasChat {
		t.Errorf("want no chat on the refusal page, got a chat container")
	}
	if n := env.Org.Count("frontdoor"); n != 0 {
		t.Errorf("want no frontdoor sign-in for a refused visitor, got %d", n)
	}
	if n := env.Org.Count("token:jwt_bearer"); n < 1 {
		t.Errorf("want the refusal to come from the org's answer to the JWT bearer grant, got %d grants", n)
	}
	infos, _ := chromedp.Targets(b.Ctx)
	for _, info := range infos {
		if info.Type == "iframe" && strings.HasPrefix(info.URL, env.OrgURL) {
			t.Errorf("want no org iframe for a refused visitor, got %s", redact(info.URL))
		}
	}

	// The failure page is rendered at the callback URL; its scrub script drops the
	// spent code and state from the address bar, so the strict URL check holds.
	journeyEnd{name: "jwt-bearer-not-preauthorized-403", tab: tab, env: env, b: b, mark: mark, signedIn: false,
		// The journey's point: the callback answers the polite 403 page.
		allowStatus: func(status int, m browser.Message) bool {
			return status == 403 && strings.Contains(m.Text, "/callback.html")
		}}.check(t)
}

// logLine finds the gateway log line with marker that carries an admin fix.
func logLine(logs, marker string) string {
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, marker) && strings.Contains(l, "fix=") {
			return l
		}
	}
	return ""
}
