package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/e2e/browser"
	"github.com/logateway/logateway/internal/harness"
)

// The three sites of the HTTPS suite, each a different registrable domain.
const (
	gatewayHost = "chat.acme.test"    // the web team's site: the gateway
	orgHost     = "acme-org.test"     // the emulated org's My Domain
	partnerHost = "shop.partner.test" // a trusted domain on another site
)

// httpsStack is the production-like setup: caddy (tls internal) in front of
// the gateway binary (no --dev, keys from the environment, the session cookie
// SameSite=None; Partitioned) and of `logateway devorg --public-url`, plus a
// partner site that frames the embed page and carries the launcher.
type httpsStack struct {
	front              *tlsFront
	GW, Org, Partner   string
	gwLog, orgLog      *harness.LogBuffer
	env                *harness.Env // URL and OrgURL, for the shared journey steps
	chromeFlags        []chromedp.ExecAllocatorOption
	wantPartnerTopSite string
	wantGatewayTopSite string
}

func startHTTPSStack(t *testing.T) *httpsStack {
	t.Helper()
	if !browser.Enabled() {
		t.Skip("the browser suite runs with LOGATEWAY_E2E=1 (make e2e) or CI=true")
	}
	bin := logatewayBinary(t)
	gwPort, orgPort := freePort(t), freePort(t)
	partnerSrv := httptest.NewServer(nil)
	t.Cleanup(partnerSrv.Close)
	front := startCaddy(t, map[string]string{
		gatewayHost: fmt.Sprintf("127.0.0.1:%d", gwPort),
		orgHost:     fmt.Sprintf("127.0.0.1:%d", orgPort),
		partnerHost: strings.TrimPrefix(partnerSrv.URL, "http://"),
	})
	s := &httpsStack{
		front:              front,
		GW:                 fmt.Sprintf("https://%s:%d", gatewayHost, front.Port),
		Org:                fmt.Sprintf("https://%s:%d", orgHost, front.Port),
		Partner:            fmt.Sprintf("https://%s:%d", partnerHost, front.Port),
		wantPartnerTopSite: "https://partner.test",
		wantGatewayTopSite: "https://acme.test",
	}
	partnerSrv.Config.Handler = partnerSite(s.GW, s.Org)
	s.env = &harness.Env{URL: s.GW, OrgURL: s.Org}

	s.orgLog = runProcess(t, bin, []string{"devorg", "--listen", fmt.Sprintf("127.0.0.1:%d", orgPort), "--public-url", s.Org,
		"--callback", s.GW + "/callback.html", "--host-origin", s.GW + "," + s.Partner})

	dir := t.TempDir()
	cfg := fmt.Sprintf(`listen: "127.0.0.1:%d"
admin_listen: "off"
log:
  format: json
trusted_proxies: [127.0.0.1]
server:
  hsts:
    max_age: 1h
session:
  keys_env: LOGATEWAY_SESSION_KEYS
sites:
  - url: %s
    org:
      my_domain: %s
      ca_file: %s
    eca:
      client_id: %s
      client_secret_env: LOGATEWAY_ECA_CLIENT_SECRET
    lightning_out:
      app_id: %s
    acc:
      agent_id: %s
    trusted_domains: [%s]
    cookie:
      same_site: none
      partitioned: true
`, gwPort, s.GW, s.Org, front.RootPEM, config.DevClientID, config.DevAppID, config.DevAgentID, s.Partner)
	cfgPath := filepath.Join(dir, "logateway.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	s.gwLog = runProcess(t, bin, []string{"serve", "--config", cfgPath},
		"LOGATEWAY_SESSION_KEYS="+nonce()+nonce(),
		"LOGATEWAY_ECA_CLIENT_SECRET="+config.DevClientSecret,
		// The .test names exist only behind this egress proxy; TLS to the org
		// stays end to end and is checked against org.ca_file.
		"HTTPS_PROXY="+connectProxy(t, front.Port), "NO_PROXY=")
	front.waitServing(t, s.Org+"/.well-known/openid-configuration", s.orgLog)
	front.waitServing(t, s.GW+"/__lo/readyz", s.gwLog, s.orgLog)
	front.waitServing(t, s.Partner+"/frame")
	s.chromeFlags = []chromedp.ExecAllocatorOption{
		chromedp.Flag("host-resolver-rules", "MAP *.test 127.0.0.1"),
		chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(front.SPKI, ",")),
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway log:\n%s", s.gwLog.String())
			t.Logf("org log:\n%s", s.orgLog.String())
		}
	})
	return s
}

func TestHTTPSBehindCaddy(t *testing.T) {
	s := startHTTPSStack(t)
	t.Run("the gateway's answers name only https URLs on the public host", func(t *testing.T) { s.answersAreHTTPS(t) })
	t.Run("a visitor signs in on the site, chats and signs out", func(t *testing.T) { s.siteJourney(t) })
	t.Run("a partner site framing the embed page signs in through the popup and chats", func(t *testing.T) { s.framedJourney(t) })
	t.Run("the partner's launcher signs in through the popup and chats", func(t *testing.T) { s.launcherJourney(t) })
}

var bootJSON = regexp.MustCompile(`<script type="application/json" id="lo-boot"[^>]*>([^<]*)</script>`)

func (s *httpsStack) answersAreHTTPS(t *testing.T) {
	c := s.front.Client()
	get := func(path string, hdr map[string]string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, s.GW+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	resp, _ := get("/__lo/login?rd=%2F__lo%2Fembed", nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, s.Org+"/services/oauth2/authorize?") ||
		!strings.Contains(loc, "redirect_uri="+url.QueryEscape(s.GW+"/callback.html")) {
		t.Errorf("want sign-in sent to the org's https authorize endpoint with the https callback, got %d to %s", resp.StatusCode, redact(loc))
	}
	if h := resp.Header.Get("Strict-Transport-Security"); h != "max-age=3600" {
		t.Errorf("want server.hsts (max-age=3600) on the sign-in redirect, got %q", h)
	}
	for _, ck := range resp.Cookies() {
		if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || !ck.HttpOnly {
			t.Errorf("want the flow cookie __Host-, Secure, HttpOnly, got %s secure=%v httponly=%v", ck.Name, ck.Secure, ck.HttpOnly)
		}
	}
	resp, page := get("/__lo/embed", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, src := range strings.Fields(csp) {
		src = strings.TrimSuffix(src, ";")
		if strings.Contains(src, "://") && !strings.HasPrefix(src, "https://") {
			t.Errorf("want only https origins in the embed page's CSP, got %s", src)
		}
	}
	if !strings.Contains(csp, "frame-ancestors 'self' "+s.Partner) || !strings.Contains(csp, s.Org) {
		t.Errorf("want the CSP to allow the org and the partner as framer, got %q", csp)
	}
	m := bootJSON.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("want the embed page's boot config")
	}
	var boot map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &boot); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"orgOrigin", "scriptURL", "gatewayOrigin"} {
		if v, _ := boot[k].(string); !strings.HasPrefix(v, "https://") || strings.Contains(v, "127.0.0.1") {
			t.Errorf("want boot %s an https URL on the public host, got %q", k, v)
		}
	}
	resp, _ = get("/__lo/boot", map[string]string{"Origin": s.Partner})
	if resp.Header.Get("Access-Control-Allow-Origin") != s.Partner {
		t.Errorf("want the partner granted CORS on /__lo/boot, got %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func (s *httpsStack) siteJourney(t *testing.T) {
	b := browser.Start(t, s.chromeFlags...)
	mark := b.Console.Mark()
	tab := b.Ctx
	step(t, b, tab, "the embed page over https", 15*time.Second, chromedp.Navigate(s.GW+"/__lo/embed"))
	waitFor(t, b, tab, "the embed page to offer sign-in", statusIs("signed-out"), 10*time.Second)
	step(t, b, tab, "a click on the sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	signInAtOrg(t, b, tab, s.env)
	waitFor(t, b, tab, "the chat connected on the embed page", `location.href === `+jsString(s.GW+"/__lo/embed")+` && `+statusIs("ready"), 20*time.Second)
	frame, _ := chatFrame(t, b, s.env, nil)
	wantReply(t, chat(t, b, frame, "hello over https", 2), "hello over https")
	s.wantSessionCookie(t, b, s.wantGatewayTopSite)
	s.httpsOnly(t, b, map[string]context.Context{"tab": tab, "chat frame": frame})
	j := journeyEnd{name: "https-site-chat", tab: tab, env: s.env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true}
	j.screenshot(t)
	j.checkURLs(t)
	j.checkDocumentCookie(t)

	// The open chat covers the header's button; submitting the form runs the
	// same handler a click does.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`document.querySelector('form[data-lo-signout]').requestSubmit(), true`)); err != nil {
		t.Fatalf("want the sign-out form submitted, got %v", err)
	}
	waitFor(t, b, tab, "the signed-out page, after the org's end-session endpoint", `location.pathname === '/__lo/signedout' && !!document.querySelector('[data-lo-signout-how="end_session"]')`, 15*time.Second)
	if n := len(s.sessionCookies(t, b)); n != 0 {
		t.Errorf("want sign-out to clear the partitioned session cookie (same attributes), got %d left", n)
	}
	s.noMixedContent(t, b, mark)
	j.checkConsole(t)
}

func (s *httpsStack) framedJourney(t *testing.T) {
	b := browser.Start(t, s.chromeFlags...)
	mark := b.Console.Mark()
	tab := b.Ctx
	step(t, b, tab, "the partner page that frames the embed page", 15*time.Second, chromedp.Navigate(s.Partner+"/frame"))
	embed, _, cancel, err := b.Attach("iframe", s.GW+"/__lo/embed", nil, 15*time.Second)
	if err != nil {
		t.Fatalf("want the framed embed page, got %v", err)
	}
	defer cancel()
	waitFor(t, b, embed, "the framed embed page to offer sign-in", statusIs("signed-out"), 10*time.Second)
	step(t, b, embed, "a click on the framed sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	popup, _, pcancel, err := b.Attach("page", s.Org, map[target.ID]bool{chromedp.FromContext(tab).Target.TargetID: true}, 15*time.Second)
	if err != nil {
		t.Fatalf("want the sign-in popup at the org, got %v", err)
	}
	defer pcancel()
	signInAtOrg(t, b, popup, s.env)
	waitFor(t, b, embed, "the framed chat connected after the hand-off", statusIs("ready"), 20*time.Second)
	if loc, _ := chromedp.Run(tab, chromedp.Location()); loc != s.Partner+"/frame" {
		t.Errorf("want the partner page to stay put, got %s", redact(loc))
	}
	if loc, _ := chromedp.Run(embed, chromedp.Location()); loc != s.GW+"/__lo/embed" {
		t.Errorf("want the frame never navigated away from the embed page (never to the org), got %s", redact(loc))
	}
	frame, _ := chatFrame(t, b, s.env, nil)
	wantReply(t, chat(t, b, frame, "hi from the partner frame", 2), "hi from the partner frame")
	s.signedInEnd(t, journeyEnd{name: "https-partner-frame-chat", tab: tab, env: s.env, b: b, mark: mark, frames: []context.Context{embed, frame}, signedIn: true},
		s.wantPartnerTopSite, map[string]context.Context{"partner page": tab, "embed frame": embed, "chat frame": frame})
}

func (s *httpsStack) launcherJourney(t *testing.T) {
	b := browser.Start(t, s.chromeFlags...)
	mark := b.Console.Mark()
	tab := b.Ctx
	step(t, b, tab, "the partner page with the launcher", 15*time.Second, chromedp.Navigate(s.Partner+"/launch"))
	waitFor(t, b, tab, "the launcher to offer sign-in", `!!document.getElementById('logateway-launcher') && `+statusIs("signed-out"), 15*time.Second)
	step(t, b, tab, "a click on the launcher's sign-in button", 5*time.Second, chromedp.Click(chromedp.CSS("#lo-signin")))
	popup, _, cancel, err := b.Attach("page", s.Org, map[target.ID]bool{chromedp.FromContext(tab).Target.TargetID: true}, 15*time.Second)
	if err != nil {
		t.Fatalf("want the sign-in popup at the org, got %v", err)
	}
	defer cancel()
	signInAtOrg(t, b, popup, s.env)
	waitFor(t, b, tab, "the partner page's chat connected after the hand-off", statusIs("ready"), 20*time.Second)
	frame, _ := chatFrame(t, b, s.env, nil)
	wantReply(t, chat(t, b, frame, "hi from the partner launcher", 2), "hi from the partner launcher")
	s.signedInEnd(t, journeyEnd{name: "https-partner-launcher-chat", tab: tab, env: s.env, b: b, mark: mark, frames: []context.Context{frame}, signedIn: true},
		s.wantPartnerTopSite, map[string]context.Context{"partner page": tab, "chat frame": frame})
}

func (s *httpsStack) sessionCookies(t *testing.T, b *browser.Browser) []*network.Cookie {
	t.Helper()
	res, err := chromedp.CallBrowser(b.Ctx, storage.GetCookies, storage.GetCookiesParams{})
	if err != nil {
		t.Fatalf("want the browser's cookies, got %v", err)
	}
	var out []*network.Cookie
	for _, c := range res.Cookies {
		if strings.Contains(c.Name, "lo_session") {
			out = append(out, c)
		}
	}
	return out
}

// wantSessionCookie: exactly one session cookie, with every production
// attribute, in the partition of the top-level site the visitor is on. A
// cookie the popup set in the gateway's own window would be a second one.
func (s *httpsStack) wantSessionCookie(t *testing.T, b *browser.Browser, topSite string) {
	t.Helper()
	got := s.sessionCookies(t, b)
	if len(got) != 1 {
		var desc []string
		for _, c := range got {
			desc = append(desc, fmt.Sprintf("%s@%s %+v", c.Name, c.Domain, c.PartitionKey))
		}
		t.Fatalf("want exactly one session cookie, got %d: %v", len(got), desc)
	}
	c := got[0]
	if c.Name != "__Host-lo_session" || c.Domain != gatewayHost || !c.Secure || !c.HTTPOnly || c.Path != "/" || c.SameSite != network.CookieSameSiteNone {
		t.Errorf("want __Host-lo_session host-only on %s, Secure, HttpOnly, Path=/, SameSite=None; got %s domain=%q secure=%v httponly=%v path=%q samesite=%s",
			gatewayHost, c.Name, c.Domain, c.Secure, c.HTTPOnly, c.Path, c.SameSite)
	}
	if c.PartitionKey == nil || c.PartitionKey.TopLevelSite != topSite {
		t.Errorf("want the session cookie Partitioned under %s, got partition %+v", topSite, c.PartitionKey)
	}
}

// httpsOnly: every document and every resource each context loaded is https.
func (s *httpsStack) httpsOnly(t *testing.T, b *browser.Browser, ctxs map[string]context.Context) {
	t.Helper()
	for name, ctx := range ctxs {
		urls, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[location.href].concat(performance.getEntriesByType('resource').map(function (e) { return e.name; }))`))
		if err != nil {
			t.Errorf("%s: want its URLs, got %v", name, err)
			continue
		}
		for _, u := range urls {
			if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
				t.Errorf("%s: want https only, got %s", name, redact(u))
			}
		}
	}
}

// signedInEnd runs the checks of a journey that ends signed in and chatting:
// the session cookie in topSite's partition, https only in every context, the
// shared journey checks (the cookie flags aside: https_test checks its own),
// no mixed content.
func (s *httpsStack) signedInEnd(t *testing.T, j journeyEnd, topSite string, ctxs map[string]context.Context) {
	t.Helper()
	s.wantSessionCookie(t, j.b, topSite)
	s.httpsOnly(t, j.b, ctxs)
	j.screenshot(t)
	j.checkURLs(t)
	j.checkDocumentCookie(t)
	s.noMixedContent(t, j.b, j.mark)
	j.checkConsole(t)
}

func (s *httpsStack) noMixedContent(t *testing.T, b *browser.Browser, mark int) {
	t.Helper()
	for _, m := range b.Console.Since(mark) {
		if strings.Contains(m.Text, "Mixed Content") || strings.Contains(m.Text, "insecure") {
			t.Errorf("want no mixed content, got %s", m)
		}
	}
}
