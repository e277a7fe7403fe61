package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var (
	agentIDPattern = regexp.MustCompile(`^0Xx[a-zA-Z0-9]{15}$`)
	headerToken    = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// validateSite checks one site, concern by concern; the order is the order problems
// are listed in when they have no line (a config built in code).
func validateSite(c *Config, s *Site, p string, ps *problems) {
	siteOK := checkOrigin(ps, p+".url", s.URL, c.Dev, true, "the public origin visitors open, e.g. https://www.example.com")
	validateOrg(c, s, p, ps)
	validateECA(c, s, p, siteOK, ps)
	validateSignin(c, s, p, ps)
	validateLightningOut(c, s, p, ps)
	validateACC(s, p, ps)
	validateEmbed(s, p, ps)
	validateUpstream(c, s, p, ps)
	validateForwardAuth(c, s, p, ps)
	validateAccess(s, p, ps)
	for i, d := range s.TrustedDomains {
		checkTrustedDomain(ps, fmt.Sprintf("%s.trusted_domains[%d]", p, i), d, c.Dev)
	}
	validateCookie(c, s, p, ps)
	validateIdentityHeaders(s, p, ps)
	validateRelay(c, s, p, ps)
	positiveInt(ps, p+".rate_limit.frontdoor_per_minute", s.RateLimit.FrontdoorPerMinute)
}

func validateOrg(c *Config, s *Site, p string, ps *problems) {
	checkOrigin(ps, p+".org.my_domain", s.Org.MyDomain, c.Dev, true, "the org's My Domain, e.g. https://acme.my.salesforce.com")
	if id := s.Org.OrgID; id != "" && !validOrgID(id) {
		ps.add(p+".org.org_id", "copy the Organization ID from Setup → Company Information (15 or 18 characters starting 00D)",
			"%q is not a Salesforce org id", id)
	}
	if s.Org.LoginURL != s.Org.MyDomain && s.Org.LoginURL != s.Org.SiteURL {
		checkOrigin(ps, p+".org.login_url", s.Org.LoginURL, c.Dev, true, "the org's login host, e.g. https://acme.my.salesforce.com")
	}
	if s.Org.Issuer != "" {
		checkIssuerURL(ps, p+".org.issuer", s.Org.Issuer, c.Dev)
	}
	if s.Org.SiteURL != "" {
		checkSiteURL(ps, p+".org.site_url", s.Org.SiteURL, c.Dev)
	}
	positive(ps, p+".org.session_timeout", s.Org.SessionTimeout)
	positive(ps, p+".org.refresh_margin", s.Org.RefreshMargin)
	positive(ps, p+".org.timeout", s.Org.Timeout)
	if s.Org.RefreshMargin > 0 && s.Org.SessionTimeout > 0 && s.Org.RefreshMargin >= s.Org.SessionTimeout {
		ps.add(p+".org.refresh_margin", "make refresh_margin much shorter than org.session_timeout, e.g. 5m",
			"%s is not shorter than org.session_timeout %s, so every token would be refreshed at once", s.Org.RefreshMargin, s.Org.SessionTimeout)
	}
}

func validateACC(s *Site, p string, ps *problems) {
	if s.ACC.Disabled {
		return
	}
	switch {
	case s.ACC.AgentID == "":
		ps.add(p+".acc.agent_id", "copy the Employee Agent's 18-character id (starts with 0Xx) from Setup → Agents, or set acc.disabled: true for plain components",
			"missing: the ACC needs the agent to talk to")
	case !agentIDPattern.MatchString(s.ACC.AgentID):
		ps.add(p+".acc.agent_id", "use the 18-character id that starts with 0Xx (Setup → Agents → the agent's URL)",
			"%q is not an agent id (want 0Xx followed by 15 letters or digits)", s.ACC.AgentID)
	}
	oneOf(ps, p+".acc.mode", s.ACC.Mode)
}

func validateEmbed(s *Site, p string, ps *problems) {
	if s.Embed.Path == "off" {
		return
	}
	if !strings.HasPrefix(s.Embed.Path, "/") {
		ps.add(p+".embed.path", "use a path such as /__lo/embed, or off", "%q does not start with /", s.Embed.Path)
	} else if s.Embed.Path == s.ECA.CallbackPath {
		ps.add(p+".embed.path", "use a different path such as /__lo/embed", "%q is also the callback path", s.Embed.Path)
	}
}

func validateAccess(s *Site, p string, ps *problems) {
	for i, r := range s.Access {
		rp := fmt.Sprintf("%s.access[%d]", p, i)
		if !strings.HasPrefix(r.Path, "/") {
			ps.add(rp+".path", "use a path prefix such as /app/ or an exact path such as /account", "%q does not start with /", r.Path)
		}
		oneOf(ps, rp+".access", r.Access)
	}
	oneOf(ps, p+".default_access", s.DefaultAccess)
	for i, ip := range s.Inject.Paths {
		if !strings.HasPrefix(ip, "/") {
			ps.add(fmt.Sprintf("%s.inject.paths[%d]", p, i), "use a path prefix such as /", "%q does not start with /", ip)
		}
	}
}

func validateCookie(c *Config, s *Site, p string, ps *problems) {
	switch s.Cookie.SameSite {
	case "lax":
	case "none":
		if !c.Dev && strings.HasPrefix(s.URL, "http://") {
			ps.add(p+".cookie.same_site", "serve the site over https, or use same_site: lax",
				"none needs Secure cookies, which an http:// site cannot set")
		}
	case "strict":
		ps.add(p+".cookie.same_site", "use lax (default), or none when a trusted domain on another site frames the embed",
			"strict would drop the session cookie on the redirect back from Salesforce, so sign-in could never finish")
	default:
		ps.add(p+".cookie.same_site", "use lax (default) or none", "%q is not a SameSite mode", s.Cookie.SameSite)
	}
	if s.Cookie.CrossSite != "anonymous" && s.Cookie.CrossSite != "refuse" {
		ps.add(p+".cookie.cross_site", "use anonymous (default) or refuse", "%q is not a cross-site mode", s.Cookie.CrossSite)
	}
	if s.Cookie.Partitioned && s.Cookie.SameSite != "none" {
		ps.add(p+".cookie.partitioned", "set cookie.same_site: none, or remove partitioned",
			"partitioned cookies (CHIPS) only matter with same_site none; with %q it does nothing", s.Cookie.SameSite)
	}
}

func validateIdentityHeaders(s *Site, p string, ps *problems) {
	h := s.IdentityHeaders
	for _, kv := range [][2]string{{"user", h.User}, {"email", h.Email}, {"preferred_username", h.PreferredUsername}, {"org_id", h.OrgID}, {"user_id", h.UserID}, {"name", h.Name}} {
		if kv[1] != "-" && !headerToken.MatchString(kv[1]) {
			ps.add(p+".identity_headers."+kv[0], "use a header name such as X-Forwarded-User, or - to disable it", "%q is not a valid header name", kv[1])
		}
	}
}

func validateUpstream(c *Config, s *Site, p string, ps *problems) {
	u := &s.Upstream
	if u.URL != "" {
		pu, err := url.Parse(u.URL)
		switch {
		case err != nil:
			ps.add(p+".upstream.url", "write it as http://host:port", "%q does not parse: %v", u.URL, err)
		case pu.Scheme != "http" && pu.Scheme != "https":
			ps.add(p+".upstream.url", "write it as http://host:port or https://host", "%q is not an http(s) URL", u.URL)
		case pu.Host == "":
			ps.add(p+".upstream.url", "write it as http://host:port", "%q has no host", u.URL)
		case pu.RawQuery != "" || pu.Fragment != "":
			ps.add(p+".upstream.url", "drop the query or fragment", "%q has a query or fragment", u.URL)
		}
	}
	positive(ps, p+".upstream.timeout", u.Timeout)
	positive(ps, p+".upstream.dial_timeout", u.DialTimeout)
	if u.MaxIdleConnsPerHost < 0 {
		ps.add(p+".upstream.max_idle_conns_per_host", "use a positive number such as "+example(p+".upstream.max_idle_conns_per_host"), "%d is negative", u.MaxIdleConnsPerHost)
	}
	if u.TLSInsecure && !c.Dev {
		ps.add(p+".upstream.tls_insecure_skip_verify", "set tls_ca_file to the upstream's CA instead", "allowed in dev mode only: it accepts any certificate")
	}
}

func validateForwardAuth(c *Config, s *Site, p string, ps *problems) {
	if !s.ForwardAuth.Enabled {
		return
	}
	if s.Upstream.URL != "" {
		ps.add(p+".upstream.url", "remove upstream.url (the front proxy serves the pages), or set forward_auth.enabled: false for full-proxy mode",
			"is set while forward_auth.enabled is true: a site is either behind the gateway or behind its own proxy")
	}
	if s.Inject.Enabled {
		ps.add(p+".inject.enabled", "set it to false and add the launcher tag to the site's pages (or let nginx sub_filter add it, see docs/forward-auth)",
			"injection rewrites upstream pages, which the gateway does not see in forward-auth mode")
	}
	if len(c.TrustedProxies) == 0 {
		ps.add("trusted_proxies", "list the front proxy's address or CIDR, e.g. 127.0.0.1/32 or 10.0.0.0/8",
			"is empty while %s.forward_auth.enabled is true: the original URI, method and host of a forward-auth request are believed only from trusted proxies", p)
	}
}

// validOrgID accepts a 15- or 18-character Salesforce id of an organization.
func validOrgID(id string) bool {
	if (len(id) != 15 && len(id) != 18) || !strings.HasPrefix(id, "00D") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}
