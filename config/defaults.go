package config

import (
	"net/url"
	"reflect"
	"strings"
)

// Defaults that other packages name. schema.go's default tags are the declaration;
// TestTheNamedDefaultsAreTheDeclaredOnes keeps these equal to them.
const (
	DefaultListen      = ":8080"
	DefaultAdminListen = "127.0.0.1:9090"
	DefaultEmbedPath   = "/__lo/embed"
)

// The JWT-bearer audiences Salesforce accepts outside an Experience Cloud site, and the
// path of the Lightning Out script under the My Domain: the derived defaults.
const (
	DefaultJWTAudience     = "https://login.salesforce.com"
	SandboxJWTAudience     = "https://test.salesforce.com"
	LightningOutScriptPath = "/lightning/lightning.out.latest/index.iife.prod.js"
)

// Default identity header names (identity_headers' default tags); "-" in the config
// disables one. The gateway strips all of them from incoming requests.
const (
	DefaultHeaderUser              = "X-Forwarded-User"
	DefaultHeaderEmail             = "X-Forwarded-Email"
	DefaultHeaderPreferredUsername = "X-Forwarded-Preferred-Username"
	DefaultHeaderOrgID             = "X-Forwarded-Org-Id"
	DefaultHeaderUserID            = "X-Forwarded-User-Id"
	DefaultHeaderName              = "X-Forwarded-Name"
)

// Normalize fills every unset key with the default schema.go declares for it, then
// the defaults computed from other keys, and tidies values that have one obvious
// meaning (a lone trailing slash on an origin, a callback given as a full URL on the
// site's own origin). It is idempotent and never fails; Validate judges the result.
func (c *Config) Normalize() {
	applyDefaults(reflect.ValueOf(c).Elem(), "")
	c.Log.Format = strings.ToLower(c.Log.Format)
	c.Log.Level = strings.ToLower(c.Log.Level)
	c.Log.Access = strings.ToLower(c.Log.Access)
	for i := range c.Sites {
		c.Sites[i].normalize()
	}
}

// normalize derives the site's computed defaults and tidies its values; the declared
// defaults are already in place.
func (s *Site) normalize() {
	s.URL = trimOneSlash(s.URL)
	o := &s.Org
	o.MyDomain = trimOneSlash(o.MyDomain)
	o.SiteURL = strings.TrimRight(o.SiteURL, "/")
	setStr(&o.LoginURL, o.SiteURL)
	setStr(&o.LoginURL, o.MyDomain)
	o.LoginURL = trimOneSlash(o.LoginURL)

	e := &s.ECA
	// A callback written as a full URL on the site's own origin means its path.
	if u, err := url.Parse(e.CallbackPath); err == nil && u.IsAbs() && s.URL != "" && sameOrigin(u, s.URL) && u.Path != "" {
		e.CallbackPath = u.Path
	}

	j := &s.Signin.JWT
	j.Audience = trimOneSlash(j.Audience)
	setStr(&j.Audience, s.defaultJWTAudience())

	lo := &s.LightningOut
	if lo.ScriptURL == "" && o.MyDomain != "" {
		lo.ScriptURL = o.MyDomain + LightningOutScriptPath
	}
	if lo.RemintInterval == 0 {
		lo.RemintInterval = Duration(o.SessionTimeout.D() * 3 / 4)
	}

	for i := range s.TrustedDomains {
		s.TrustedDomains[i] = trimOneSlash(s.TrustedDomains[i])
	}
	s.Cookie.SameSite = strings.ToLower(s.Cookie.SameSite)
	s.Cookie.CrossSite = strings.ToLower(s.Cookie.CrossSite)
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
