package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var scopeToken = regexp.MustCompile(`^[A-Za-z0-9_.:/-]+$`)

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
	oneOf(ps, p+".eca.ui_bridge", e.UIBridge)
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
