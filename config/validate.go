package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	appIDPattern   = regexp.MustCompile(`^1Us[A-Za-z0-9]{15}$`)
	agentIDPattern = regexp.MustCompile(`^0Xx[a-zA-Z0-9]{15}$`)
	headerToken    = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	scopeToken     = regexp.MustCompile(`^[A-Za-z0-9_.:/-]+$`)
	// LWC tag (c-my-comp) or namespace/name (c/myComp); Aura (c:x) is refused by LO 2.0.
	componentName = regexp.MustCompile(`^([a-z][a-z0-9]*-[a-zA-Z0-9-]+|[a-zA-Z][a-zA-Z0-9_]*/[a-zA-Z][a-zA-Z0-9_]*)$`)
)

// Validate checks a normalized configuration against every rule and returns a
// *ValidationError listing all problems, or nil. It checks structure and the resolved
// fields that are present (session key lengths); reading secrets from the environment
// and files, and checking the JWT key file, happen in Load (or ResolveSecrets) because
// they need the environment. Call Normalize first for a config built in code.
func Validate(c *Config) error {
	ps := &problems{}
	validate(c, ps)
	return ps.err("")
}

func validate(c *Config, ps *problems) {
	checkListen(ps, "listen", c.Listen, false)
	checkListen(ps, "admin_listen", c.AdminListen, true)
	oneOf(ps, "log.format", c.Log.Format, "auto", "text", "json")
	oneOf(ps, "log.level", c.Log.Level, "debug", "info", "warn", "error")

	positive(ps, "server.read_header_timeout", c.Server.ReadHeaderTimeout)
	notNegative(ps, "server.read_timeout", c.Server.ReadTimeout)
	positive(ps, "server.body_timeout", c.Server.BodyTimeout)
	notNegative(ps, "server.write_timeout", c.Server.WriteTimeout)
	positive(ps, "server.idle_timeout", c.Server.IdleTimeout)
	positive(ps, "server.shutdown_grace", c.Server.ShutdownGrace)
	if c.Server.MaxHeaderBytes < 0 {
		ps.add("server.max_header_bytes", "use a positive size such as 65536", "%d is negative", c.Server.MaxHeaderBytes)
	}

	validateHSTS(c.Server.HSTS, ps)
	validateSession(c, ps)

	for i, p := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err == nil {
			continue
		}
		ps.add(fmt.Sprintf("trusted_proxies[%d]", i), "write a CIDR such as 10.0.0.0/8 or a single address such as 10.1.2.3",
			"%q is neither a CIDR nor an IP address", p)
	}

	if len(c.Sites) == 0 {
		ps.add("sites", "add at least one site with url, org.my_domain and eca.client_id (see config/examples/production.yaml)", "no sites are configured")
	}
	hosts := map[string]int{}
	for i := range c.Sites {
		s := &c.Sites[i]
		validateSite(c, s, fmt.Sprintf("sites[%d]", i), ps)
		if h := s.Host(); h != "" {
			if j, dup := hosts[h]; dup {
				ps.add(fmt.Sprintf("sites[%d].url", i), "give each site its own host, or merge the two entries",
					"host %s is already used by sites[%d]; the gateway picks a site by the request's Host, so two sites cannot share one", h, j)
			} else {
				hosts[h] = i
			}
		}
	}
}

func validateSession(c *Config, ps *problems) {
	ss := &c.Session
	oneOf(ps, "session.store", ss.Store, "memory", "redis")
	positive(ps, "session.idle_timeout", ss.IdleTimeout)
	positive(ps, "session.absolute_timeout", ss.AbsoluteTimeout)
	if ss.IdleTimeout > 0 && ss.AbsoluteTimeout > 0 && ss.IdleTimeout > ss.AbsoluteTimeout {
		ps.add("session.idle_timeout", "make idle_timeout at most absolute_timeout",
			"%s is longer than session.absolute_timeout %s, so it never applies", ss.IdleTimeout, ss.AbsoluteTimeout)
	}
	if ss.MaxSessions <= 0 {
		ps.add("session.max_sessions", "use a positive number such as 100000", "%d is not positive", ss.MaxSessions)
	}
	switch {
	case ss.KeysEnv != "" && ss.KeysFile != "":
		ps.add("session.keys_env", "keep one of keys_env and keys_file", "both keys_env and keys_file are set; the keys must come from exactly one source")
	case ss.KeysEnv == "" && ss.KeysFile == "" && !c.Dev:
		ps.add("session.keys_env", "set keys_env: LOGATEWAY_SESSION_KEYS (comma-separated keys of 32+ bytes, e.g. from `openssl rand -base64 32`) or keys_file",
			"no session keys: the cookie cannot be signed and encrypted without them")
	}
	keyPath := "session.keys_env"
	if ss.KeysFile != "" {
		keyPath = "session.keys_file"
	}
	for i, k := range ss.Keys {
		if len(k) < 32 {
			ps.add(keyPath, "use keys of at least 32 bytes, e.g. from `openssl rand -base64 32`",
				"key %d of %d is %d bytes; each key must be at least 32", i+1, len(ss.Keys), len(k))
		}
	}
	r := &ss.Redis
	if ss.Store == "redis" {
		if len(r.Addrs) == 0 {
			ps.add("session.redis.addrs", "list at least one host:port, e.g. [\"redis:6379\"]", "session.store is redis but no addresses are given")
		}
		for i, a := range r.Addrs {
			if _, _, err := net.SplitHostPort(a); err != nil {
				ps.add(fmt.Sprintf("session.redis.addrs[%d]", i), "write host:port, e.g. redis:6379", "%q is not host:port", a)
			}
		}
		if r.DB < 0 {
			ps.add("session.redis.db", "use 0 or a positive database number", "%d is negative", r.DB)
		}
		if r.PoolSize < 0 {
			ps.add("session.redis.pool_size", "use 0 (the client's default) or a positive size", "%d is negative", r.PoolSize)
		}
		positive(ps, "session.redis.dial_timeout", r.DialTimeout)
		positive(ps, "session.redis.read_timeout", r.ReadTimeout)
		positive(ps, "session.redis.write_timeout", r.WriteTimeout)
		if d := r.LocalCacheTTL; d != 0 && (d < Duration(100*time.Millisecond) || d > Duration(10*time.Second)) {
			ps.add("session.redis.local_cache_ttl", "use 0 (off) or a duration from 100ms to 10s, e.g. 2s", "%s is outside 100ms..10s", d)
		}
	}
	if r.PasswordEnv != "" && r.PasswordFile != "" {
		ps.add("session.redis.password_env", "keep one of password_env and password_file", "both password_env and password_file are set")
	}
}

func validateSite(c *Config, s *Site, p string, ps *problems) {
	siteOK := checkOrigin(ps, p+".url", s.URL, c.Dev, true, "the public origin visitors open, e.g. https://www.example.com")
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

	validateECA(c, s, p, siteOK, ps)
	validateSignin(c, s, p, ps)
	validateLightningOut(c, s, p, ps)

	if !s.ACC.Disabled {
		switch {
		case s.ACC.AgentID == "":
			ps.add(p+".acc.agent_id", "copy the Employee Agent's 18-character id (starts with 0Xx) from Setup → Agents, or set acc.disabled: true for plain components",
				"missing: the ACC needs the agent to talk to")
		case !agentIDPattern.MatchString(s.ACC.AgentID):
			ps.add(p+".acc.agent_id", "use the 18-character id that starts with 0Xx (Setup → Agents → the agent's URL)",
				"%q is not an agent id (want 0Xx followed by 15 letters or digits)", s.ACC.AgentID)
		}
		oneOf(ps, p+".acc.mode", s.ACC.Mode, "floating", "inline")
	}

	if s.Embed.Path != "off" {
		if !strings.HasPrefix(s.Embed.Path, "/") {
			ps.add(p+".embed.path", "use a path such as /__lo/embed, or off", "%q does not start with /", s.Embed.Path)
		} else if s.Embed.Path == s.ECA.CallbackPath {
			ps.add(p+".embed.path", "use a different path such as /__lo/embed", "%q is also the callback path", s.Embed.Path)
		}
	}

	validateUpstream(c, s, p, ps)
	validateForwardAuth(c, s, p, ps)

	for i, r := range s.Access {
		rp := fmt.Sprintf("%s.access[%d]", p, i)
		if !strings.HasPrefix(r.Path, "/") {
			ps.add(rp+".path", "use a path prefix such as /app/ or an exact path such as /account", "%q does not start with /", r.Path)
		}
		oneOf(ps, rp+".access", r.Access, "public", "protected")
	}
	oneOf(ps, p+".default_access", s.DefaultAccess, "public", "protected")
	for i, ip := range s.Inject.Paths {
		if !strings.HasPrefix(ip, "/") {
			ps.add(fmt.Sprintf("%s.inject.paths[%d]", p, i), "use a path prefix such as /", "%q does not start with /", ip)
		}
	}

	for i, d := range s.TrustedDomains {
		checkTrustedDomain(ps, fmt.Sprintf("%s.trusted_domains[%d]", p, i), d, c.Dev)
	}

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

	h := s.IdentityHeaders
	for _, kv := range [][2]string{{"user", h.User}, {"email", h.Email}, {"preferred_username", h.PreferredUsername}, {"org_id", h.OrgID}, {"user_id", h.UserID}, {"name", h.Name}} {
		if kv[1] != "-" && !headerToken.MatchString(kv[1]) {
			ps.add(p+".identity_headers."+kv[0], "use a header name such as X-Forwarded-User, or - to disable it", "%q is not a valid header name", kv[1])
		}
	}

	validateRelay(c, s, p, ps)

	if s.RateLimit.FrontdoorPerMinute <= 0 {
		ps.add(p+".rate_limit.frontdoor_per_minute", "use a positive number such as 30", "%d is not positive", s.RateLimit.FrontdoorPerMinute)
	}
}

func validateECA(c *Config, s *Site, p string, siteOK bool, ps *problems) {
	e := &s.ECA
	if strings.TrimSpace(e.ClientID) == "" {
		ps.add(p+".eca.client_id", "copy the Consumer Key from External Client App Manager → the app → Settings → OAuth Settings",
			"missing: the External Client App's consumer key is required")
	}
	// The ECA secret signs the code exchange and refreshes (web-server flow) and the
	// client-credentials relay; a pure jwt-bearer site never sends it.
	needSecret := s.Signin.Flow != "jwt-bearer"
	for _, r := range s.APIRelay {
		if r.Identity == "service" && r.ServiceFlow == "client-credentials" {
			needSecret = true
		}
	}
	checkSecretSource(ps, p+".eca", e.ClientSecret, e.ClientSecretEnv, e.ClientSecretFile, needSecret, c.Dev,
		"LOGATEWAY_ECA_CLIENT_SECRET", "the ECA's Consumer Secret")

	cb := e.CallbackPath
	cu, err := url.Parse(cb)
	switch {
	case err != nil:
		ps.add(p+".eca.callback_path", "use a path such as /callback.html", "%q is not a valid path: %v", cb, err)
	case cu.IsAbs() || strings.HasPrefix(cb, "//"):
		// Normalize already turned a same-origin URL into its path, so this one is elsewhere.
		origin := s.URL
		if !siteOK {
			origin = "the site URL"
		}
		ps.add(p+".eca.callback_path", "use a path such as /callback.html",
			"%q is not on the site's origin %s; Salesforce redirects the visitor there with the code, and only this site can finish the sign-in", cb, origin)
	case !strings.HasPrefix(cb, "/"):
		ps.add(p+".eca.callback_path", "use a path such as /callback.html", "%q does not start with /", cb)
	case cb == "/__lo" || strings.HasPrefix(cb, "/__lo/"):
		ps.add(p+".eca.callback_path", "use a path outside /__lo/, such as /callback.html", "%q is under /__lo/, which the gateway reserves for its own routes", cb)
	case cu.RawQuery != "" || cu.Fragment != "":
		ps.add(p+".eca.callback_path", "drop the query or fragment; Salesforce matches the callback URL exactly", "%q has a query or fragment", cb)
	}

	hasWebOrFull := false
	hasOpenID := false
	for i, sc := range e.Scopes {
		if !scopeToken.MatchString(sc) {
			ps.add(fmt.Sprintf("%s.eca.scopes[%d]", p, i), "write one scope per list item, e.g. [api, web, lightning, refresh_token, openid]",
				"%q is not a single scope name", sc)
		}
		switch sc {
		case "web", "full":
			hasWebOrFull = true
		case "openid":
			hasOpenID = true
		}
	}
	if s.Embeds() && !hasWebOrFull {
		ps.add(p+".eca.scopes", "add web (or full) here and select \"Manage user data via Web browsers (web)\" in the ECA's OAuth scopes",
			"no web or full scope, but the site embeds Lightning Out: the UI Bridge API refuses tokens without it (Invalid_Scope)")
	}
	if s.Signin.Flow == "web-server" && !hasOpenID {
		ps.add(p+".eca.scopes", "add openid here and select \"Access unique user identifiers (openid)\" in the ECA",
			"no openid scope: the web-server flow verifies the id_token, which Salesforce only sends with openid")
	}
	oneOf(ps, p+".eca.ui_bridge", e.UIBridge, "standard", "lightning_out")
	if e.UIBridge == "lightning_out" && s.LightningOut.AppID == "" {
		ps.add(p+".lightning_out.app_id", "set the 18-character app id (1Us…) from Lightning Out 2.0 App Manager, or use eca.ui_bridge: standard",
			"missing: eca.ui_bridge lightning_out sends the Lightning Out app id with every frontdoor request")
	}
}

func validateSignin(c *Config, s *Site, p string, ps *problems) {
	si := &s.Signin
	switch si.Flow {
	case "web-server":
	case "jwt-bearer":
		if si.IdP.Issuer == "" {
			ps.add(p+".signin.idp.issuer", "set the OpenID Connect issuer of your identity provider, e.g. https://acme.okta.com/oauth2/default",
				"missing: jwt-bearer signs visitors in at your own identity provider first")
		} else {
			checkHTTPURL(ps, p+".signin.idp.issuer", si.IdP.Issuer, c.Dev, "use the issuer URL exactly as its discovery document states it")
		}
		if si.IdP.ClientID == "" {
			ps.add(p+".signin.idp.client_id", "copy the client id of the gateway's application at your identity provider", "missing: required for jwt-bearer")
		}
		checkSecretSource(ps, p+".signin.idp", si.IdP.ClientSecret, si.IdP.ClientSecretEnv, si.IdP.ClientSecretFile, true, c.Dev,
			"LOGATEWAY_IDP_CLIENT_SECRET", "the identity provider client secret")
		if si.IdP.UsernameClaim == "" {
			ps.add(p+".signin.idp.username_claim", "use a claim such as email or preferred_username", "missing")
		}
		if t := si.IdP.UsernameTemplate; !strings.Contains(t, "{{value}}") && !strings.Contains(t, "{{local}}") {
			ps.add(p+".signin.idp.username_template", "use {{value}} (the claim as is) or {{local}}@example.com.sf",
				"%q uses neither {{value}} nor {{local}}, so every visitor would map to the same Salesforce user", t)
		}
		checkJWTSettings(c, s, p, ps)
	case "client-credentials":
		reason := "it has no user context"
		if s.Embeds() {
			reason = "Salesforce strips the web scope from client-credentials tokens (no user context), so the UI Bridge call and Lightning Out 2.0 fail"
		}
		ps.add(p+".signin.flow", "use web-server (default) or jwt-bearer; client-credentials is only allowed as api_relay[].service_flow",
			"client-credentials cannot sign visitors in: %s", reason)
	default:
		ps.add(p+".signin.flow", "use web-server (default) or jwt-bearer", "%q is not a sign-in flow", si.Flow)
	}
	if si.Prompt != "" {
		for _, w := range strings.Fields(si.Prompt) {
			if w != "login" && w != "consent" && w != "select_account" {
				ps.add(p+".signin.prompt", "use login, consent, select_account or \"login consent\"", "%q is not a Salesforce prompt value", w)
				break
			}
		}
	}
}

// checkJWTSettings checks the assertion settings a jwt-bearer flow (sign-in or a service
// relay) needs; the key file itself is read in ResolveSecrets.
func checkJWTSettings(c *Config, s *Site, p string, ps *problems) {
	j := &s.Signin.JWT
	if j.KeyFile == "" {
		ps.add(p+".signin.jwt.key_file", "point it at the PEM RSA private key whose certificate is uploaded to the ECA (`logateway keygen` makes both)",
			"missing: jwt-bearer assertions are signed with this key")
	}
	checkOrigin(ps, p+".signin.jwt.audience", j.Audience, false, false,
		"https://login.salesforce.com, https://test.salesforce.com or the org's My Domain")
}

func validateLightningOut(c *Config, s *Site, p string, ps *problems) {
	lo := &s.LightningOut
	if lo.AppID != "" && !appIDPattern.MatchString(lo.AppID) {
		ps.add(p+".lightning_out.app_id", "copy the 18-character id (starts with 1Us) from Lightning Out 2.0 App Manager",
			"%q is not a Lightning Out app id (want 1Us followed by 15 letters or digits)", lo.AppID)
	}
	for i, comp := range lo.Components {
		if !componentName.MatchString(comp) {
			ps.add(fmt.Sprintf("%s.lightning_out.components[%d]", p, i), "use the LWC tag (c-my-comp) or namespace/name (c/myComp); Aura components are not supported",
				"%q is not a Lightning web component name", comp)
		}
	}
	// The default (derived from my_domain) is judged through my_domain; only an explicit
	// override gets its own check, so one mistake yields one problem.
	if lo.ScriptURL != "" && lo.ScriptURL != s.Org.MyDomain+LightningOutScriptPath {
		checkHTTPURL(ps, p+".lightning_out.script_url", lo.ScriptURL, c.Dev, "leave it empty to use <my_domain>"+LightningOutScriptPath)
	}
	switch lo.Bootstrap {
	case "native":
	case "sdk":
		if lo.SDKURL == "" {
			ps.add(p+".lightning_out.sdk_url", "set the URL (or a /path served by this site) of the ACC Web SDK IIFE bundle, or use bootstrap: native",
				"missing: bootstrap sdk loads the ACC Web SDK from this URL")
		} else if !strings.HasPrefix(lo.SDKURL, "/") {
			checkHTTPURL(ps, p+".lightning_out.sdk_url", lo.SDKURL, c.Dev, "use an https URL or a path such as /__lo/static/acc-sdk.js")
		}
	default:
		ps.add(p+".lightning_out.bootstrap", "use native (default) or sdk", "%q is not a bootstrap mode", lo.Bootstrap)
	}
	if lo.RemintInterval <= 0 {
		ps.add(p+".lightning_out.remint_interval", "use a positive duration shorter than org.session_timeout, or leave it empty for 3/4 of it", "%s is not positive", lo.RemintInterval)
	} else if s.Org.SessionTimeout > 0 && lo.RemintInterval >= s.Org.SessionTimeout {
		ps.add(p+".lightning_out.remint_interval", "make it shorter than org.session_timeout, or leave it empty for 3/4 of it",
			"%s is not shorter than org.session_timeout %s, so the embedded session would expire before it is renewed", lo.RemintInterval, s.Org.SessionTimeout)
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
		ps.add(p+".upstream.max_idle_conns_per_host", "use a positive number such as 256", "%d is negative", u.MaxIdleConnsPerHost)
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

func validateRelay(c *Config, s *Site, p string, ps *problems) {
	seen := map[string]int{}
	jwtChecked := s.Signin.Flow == "jwt-bearer"
	for i, r := range s.APIRelay {
		rp := fmt.Sprintf("%s.api_relay[%d]", p, i)
		switch {
		case !strings.HasPrefix(r.Prefix, "/"):
			ps.add(rp+".prefix", "use a path prefix such as /__lo/api/", "%q does not start with /", r.Prefix)
		case r.Prefix == s.ECA.CallbackPath || r.Prefix == s.Embed.Path:
			ps.add(rp+".prefix", "use a prefix such as /__lo/api/", "%q collides with the callback or embed path", r.Prefix)
		default:
			if j, dup := seen[r.Prefix]; dup {
				ps.add(rp+".prefix", "give each route its own prefix", "%q is already used by api_relay[%d]", r.Prefix, j)
			}
			seen[r.Prefix] = i
		}
		if r.Target != "" {
			checkHTTPURL(ps, rp+".target", r.Target, c.Dev, "use the API base URL, e.g. https://acme.my.salesforce-scrt.com, or leave it empty for the session's instance_url")
		}
		switch r.Identity {
		case "visitor":
			if r.ServiceFlow != "" || r.ServiceUsername != "" {
				ps.add(rp+".service_flow", "remove service_flow/service_username, or set identity: service",
					"service settings are ignored for identity visitor")
			}
		case "service":
			switch r.ServiceFlow {
			case "jwt-bearer":
				if r.ServiceUsername == "" {
					ps.add(rp+".service_username", "set the Salesforce username of the integration user the route acts as",
						"missing: a jwt-bearer service token is issued for one named user")
				}
				if !jwtChecked {
					checkJWTSettings(c, s, p, ps)
					jwtChecked = true
				}
			case "client-credentials":
				// Allowed here: a server-to-server call needs no web scope; the ECA's
				// secret is required (checked in validateECA) and a Run As user in Setup.
			case "":
				ps.add(rp+".service_flow", "use jwt-bearer (acts as service_username) or client-credentials (the ECA's Run As user)",
					"missing: identity service needs a flow to get its token")
			default:
				ps.add(rp+".service_flow", "use jwt-bearer or client-credentials", "%q is not a service flow", r.ServiceFlow)
			}
		default:
			ps.add(rp+".identity", "use visitor (the signed-in visitor's token, default) or service", "%q is not an identity", r.Identity)
		}
	}
}

// checkSecretSource enforces exactly one source for a secret: env var name, file, or
// (dev mode only) inline. It never repeats an inline value.
func checkSecretSource(ps *problems, p, inline, env, file string, required, dev bool, suggestedEnv, what string) {
	n := 0
	for _, v := range []string{inline, env, file} {
		if v != "" {
			n++
		}
	}
	switch {
	case inline != "" && !dev:
		ps.add(p+".client_secret", fmt.Sprintf("remove it from the file and set client_secret_env: %s (or client_secret_file)", suggestedEnv),
			"an inline client_secret is allowed in dev mode only; secrets in config files end up in repositories and backups")
	case n > 1:
		ps.add(p+".client_secret_env", "keep exactly one of client_secret_env and client_secret_file",
			"%s is given more than once; the gateway would not know which to use", what)
	case n == 0 && required:
		ps.add(p+".client_secret_env", fmt.Sprintf("set client_secret_env: %s and export that variable, or set client_secret_file", suggestedEnv),
			"missing secret source: %s must come from an environment variable or a file", what)
	}
}

// checkOrigin checks a bare origin: scheme://host[:port], nothing else. allowHTTP says
// whether http is acceptable in dev mode (the org and site may be local then); loopback
// hosts may use http even outside dev mode, as Salesforce allows for localhost callbacks.
func checkOrigin(ps *problems, p, v string, dev, allowHTTPInDev bool, example string) bool {
	if v == "" {
		ps.add(p, "set it to "+example, "missing")
		return false
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		ps.add(p, "write it as "+example, "%q is not an origin (want https://host[:port])", v)
		return false
	}
	if u.Scheme == "http" && !(dev && allowHTTPInDev) && !isLoopback(u.Hostname()) {
		fix := "use https://" + u.Host
		ps.add(p, fix, "%q uses http:// outside dev mode; visitors' sessions and tokens would cross the network in clear text", v)
		return false
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		ps.add(p, fmt.Sprintf("use %s://%s without the path", u.Scheme, u.Host), "%q is not a bare origin; only scheme://host[:port] is allowed", v)
		return false
	}
	return true
}

// checkIssuerURL accepts an OIDC issuer: an https URL (http in dev or on loopback),
// possibly with a path (an Experience Cloud site's), never a query or fragment.
func checkIssuerURL(ps *problems, p, v string, dev bool) {
	u, err := url.Parse(v)
	fix := "write the issuer exactly as the org's id_tokens name it, e.g. https://login.salesforce.com"
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		ps.add(p, fix, "%q is not an absolute URL", v)
	case u.Scheme == "http" && !dev && !isLoopback(u.Hostname()):
		ps.add(p, "use https://"+u.Host+u.Path, "%q uses http:// outside dev mode", v)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(u.Path, "/"):
		ps.add(p, fix, "%q has user info, a query, a fragment or a trailing slash; an issuer has none", v)
	}
}

// checkSiteURL accepts an Experience Cloud site URL: https (http in dev or on loopback),
// a path prefix of plain segments or none, no query or fragment.
func checkSiteURL(ps *problems, p, v string, dev bool) {
	u, err := url.Parse(v)
	fix := "write the site URL with its path prefix, e.g. https://acme.my.site.com/support"
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		ps.add(p, fix, "%q is not an absolute URL", v)
	case u.Scheme == "http" && !dev && !isLoopback(u.Hostname()):
		ps.add(p, "use https://"+u.Host+u.Path, "%q uses http:// outside dev mode", v)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(u.Path, "//") || strings.ContainsAny(u.Path, " \\"):
		ps.add(p, fix, "%q has user info, a query, a fragment or an odd path; a site URL is origin plus path prefix", v)
	}
}

func checkTrustedDomain(ps *problems, p, v string, dev bool) {
	if strings.Contains(v, "*") {
		ps.add(p, "list each origin exactly, e.g. https://partner.example.org; the gateway does not match wildcards", "%q contains a wildcard", v)
		return
	}
	if !strings.Contains(v, "://") {
		ps.add(p, fmt.Sprintf("use https://%s", strings.TrimSuffix(v, "/")), "%q has no scheme; trusted domains are exact origins", v)
		return
	}
	checkOrigin(ps, p, v, dev, true, "https://partner.example.org")
}

func checkHTTPURL(ps *problems, p, v string, dev bool, fix string) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		ps.add(p, fix, "%q is not an http(s) URL with a host", v)
		return
	}
	if u.Scheme == "http" && !dev && !isLoopback(u.Hostname()) {
		ps.add(p, "use https://"+u.Host+u.EscapedPath(), "%q uses http:// outside dev mode", v)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

func checkListen(ps *problems, p, v string, offOK bool) {
	if offOK && v == "off" {
		return
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		fix := "write host:port or :port, e.g. :8080"
		if offOK {
			fix = "write host:port (e.g. 127.0.0.1:9090) or off"
		}
		ps.add(p, fix, "%q is not a listen address", v)
	}
}

func oneOf(ps *problems, p, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	fix := "use " + strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	if v == "" {
		ps.add(p, fix, "missing")
		return
	}
	if best := closest(v, allowed); best != "" {
		fix = fmt.Sprintf("did you mean %q? (%s)", best, fix)
	}
	ps.add(p, fix, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

func positive(ps *problems, p string, d Duration) {
	if d <= 0 {
		ps.add(p, "use a positive duration such as 30s, 5m or 2h", "%s is not positive", d)
	}
}

func notNegative(ps *problems, p string, d Duration) {
	if d < 0 {
		ps.add(p, "use 0 (no limit) or a positive duration", "%s is negative", d)
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
