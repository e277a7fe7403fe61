package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/internal/frontproxy"
	"github.com/logateway/logateway/internal/harness"
)

// fwdSite is the web team's site behind its own nginx: the home page carries
// the CSP docs/forward-auth asks for (the org's scripts and frames allowed, the
// launcher from the site itself), and nginx's sub_filter adds the launcher tag.
func fwdSite(orgURL *atomic.Value) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /favicon.ico", siteFavicon)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		org, _ := orgURL.Load().(string)
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' "+org+"; frame-src "+org+"; connect-src 'self'; img-src 'self' data:; object-src 'none'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Store</title></head>
<body><h1>Acme Store</h1><p>Served by the site's own nginx; the chat is in the corner.</p>
<p><a href="/account">Your account</a></p></body></html>`)
	})
	mux.HandleFunc("GET /account", accountPage)
	return mux
}

func TestThroughTheSitesOwnNginxAVisitorSignsInChatsAndSignsOut(t *testing.T) {
	b := needSuite(t)
	frontproxy.Need(t, frontproxy.Nginx)
	var orgURL atomic.Value
	up := httptest.NewServer(fwdSite(&orgURL))
	t.Cleanup(up.Close)
	port, err := frontproxy.ReservePort()
	if err != nil {
		t.Fatal(err)
	}
	o := frontproxy.Options{Port: port, Backend: up.Listener.Addr().String()}
	env := harness.Start(t, harness.Options{
		PublicURL:  "http://" + o.SiteHost(),
		DevBanners: true,
		Config: func(c *config.Config) {
			c.TrustedProxies = []string{"127.0.0.1", "::1"}
			s := &c.Sites[0]
			s.ForwardAuth = config.ForwardAuth{Enabled: true}
			s.Access = []config.AccessRule{{Path: "/account", Access: "protected"}}
		},
	})
	orgURL.Store(env.OrgURL)
	o.Gateway = env.Addr
	frontproxy.Start(t, frontproxy.Nginx, o)
	mark := b.Console.Mark()
	tab := b.Ctx

	step(t, b, tab, "the site's home page through nginx", 15*time.Second, chromedp.Navigate(env.URL+"/"))
	waitFor(t, b, tab, "the launcher nginx added to offer sign-in",
		`!!document.querySelector('script[src="/__lo/static/launcher.js"]') && !!document.getElementById('logateway-launcher') && `+statusIs("signed-out"), 15*time.Second)
	step(t, b, tab, "a click on the launcher's sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#logateway-launcher #lo-signin")))
	signInAtOrg(t, b, tab, env)
	waitFor(t, b, tab, "the visitor back on the site's page with the chat connected",
		`location.href === `+jsString(env.URL+"/")+` && document.title === 'Acme Store' && `+statusIs("ready"), 20*time.Second)
	frame, _ := chatFrame(t, b, env, nil)
	wantReply(t, chat(t, b, frame, "is the blue kettle in stock?", 2), "is the blue kettle in stock?")

	step(t, b, tab, "the protected account page", 10*time.Second, chromedp.Navigate(env.URL+"/account"))
	waitFor(t, b, tab, "the account page showing the email the gateway told nginx",
		`location.pathname === '/account' && !!document.getElementById('account') && document.getElementById('account').textContent.indexOf(`+jsString(harness.AliceUser)+`) >= 0`, 10*time.Second)

	step(t, b, tab, "the embed page through nginx", 10*time.Second, chromedp.Navigate(env.URL+"/__lo/embed"))
	waitFor(t, b, tab, "the chat connected", statusIs("ready"), 20*time.Second)
	step(t, b, tab, "a click on Sign out", 5*time.Second, chromedp.Click(chromedp.CSS(`.lo-user form button[type="submit"]`)))
	waitFor(t, b, tab, "the signed-out page, after the org's end-session endpoint", `location.pathname === '/__lo/signedout' && !!document.querySelector('[data-lo-signout-how="end_session"]')`, 10*time.Second)
	if n := env.Org.Count("revoke"); n != 1 {
		t.Errorf("want sign-out to revoke the grant at the org once, got %d revoke requests", n)
	}
	step(t, b, tab, "the protected account page again", 15*time.Second, chromedp.Navigate(env.URL+"/account"))
	waitFor(t, b, tab, "nginx to send the signed-out visitor to sign in at the org",
		`location.origin === `+jsString(env.OrgURL)+` && !!document.getElementById('username')`, 15*time.Second)

	journeyEnd{name: "forward-auth-nginx", tab: tab, env: env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: false}.check(t)
}
