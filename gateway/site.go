package gateway

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/logateway/logateway/config"
	"github.com/logateway/logateway/gateway/auth"
	"github.com/logateway/logateway/gateway/obs"
	"github.com/logateway/logateway/gateway/proxy"
	"github.com/logateway/logateway/gateway/salesforce"
	"github.com/logateway/logateway/gateway/session"
	"github.com/logateway/logateway/gateway/trust"
	"github.com/logateway/logateway/static"
)

// site is the runtime of one configured site: everything a request to it needs,
// built once per config version.
type site struct {
	cfg        config.Site
	flow       string // signin.flow, the metrics label
	name       string // host[:port], the metrics and log label
	origin     string
	policy     *trust.Policy
	sessions   *session.Manager
	flows      *auth.FlowCookies
	handoffs   *auth.Handoffs
	signin     auth.Signin
	tokens     *auth.Tokens
	org        *salesforce.Client
	proxy      *proxy.Proxy // nil: no upstream
	rules      *proxy.Rules
	callback   string      // callback path
	embedPath  string      // "" when off
	orgOrigin  string      // origin of the org's My Domain (scripts, frames)
	siteURL    string      // Experience Cloud site URL with its prefix ("" without a site)
	scriptURL  string      // LO library or SDK bundle
	boot       static.Boot // GET /__lo/boot's (boot.go)
	bootJSON   []byte
	limiter    *limiter
	relays     []*relay
	cookieName string
	crossSite  crossSiteGuard
	secure     bool
	orgHTTP    *http.Client // calls to the org and the IdP (org.ca_file's roots when set)
	identity   identityHeaders

	// signoutNotes and orgSignout serve the one sign-out (signout.go).
	signoutNotes *signoutNotes
	orgSignout   *orgSignout
	// embedACC is the ACC config of the embed page: inline in its card (boot.go).
	embedACC *static.ACC
}

type identityHeaders struct {
	user, email, preferred, orgID, userID, name string
}

// buildSite compiles one config.Site. store is shared by every site and reload.
func (g *Gateway) buildSite(cfg *config.Config, sc config.Site) (*site, error) {
	d := &g.deps
	u, err := url.Parse(sc.URL)
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", sc.URL, err)
	}
	s := &site{cfg: sc, flow: sc.Signin.Flow, name: strings.ToLower(u.Host), origin: strings.ToLower(u.Scheme + "://" + u.Host)}
	s.secure = u.Scheme == "https"
	if s.policy, err = trust.NewPolicy(s.origin, sc.TrustedDomains); err != nil {
		return nil, fmt.Errorf("site %s: trusted_domains: %w", sc.URL, err)
	}
	if err = s.buildSessions(d.Store, cfg, sc); err != nil {
		return nil, err
	}
	s.callback = sc.ECA.CallbackPath
	if sc.Embed.Path != "off" {
		s.embedPath = sc.Embed.Path
	}
	loginURL := strings.TrimRight(firstNonEmpty(sc.Org.LoginURL, sc.Org.MyDomain), "/")
	myDomain := strings.TrimRight(sc.Org.MyDomain, "/")
	s.orgOrigin = originOf(myDomain)
	s.siteURL = strings.TrimRight(sc.Org.SiteURL, "/")
	if s.orgHTTP, err = orgClient(d.OrgHTTP, sc.Org); err != nil {
		return nil, fmt.Errorf("site %s: %w", sc.URL, err)
	}
	s.org = &salesforce.Client{HTTP: s.orgHTTP, BaseURL: loginURL, ClientID: sc.ECA.ClientID, ClientSecret: sc.ECA.Secret}
	s.orgSignout = &orgSignout{myDomain: s.orgOrigin, client: s.orgHTTP}

	if err = s.buildSignin(sc, loginURL, d.Metrics.TokenRefresh); err != nil {
		return nil, err
	}
	if s.rules, err = accessRules(sc); err != nil {
		return nil, fmt.Errorf("site %s: access: %w", sc.URL, err)
	}
	s.identity = identityHeaders{
		user: sc.IdentityHeaders.User, email: sc.IdentityHeaders.Email,
		preferred: sc.IdentityHeaders.PreferredUsername, orgID: sc.IdentityHeaders.OrgID,
		userID: sc.IdentityHeaders.UserID, name: sc.IdentityHeaders.Name,
	}
	s.scriptURL = sc.LightningOut.ScriptURL
	if sc.LightningOut.Bootstrap == "sdk" {
		s.scriptURL = sc.LightningOut.SDKURL
	}
	if err = s.buildBoot(cfg); err != nil {
		return nil, err
	}
	perMin := sc.RateLimit.FrontdoorPerMinute
	if perMin <= 0 {
		perMin = 30
	}
	s.limiter = newLimiter(perMin, time.Minute)
	if sc.Upstream.URL != "" {
		if s.proxy, err = g.buildProxy(cfg, sc, s); err != nil {
			return nil, fmt.Errorf("site %s: upstream: %w", sc.URL, err)
		}
	}
	if s.relays, err = buildRelays(sc, s, d); err != nil {
		return nil, fmt.Errorf("site %s: api_relay: %w", sc.URL, err)
	}
	return s, nil
}

// buildSessions sets up what the site keeps in the browser and the store:
// the session cookie and manager, sign-in flow cookies, hand-offs and
// sign-out notes.
func (s *site) buildSessions(store session.Store, cfg *config.Config, sc config.Site) error {
	var err error
	s.cookieName = "lo_session"
	if s.secure {
		s.cookieName = "__Host-lo_session"
	}
	sameSite := http.SameSiteLaxMode
	if sc.Cookie.SameSite == "none" {
		sameSite = http.SameSiteNoneMode
	}
	if sameSite == http.SameSiteNoneMode {
		s.crossSite = crossSiteAnonymous
		if sc.Cookie.CrossSite == "refuse" {
			s.crossSite = crossSiteRefuse
		}
	}
	s.sessions, err = session.NewManager(store, session.Options{
		CookieName:      s.cookieName,
		Secure:          s.secure || sameSite == http.SameSiteNoneMode,
		SameSite:        sameSite,
		Partitioned:     sc.Cookie.Partitioned,
		Path:            "/",
		Keys:            cfg.Session.Keys,
		IdleTimeout:     cfg.Session.IdleTimeout.D(),
		AbsoluteTimeout: cfg.Session.AbsoluteTimeout.D(),
	})
	if err != nil {
		return fmt.Errorf("site %s: session: %w", sc.URL, err)
	}
	if s.flows, err = auth.NewFlowCookies(cfg.Session.Keys, s.secure); err != nil {
		return err
	}
	if s.handoffs, err = auth.NewHandoffs(store, cfg.Session.Keys); err != nil {
		return err
	}
	if s.signoutNotes, err = newSignoutNotes(cfg.Session.Keys, s.secure); err != nil {
		return err
	}
	return nil
}

// buildSignin sets up the site's sign-in flow and the token renewal on top
// of it; loginURL is where the org's OAuth endpoints are.
func (s *site) buildSignin(sc config.Site, loginURL string, onRenew func(string)) error {
	switch sc.Signin.Flow {
	case "", "web-server":
		pkce := sc.ECA.PKCE == nil || *sc.ECA.PKCE
		ws := auth.NewWebServer(s.orgHTTP, loginURL, sc.ECA.ClientID, sc.ECA.Secret, s.origin+s.callback, sc.ECA.Scopes, pkce, sc.Org.SessionTimeout.D())
		if sc.Org.Issuer != "" {
			ws.SetIssuer(sc.Org.Issuer)
		}
		s.signin = ws
	case "jwt-bearer":
		jb, err := newJWTBearerSignin(sc, s.orgHTTP, loginURL, s.origin+s.callback)
		if err != nil {
			return fmt.Errorf("site %s: %w", sc.URL, err)
		}
		s.signin = jb
	default:
		return fmt.Errorf("site %s: signin.flow %q is not supported", sc.URL, sc.Signin.Flow)
	}
	s.tokens = &auth.Tokens{
		Signin: s.signin, Sessions: s.sessions,
		Margin:  sc.Org.RefreshMargin.D(),
		LockTTL: 15 * time.Second, LockWait: 20 * time.Second,
		Retries: 2, Backoff: 200 * time.Millisecond,
		OnRenew: onRenew,
	}
	return nil
}

// accessRules compiles the site's access rules and default.
func accessRules(sc config.Site) (*proxy.Rules, error) {
	rules := make([]proxy.Rule, 0, len(sc.Access))
	for _, r := range sc.Access {
		a := proxy.Public
		if r.Access == "protected" {
			a = proxy.Protected
		}
		rules = append(rules, proxy.Rule{Path: r.Path, Access: a})
	}
	def := proxy.Public
	if sc.DefaultAccess == "protected" {
		def = proxy.Protected
	}
	return proxy.NewRules(rules, def)
}

func (g *Gateway) buildProxy(cfg *config.Config, sc config.Site, s *site) (*proxy.Proxy, error) {
	d := &g.deps
	up, err := url.Parse(sc.Upstream.URL)
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	if up.Scheme == "https" {
		tlsCfg = &tls.Config{ServerName: sc.Upstream.TLSServerName, InsecureSkipVerify: sc.Upstream.TLSInsecure, MinVersion: tls.VersionTLS12} //nolint:gosec // dev-only option, validated by config
		if sc.Upstream.TLSCAFile != "" {
			pem, err := os.ReadFile(sc.Upstream.TLSCAFile)
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("upstream.tls_ca_file holds no PEM certificate")
			}
			tlsCfg.RootCAs = pool
		}
	}
	trusted, err := trustedPrefixes(cfg)
	if err != nil {
		return nil, err
	}
	// The default names too: a site that renames or disables one still has an
	// upstream that may read the default, and only the gateway may set it.
	strip := []string{config.DefaultHeaderUser, config.DefaultHeaderEmail, config.DefaultHeaderPreferredUsername,
		config.DefaultHeaderOrgID, config.DefaultHeaderUserID, config.DefaultHeaderName}
	strip = append(strip, s.identity.sent()...)
	var wrap func(http.RoundTripper) http.RoundTripper
	if tr := g.deps.Tracing; tr != nil {
		name := s.name
		wrap = func(rt http.RoundTripper) http.RoundTripper {
			return tr.Transport(rt, "upstream", func(*http.Request) string { return name })
		}
	}
	opts := proxy.Options{
		WrapTransport:       wrap,
		Site:                s.name,
		Upstream:            up,
		Timeout:             sc.Upstream.Timeout.D(),
		DialTimeout:         sc.Upstream.DialTimeout.D(),
		MaxIdleConnsPerHost: sc.Upstream.MaxIdleConnsPerHost,
		TLSConfig:           tlsCfg,
		StripCookies:        []string{s.cookieName},
		StripCookiePrefixes: []string{s.flows.Prefix()},
		EchoedHeaders:       []string{obs.RequestIDHeader}, // observe sets it on every answer
		StripHeaders:        strip,
		TrustedProxies:      trusted,
		ErrorHandler:        g.upstreamError(s),
		Metrics:             d.ProxyMetrics,
	}
	if sc.Inject.Enabled {
		opts.Inject = &proxy.InjectOptions{
			Paths:     sc.Inject.Paths,
			Tag:       launcherTag,
			ExtendCSP: s.extendUpstreamCSP,
			NewNonce:  trust.NewNonce,
		}
	}
	return proxy.New(opts)
}

// trustedPrefixes reads trusted_proxies: CIDRs, or single addresses taken as
// one-address prefixes (the config accepts both).
func trustedPrefixes(cfg *config.Config) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(cfg.TrustedProxies))
	for _, c := range cfg.TrustedProxies {
		if p, err := netip.ParsePrefix(c); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(c)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies: %q is neither a CIDR nor an IP address", c)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// launcherTag is the one tag injected into upstream pages.
func launcherTag(nonce string) []byte {
	return []byte(`<script nonce="` + nonce + `" src="` + pathStatic + `launcher.js" defer></script>`)
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}
