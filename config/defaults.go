package config

import (
	"net/url"
	"strings"
	"time"
)

// Default values, applied by Normalize to every field left empty or zero.
const (
	DefaultListen            = ":8080"
	DefaultAdminListen       = "127.0.0.1:9090"
	DefaultCallbackPath      = "/callback.html"
	DefaultEmbedPath         = "/__lo/embed"
	DefaultJWTAudience       = "https://login.salesforce.com"
	SandboxJWTAudience       = "https://test.salesforce.com"
	DefaultRedisKeyPrefix    = "logateway:"
	LightningOutScriptPath   = "/lightning/lightning.out.latest/index.iife.prod.js"
	DefaultFrontdoorPerMin   = 30
	DefaultMaxSessions       = 100000
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxIdleConnsPerUp = 256
)

// DefaultScopes is what the ECA is asked for when eca.scopes is empty: api, web and
// lightning as Salesforce's setup guide for the ACC over Lightning Out 2.0 selects them
// (web for the UI Bridge), openid for the id_token, refresh_token so the session
// outlives one access token.
var DefaultScopes = []string{"api", "web", "lightning", "refresh_token", "openid"}

// Default identity header names; "-" in the config disables one.
const (
	DefaultHeaderUser              = "X-Forwarded-User"
	DefaultHeaderEmail             = "X-Forwarded-Email"
	DefaultHeaderPreferredUsername = "X-Forwarded-Preferred-Username"
	DefaultHeaderOrgID             = "X-Forwarded-Org-Id"
	DefaultHeaderUserID            = "X-Forwarded-User-Id"
	DefaultHeaderName              = "X-Forwarded-Name"
)

// Normalize fills every unset field with its default and tidies values that have one
// obvious meaning (a lone trailing slash on an origin, a callback given as a full URL on
// the site's own origin). It is idempotent and never fails; Validate judges the result.
func (c *Config) Normalize() {
	setStr(&c.Listen, DefaultListen)
	setStr(&c.AdminListen, DefaultAdminListen)
	setStr(&c.Log.Format, "auto")
	setStr(&c.Log.Level, "info")
	c.Log.Format = strings.ToLower(c.Log.Format)
	c.Log.Level = strings.ToLower(c.Log.Level)

	s := &c.Server
	setDur(&s.ReadHeaderTimeout, 10*time.Second)
	setDur(&s.IdleTimeout, 120*time.Second)
	setDur(&s.ShutdownGrace, 10*time.Second)
	setDur(&s.BodyTimeout, 10*time.Second)
	setInt(&s.MaxHeaderBytes, DefaultMaxHeaderBytes)
	s.HSTS.normalize()

	ss := &c.Session
	setStr(&ss.Store, "memory")
	setDur(&ss.IdleTimeout, time.Hour)
	setDur(&ss.AbsoluteTimeout, 12*time.Hour)
	setInt(&ss.MaxSessions, DefaultMaxSessions)
	r := &ss.Redis
	setStr(&r.KeyPrefix, DefaultRedisKeyPrefix)
	setDur(&r.DialTimeout, 2*time.Second)
	setDur(&r.ReadTimeout, time.Second)
	setDur(&r.WriteTimeout, time.Second)

	for i := range c.Sites {
		c.Sites[i].normalize()
	}
}

func (s *Site) normalize() {
	s.URL = trimOneSlash(s.URL)
	o := &s.Org
	o.MyDomain = trimOneSlash(o.MyDomain)
	o.SiteURL = strings.TrimRight(o.SiteURL, "/")
	setStr(&o.LoginURL, o.SiteURL)
	setStr(&o.LoginURL, o.MyDomain)
	o.LoginURL = trimOneSlash(o.LoginURL)
	setDur(&o.SessionTimeout, 2*time.Hour)
	setDur(&o.RefreshMargin, 5*time.Minute)
	setDur(&o.Timeout, 10*time.Second)

	e := &s.ECA
	setStr(&e.CallbackPath, DefaultCallbackPath)
	// A callback written as a full URL on the site's own origin means its path.
	if u, err := url.Parse(e.CallbackPath); err == nil && u.IsAbs() && s.URL != "" && sameOrigin(u, s.URL) && u.Path != "" {
		e.CallbackPath = u.Path
	}
	if len(e.Scopes) == 0 {
		e.Scopes = append([]string(nil), DefaultScopes...)
	}
	if e.PKCE == nil {
		t := true
		e.PKCE = &t
	}
	setStr(&e.UIBridge, "standard")

	si := &s.Signin
	setStr(&si.Flow, "web-server")
	if len(si.IdP.Scopes) == 0 {
		si.IdP.Scopes = []string{"openid", "email", "profile"}
	}
	setStr(&si.IdP.UsernameClaim, "email")
	setStr(&si.IdP.UsernameTemplate, "{{value}}")
	si.JWT.Audience = trimOneSlash(si.JWT.Audience)
	setStr(&si.JWT.Audience, s.defaultJWTAudience())

	lo := &s.LightningOut
	setStr(&lo.Bootstrap, "native")
	if lo.ScriptURL == "" && o.MyDomain != "" {
		lo.ScriptURL = o.MyDomain + LightningOutScriptPath
	}
	if lo.RemintInterval == 0 {
		lo.RemintInterval = Duration(o.SessionTimeout.D() * 3 / 4)
	}

	setStr(&s.ACC.Mode, "floating")
	setStr(&s.Embed.Path, DefaultEmbedPath)

	u := &s.Upstream
	setDur(&u.Timeout, 30*time.Second)
	setDur(&u.DialTimeout, 5*time.Second)
	setInt(&u.MaxIdleConnsPerHost, DefaultMaxIdleConnsPerUp)

	setStr(&s.DefaultAccess, "public")
	for i := range s.TrustedDomains {
		s.TrustedDomains[i] = trimOneSlash(s.TrustedDomains[i])
	}
	setStr(&s.Cookie.SameSite, "lax")
	s.Cookie.SameSite = strings.ToLower(s.Cookie.SameSite)
	setStr(&s.Cookie.CrossSite, "anonymous")
	s.Cookie.CrossSite = strings.ToLower(s.Cookie.CrossSite)

	h := &s.IdentityHeaders
	setStr(&h.User, DefaultHeaderUser)
	setStr(&h.Email, DefaultHeaderEmail)
	setStr(&h.PreferredUsername, DefaultHeaderPreferredUsername)
	setStr(&h.OrgID, DefaultHeaderOrgID)
	setStr(&h.UserID, DefaultHeaderUserID)
	setStr(&h.Name, DefaultHeaderName)

	for i := range s.APIRelay {
		setStr(&s.APIRelay[i].Identity, "visitor")
	}
	setInt(&s.RateLimit.FrontdoorPerMinute, DefaultFrontdoorPerMin)
}

// Embeds reports whether the site shows Lightning Out content (the ACC or plain
// components), which is what makes the web scope and a user-context flow necessary.
func (s *Site) Embeds() bool {
	return !s.ACC.Disabled || len(s.LightningOut.Components) > 0
}

// IsSandbox reports whether the org is a sandbox: its My Domain ends in
// .sandbox.my.salesforce.com.
func (s *Site) IsSandbox() bool {
	u, err := url.Parse(s.Org.MyDomain)
	return err == nil && strings.HasSuffix(strings.ToLower(u.Hostname()), ".sandbox.my.salesforce.com")
}

// defaultJWTAudience is the JWT-bearer aud Salesforce accepts for the org type: the
// site URL for an Experience Cloud site, test.salesforce.com for a sandbox,
// login.salesforce.com otherwise.
func (s *Site) defaultJWTAudience() string {
	if s.Org.SiteURL != "" {
		return s.Org.SiteURL
	}
	if s.IsSandbox() {
		return SandboxJWTAudience
	}
	return DefaultJWTAudience
}

// SitePrefix is the path prefix of org.site_url ("/support"), Lightning Out's
// site-prefix; "" without a site or for a site at the root of its domain.
func (s *Site) SitePrefix() string {
	u, err := url.Parse(s.Org.SiteURL)
	if err != nil || s.Org.SiteURL == "" {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// CallbackURL is the exact URL to register in the ECA: site origin + callback path.
func (s *Site) CallbackURL() string { return s.URL + s.ECA.CallbackPath }

// Host returns the site URL's host[:port], the key requests are matched on.
func (s *Site) Host() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// EmbedEnabled reports whether the embed page is served (embed.path is not "off").
func (s *Site) EmbedEnabled() bool { return s.Embed.Path != "off" }

// DefaultPath is where the container image and the systemd unit expect the config
// when LOGATEWAY_CONFIG does not name one (serve --require-config).
const DefaultPath = "/etc/logateway/config.yaml"

// PathFromEnv returns the config file named by LOGATEWAY_CONFIG, for when --config is
// not given; "" means none (the command then runs in dev mode).
func PathFromEnv(getenv func(string) string) string { return getenv("LOGATEWAY_CONFIG") }

// ApplyOverrides lets command-line flags win over the file: each non-empty argument
// replaces listen, admin_listen or log.level. Call Validate afterwards.
func (c *Config) ApplyOverrides(listen, admin, level string) {
	if listen != "" {
		c.Listen = listen
		c.SetSource("listen", "flag --listen")
	}
	if admin != "" {
		c.SetSource("admin_listen", "flag --admin-listen")
		c.AdminListen = admin
	}
	if level != "" {
		c.Log.Level = strings.ToLower(level)
		c.SetSource("log.level", "flag --log-level")
	}
}

func setStr(p *string, v string) {
	if strings.TrimSpace(*p) == "" {
		*p = v
	}
}

func setInt(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}

func setDur(p *Duration, v time.Duration) {
	if *p == 0 {
		*p = Duration(v)
	}
}

func trimOneSlash(s string) string {
	if strings.HasSuffix(s, "/") && !strings.HasSuffix(s, "//") && strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err == nil && u.Path == "/" && u.RawQuery == "" && u.Fragment == "" {
			return strings.TrimSuffix(s, "/")
		}
	}
	return s
}

func sameOrigin(u *url.URL, origin string) bool {
	o, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, o.Scheme) && strings.EqualFold(u.Host, o.Host)
}
