package config

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// scopeLabels are the names Setup shows for each OAuth scope (docs/salesforce.md §1.2). Several API
// names share one label; the checklist prints each label once.
var scopeLabels = map[string]string{
	"web":                "Manage user data via Web browsers (web)",
	"full":               "Full access (full)",
	"api":                "Manage user data via APIs (api)",
	"refresh_token":      "Perform requests at any time (refresh_token, offline_access)",
	"offline_access":     "Perform requests at any time (refresh_token, offline_access)",
	"openid":             "Access unique user identifiers (openid)",
	"id":                 "Access the identity URL service (id, profile, email, address, phone)",
	"profile":            "Access the identity URL service (id, profile, email, address, phone)",
	"email":              "Access the identity URL service (id, profile, email, address, phone)",
	"address":            "Access the identity URL service (id, profile, email, address, phone)",
	"phone":              "Access the identity URL service (id, profile, email, address, phone)",
	"interaction_api":    "Access Interaction API resources (interaction_api)",
	"lightning":          "Access Lightning applications (lightning)",
	"visualforce":        "Access Visualforce applications (visualforce)",
	"content":            "Access content resources (content)",
	"custom_permissions": "Access custom permissions (custom_permissions)",
}

// ScopeLabel returns the Setup label of an OAuth scope, or a pointer to its API name
// when the label is not known here.
func ScopeLabel(scope string) string {
	if l, ok := scopeLabels[scope]; ok {
		return l
	}
	return fmt.Sprintf("the scope whose API name is %q (check the org's scopes_supported)", scope)
}

// accWrapper is the component the ACC Web SDK and the native bootstrap render; it must be
// listed in the Lightning Out app or the chat renders blank.
const accWrapper = "runtime_copilot/accSdkWrapper"

// Checklist writes, for each site, the numbered Salesforce Setup steps that make the org
// match the configuration: values are printed exactly as they must be entered, so an
// admin can copy them. Metadata API names are given as hints for teams that deploy
// settings instead of clicking.
func Checklist(w io.Writer, c *Config) {
	for i := range c.Sites {
		if i > 0 {
			fmt.Fprintln(w)
		}
		siteChecklist(w, c, &c.Sites[i], i)
	}
}

type steps struct {
	w io.Writer
	n int
}

func (s *steps) step(format string, args ...any) {
	s.n++
	fmt.Fprintf(s.w, "%2d. "+format+"\n", append([]any{s.n}, args...)...)
}

func (s *steps) line(format string, args ...any) {
	fmt.Fprintf(s.w, "      "+format+"\n", args...)
}

func siteChecklist(w io.Writer, c *Config, s *Site, idx int) {
	fmt.Fprintf(w, "Salesforce Setup checklist for sites[%d] %s (org %s)\n", idx, s.URL, s.Org.MyDomain)
	if s.IsSandbox() {
		fmt.Fprintf(w, "    SANDBOX: users log in at %s (not login.salesforce.com); JWT bearer assertions carry aud %s (signin.jwt.audience is %s).\n",
			SandboxJWTAudience, SandboxJWTAudience, s.Signin.JWT.Audience)
		fmt.Fprintln(w, "    Make these settings in the sandbox itself: a sandbox refresh copies production's Setup and its External Client Apps get new consumer keys.")
	}
	if c.Dev {
		fmt.Fprintln(w, "    DEV MODE: the emulated org already matches this; the steps below are what a real org needs.")
	}
	st := newSiteSteps(w, c, s)
	st.externalClientApp()
	st.flowEnablement()
	st.security()
	st.policies()
	if s.Embeds() {
		st.lightningOut()
	}
	st.signOutAndTheRest()
	fmt.Fprintln(w, "    Salesforce takes several minutes (about 10) to apply changes to the app.")
}

// siteSteps numbers the Setup steps of one site and knows which flows it uses.
type siteSteps struct {
	*steps
	c *Config
	s *Site

	jwtSignin             bool     // signin.flow jwt-bearer
	serviceJWT, serviceCC bool     // some api_relay route uses that service flow
	ccPrefixes            []string // the client-credentials routes' prefixes
}

func newSiteSteps(w io.Writer, c *Config, s *Site) *siteSteps {
	st := &siteSteps{steps: &steps{w: w}, c: c, s: s, jwtSignin: s.Signin.Flow == "jwt-bearer"}
	for _, r := range s.APIRelay {
		if r.Identity != "service" {
			continue
		}
		switch r.ServiceFlow {
		case "jwt-bearer":
			st.serviceJWT = true
		case "client-credentials":
			st.serviceCC = true
			st.ccPrefixes = append(st.ccPrefixes, r.Prefix)
		}
	}
	return st
}

func (st *siteSteps) hasScope(name string) bool { return slices.Contains(st.s.ECA.Scopes, name) }

func (st *siteSteps) externalClientApp() {
	s := st.s
	st.step("Setup → External Client App Manager → New External Client App (or edit the existing one):")
	st.line("Distribution State: Local; contact email: yours")
	st.line("API (Enable OAuth Settings): checked")
	st.step("OAuth Settings → Callback URL (exactly this, one per line):")
	st.line("%s", s.CallbackURL())
	st.step("OAuth Settings → Selected OAuth Scopes — move these to Selected:")
	for _, l := range consentLabels(s.ECA.Scopes) {
		st.line("- %s", l)
	}
	if s.Embeds() && !st.hasScope("full") {
		for _, want := range accScopes {
			if !st.hasScope(want) {
				st.line("- %s — Salesforce's ACC setup guide selects it too; add %s to eca.scopes", ScopeLabel(want), want)
			}
		}
	}
	if !st.hasScope("refresh_token") && !st.hasScope("offline_access") {
		st.line("note: without refresh_token a visitor must sign in again when the org session (%s) ends", s.Org.SessionTimeout)
	}
}

func (st *siteSteps) flowEnablement() {
	s := st.s
	st.step("OAuth Settings → Flow Enablement:")
	if s.Signin.Flow == "web-server" {
		st.line("Enable Authorization Code and Credentials Flow: checked")
	}
	if st.jwtSignin || st.serviceJWT {
		cert := "the certificate made with the key in signin.jwt.key_file (`logateway keygen`)"
		if s.Signin.JWT.CertFile != "" {
			cert = s.Signin.JWT.CertFile
		}
		st.line("Enable JWT Bearer Flow: checked; upload certificate: %s", cert)
	}
	if st.serviceCC {
		st.line("Enable Client Credentials Flow: checked, with a Run As user — used only by api_relay %s", strings.Join(st.ccPrefixes, ", "))
		st.line("(never for the embed: Salesforce strips the web scope from those tokens, so Lightning Out cannot use them)")
	} else {
		st.line("Enable Client Credentials Flow: unchecked (it has no user; Salesforce strips the web scope, so it cannot serve the embed)")
	}
}

func (st *siteSteps) security() {
	s := st.s
	st.step("OAuth Settings → Security:")
	if s.Signin.Flow == "web-server" {
		st.line("Require secret for Web Server Flow: checked (the gateway sends it server-side)")
		st.line("Require secret for Refresh Token Flow: checked")
		if s.ECA.PKCE != nil && *s.ECA.PKCE {
			st.line("Require Proof Key for Code Exchange (PKCE) extension for Supported Authorization Flows: checked")
		} else {
			st.line("Require Proof Key for Code Exchange (PKCE) extension for Supported Authorization Flows: unchecked (eca.pkce is false)")
		}
	}
	st.line("Enable Refresh Token Rotation: optional (the gateway keeps the newest refresh token)")
	if st.hasScope("interaction_api") {
		st.line("Issue JWT-based access tokens for named users: checked (the Interaction Service API requires it)")
	}
}

func (st *siteSteps) policies() {
	c, s := st.c, st.s
	st.step("External Client App → Policies → OAuth Policies:")
	if st.jwtSignin || st.serviceJWT {
		st.line("Permitted Users: Admin approved users are pre-authorized")
		st.line("Select Profiles / Select Permission Sets: add the ones held by every user the gateway acts as")
		if st.jwtSignin {
			st.line("(every visitor's Salesforce username, from the IdP claim signin.idp.username_claim = %s; without it Salesforce answers \"user is not admin approved to access this app\")", s.Signin.IdP.UsernameClaim)
		}
		for _, r := range s.APIRelay {
			if r.Identity == "service" && r.ServiceFlow == "jwt-bearer" {
				st.line("(and the service user %s for api_relay %s)", r.ServiceUsername, r.Prefix)
			}
		}
		st.line("Visitors never see a consent page: the app is pre-approved for them.")
	} else {
		st.line("Permitted Users: All users may self-authorize — then each visitor sees Salesforce's \"Allow Access?\" page at the")
		st.line("first sign-in, asking them to allow the app (its name from step 1) to:")
		for _, l := range consentLabels(s.ECA.Scopes) {
			st.line("  - %s", l)
		}
		st.line("To spare visitors that page, pre-approve the app: Permitted Users = Admin approved users are pre-authorized,")
		st.line("then Manage Profiles / Manage Permission Sets: add the ones every visitor holds. Users without one are refused")
		st.line("(\"user is not admin approved to access this app\"; the gateway shows them a polite 403 page).")
	}
	if st.hasScope("refresh_token") || st.hasScope("offline_access") {
		st.line("Refresh Token Policy: Refresh token is valid until revoked, or expires no sooner than session.absolute_timeout (%s)", c.Session.AbsoluteTimeout)
	}
	st.line("Session Policies → Timeout Value: %s (must equal org.session_timeout; Salesforce sends no expires_in)", s.Org.SessionTimeout)
	st.line("Then copy Consumer Key → eca.client_id (%s)%s", s.ECA.ClientID, secretHint(s))
}

// lightningOut is the Lightning Out app, the Experience Cloud site, the trusted
// iframe domains and the cookie policy: only for a site that embeds.
func (st *siteSteps) lightningOut() {
	s := st.s
	hostOrigins := append([]string{s.URL}, s.TrustedDomains...)
	st.step("Setup → Lightning Out 2.0 App Manager → New Lightning Out 2.0 App (or edit it):")
	st.line("App Status: Enabled")
	st.line("Host Page Domain Names (one per line, https://, no trailing slash):")
	for _, o := range hostOrigins {
		st.line("  %s", o)
	}
	st.line("App Components:")
	if !s.ACC.Disabled {
		st.line("  %s", accWrapper)
	}
	for _, comp := range s.LightningOut.Components {
		st.line("  %s (and every child component it renders)", comp)
	}
	if s.LightningOut.AppID != "" {
		st.line("App id shown there must equal lightning_out.app_id: %s", s.LightningOut.AppID)
	} else {
		st.line("Copy the app id (starts with 1Us) into lightning_out.app_id")
	}
	if !s.ACC.Disabled {
		st.line("Agent %s (%s) must be active and available to the visitors' users", orDash(s.ACC.AgentLabel), s.ACC.AgentID)
	}

	if s.Org.SiteURL != "" {
		st.step("Experience Cloud site %s (Lightning Out site-prefix %q):", s.Org.SiteURL, s.SitePrefix())
		st.line("Visitors sign in as members of this site: the External Client App's policies must admit their profiles or permission sets")
		st.line("Sign-in, tokens and frontdoor URLs go through the site (org.login_url %s); JWT bearer assertions carry aud %s", s.Org.LoginURL, s.Signin.JWT.Audience)
		st.line("Lightning Out loads the components from %s/lightning-out, so the site must be published and active", s.Org.SiteURL)
	}

	st.step("Setup → Session Settings → Trusted Domains for Inline Frames → Add Domain, IFrame Type: Lightning Out:")
	for _, o := range hostOrigins {
		st.line("%s", hostOf(o))
	}
	st.line("(metadata: IframeWhiteListUrlSettings, context LightningOut; a deploy replaces the whole list)")

	st.step("Setup → My Domain → Routing and Policies: deselect \"Require first-party use of Salesforce cookies\"")
	st.line("(metadata: MyDomainSettings.isFirstPartyCookieUseRequired = false; Lightning Out needs cross-domain session cookies)")
}

func (st *siteSteps) signOutAndTheRest() {
	s := st.s
	st.step("Sign-out: the gateway revokes the visitor's token, then sends the browser to the org's end-session endpoint")
	st.line("(%s/services/auth/idp/oidc/logout, from its discovery document) to end the Salesforce session too, asking it", strings.TrimRight(s.Org.MyDomain, "/"))
	st.line("to send the visitor back to: %s", strings.TrimRight(s.URL, "/")+"/__lo/signedout")
	st.line("If visitors stay on Salesforce's \"You are logged out\" page instead, the org did not accept that address:")
	st.line("allow it as the app's logout (post-logout redirect) URL.")
	st.step("CORS: nothing to add for the gateway — it calls the OAuth and UI Bridge endpoints server-side.")
	st.line("Only if your own browser code calls Salesforce directly: Setup → CORS → add %s (CorsWhitelistOrigin)", s.URL)
	st.line("and tick Enable CORS for OAuth endpoints (SecuritySettings.sessionSettings.enableOauthCorsPolicy).")
	st.step("Trusted URLs (CSP Trusted Sites): only if a Salesforce-served page must call or frame %s (CspTrustedSite); not needed for the embed itself.", s.URL)
	st.step("Users: not \"API Only User\" (the UI Bridge API refuses their tokens); permitted to use the app%s.", agentHint(s))
	if s.Embeds() {
		st.step("Visitors' browsers must allow third-party cookies for the org's domains (Safari: Prevent cross-site tracking), or serve the org on a custom domain under the site's registrable domain.")
	}
}

// consentLabels are the lines Salesforce's consent page lists for the scopes: each
// Setup label once, in the order the scopes are configured.
func consentLabels(scopes []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, sc := range scopes {
		if l := ScopeLabel(sc); !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

func secretHint(s *Site) string {
	switch {
	case s.ECA.ClientSecretEnv != "":
		return "; Consumer Secret → environment variable " + s.ECA.ClientSecretEnv
	case s.ECA.ClientSecretFile != "":
		return "; Consumer Secret → file " + s.ECA.ClientSecretFile
	}
	return ""
}

func agentHint(s *Site) string {
	if s.Embeds() && !s.ACC.Disabled {
		return " and to reach the agent"
	}
	return ""
}

func orDash(v string) string {
	if v == "" {
		return "-"
	}
	return v
}

func hostOf(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return origin
	}
	return u.Host
}
