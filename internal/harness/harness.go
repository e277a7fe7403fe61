// Package harness starts the real pieces together for tests, the browser suite
// and the benchmark: the emulated org and the gateway, each on its own loopback
// listener over real HTTP (gateway on localhost, org on 127.0.0.1: two sites), and
// signs a visitor in through the real sign-in pages with a cookie jar.
package harness

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway"
	"github.com/logateway/logateway/gateway/devorg"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/templates"
)

// Options shape one environment.
type Options struct {
	Store      session.Store                     // default: a memory store
	Upstream   string                            // the site's upstream URL, if any
	Config     func(c *config.Config)            // edit the gateway config before start
	OrgConfig  func(c *devorg.Config)            // edit the emulated org before start
	Logger     *slog.Logger                      // default: discard
	AccessLog  bool                              // format the access log (written to io.Discard: its cost, not its text)
	Wrap       func(h http.Handler) http.Handler // wrap the gateway handler (tests)
	DevBanners bool                              // dev mode banners on pages
	// PublicURL is the site's URL when a front proxy serves it (forward-auth
	// mode): the org's callback and the site's url use it, and Env.URL is it.
	// Default: the gateway's own listener.
	PublicURL string
	// Tracing, when set, turns tracing on in the gateway.
	Tracing *obs.Tracing
}

// Env is a running org + gateway.
type Env struct {
	Org        *devorg.Org
	OrgURL     string
	OrgConfig  devorg.Config
	URL        string // the site's public URL: the gateway's (http://localhost:PORT), or Options.PublicURL
	Addr       string // where the gateway listens (127.0.0.1:PORT)
	Gateway    *gateway.Gateway
	Config     *config.Config
	Store      session.Store
	Metrics    *obs.Metrics
	gwServer   *http.Server
	orgServer  *httptest.Server
	gwListener net.Listener
}

// Start runs the emulated org and a gateway site against it. t.Cleanup stops both.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	env, err := StartE(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

// StartE is Start for programs (the benchmark harness).
func StartE(o Options) (*Env, error) {
	env := &Env{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env.gwListener = ln
	env.Addr = ln.Addr().String()
	env.URL = fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	if o.PublicURL != "" {
		env.URL = o.PublicURL
	}

	env.orgServer = httptest.NewUnstartedServer(nil)
	env.OrgURL = "http://" + env.orgServer.Listener.Addr().String()
	oc := devorg.DefaultConfig(env.OrgURL, []string{env.URL + "/callback.html"}, []string{env.URL})
	oc.Knobs = true
	oc.DevBanner = o.DevBanners
	oc.LOAuthTimeout = 3 * time.Second
	if o.OrgConfig != nil {
		o.OrgConfig(&oc)
	}
	env.OrgConfig = oc
	org, err := devorg.New(oc)
	if err != nil {
		return nil, err
	}
	env.Org = org
	env.orgServer.Config.Handler = org
	env.orgServer.Start()

	cfg := config.Dev(env.URL, env.OrgURL)
	cfg.AdminListen = "off"
	if o.Upstream != "" {
		cfg.Sites[0].Upstream.URL = o.Upstream
	}
	if o.Config != nil {
		o.Config(cfg)
	}
	cfg.Normalize()
	if err := config.Validate(cfg); err != nil {
		return nil, err
	}
	env.Config = cfg
	if o.Store == nil {
		o.Store = session.NewMemoryStore(session.MemoryOptions{})
	}
	env.Store = o.Store
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	tpl, err := templates.New()
	if err != nil {
		return nil, err
	}
	env.Metrics = obs.NewMetrics()
	d := gateway.Deps{Logger: logger, Metrics: env.Metrics, Tracing: o.Tracing, Store: o.Store, Templates: tpl,
		OrgHTTP: &http.Client{Timeout: 10 * time.Second}}
	if o.AccessLog {
		d.AccessLog = obs.NewAccessLog(io.Discard, "json")
	}
	if o.DevBanners {
		d.DevOrgURL = env.OrgURL
	}
	gw, err := gateway.New(cfg, d)
	if err != nil {
		return nil, err
	}
	env.Gateway = gw
	var h http.Handler = gw
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	env.gwServer = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = env.gwServer.Serve(ln) }()
	return env, nil
}

// StopGateway stops the gateway and leaves the org running (a test of what a
// front proxy does when the gateway is down).
func (e *Env) StopGateway() {
	if e.gwServer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = e.gwServer.Shutdown(ctx)
		cancel()
	}
}

// Close stops the gateway and the org.
func (e *Env) Close() {
	e.StopGateway()
	if e.orgServer != nil {
		e.orgServer.Close()
	}
}

// Client returns a browser-like client: a cookie jar, redirects followed.
func Client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	hiddenIn   = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// SignIn signs client in as username through the real pages: the gateway's
// /__lo/login, the org's sign-in form and consent, the callback. It returns the
// final response's URL (the rd target).
func (e *Env) SignIn(client *http.Client, username, password, rd string) (*url.URL, error) {
	resp, err := client.Get(e.URL + "/__lo/login?rd=" + url.QueryEscape(rd))
	if err != nil {
		return nil, err
	}
	resp, err = SubmitOrgForms(client, resp, e.OrgURL, username, password)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	// Landing on rd is success whatever rd answers; ending on the gateway's own
	// sign-in routes with an error is not.
	if p := resp.Request.URL.Path; resp.StatusCode >= 400 && (p == "/callback.html" || strings.HasPrefix(p, "/__lo/login")) {
		return resp.Request.URL, fmt.Errorf("sign-in ended with %d at %s", resp.StatusCode, p)
	}
	return resp.Request.URL, nil
}

// SubmitOrgForms answers the emulated org's sign-in and consent pages, starting
// from resp (a page of the org at orgURL), until the browser leaves the org. It
// returns the first response that is not an org page, body unread.
func SubmitOrgForms(client *http.Client, resp *http.Response, orgURL, username, password string) (*http.Response, error) {
	for i := 0; i < 4; i++ {
		if !strings.HasPrefix(resp.Request.URL.String(), orgURL) || (resp.StatusCode >= 300 && resp.StatusCode < 400) {
			return resp, nil // left the org (or the client stopped at a redirect)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := formAction.FindSubmatch(body)
		if m == nil {
			return nil, fmt.Errorf("org page at %s has no form (status %d)", resp.Request.URL.Path, resp.StatusCode)
		}
		action, _ := resp.Request.URL.Parse(html.UnescapeString(string(m[1])))
		form := url.Values{}
		for _, h := range hiddenIn.FindAllSubmatch(body, -1) {
			form.Set(html.UnescapeString(string(h[1])), html.UnescapeString(string(h[2])))
		}
		if strings.Contains(string(body), `id="login_form"`) {
			form.Set("devorg_action", "login")
			form.Set("username", username)
			form.Set("pw", password)
		} else {
			form.Set("devorg_action", "allow")
		}
		var err error
		if resp, err = client.PostForm(action.String(), form); err != nil {
			return nil, err
		}
	}
	resp.Body.Close()
	return nil, errors.New("sign-in did not leave the org after 4 pages")
}

// Alice is the default test user of the emulated org.
const (
	AliceUser = "alice@devorg.example"
	AlicePass = "alice"
)
