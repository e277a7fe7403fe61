package config

import (
	"fmt"
	"strings"
)

// Warnings lists settings that are valid but likely to fail against a real org. They do
// not stop the gateway; `logateway check` prints them and serve logs them at start.
func Warnings(c *Config) []Problem {
	var ps problems
	for i := range c.Sites {
		siteWarnings(&c.Sites[i], fmt.Sprintf("sites[%d]", i), &ps)
	}
	return ps.list
}

// accScopes are the scopes Salesforce's setup guide for the ACC over Lightning Out 2.0
// selects on the ECA besides web; full covers them.
var accScopes = []string{"api", "lightning"}

func siteWarnings(s *Site, p string, ps *problems) {
	orgTypeWarnings(s, p, ps)
	if !s.Embeds() || hasAny(s.ECA.Scopes, "full") {
		return
	}
	for _, want := range accScopes {
		if !hasAny(s.ECA.Scopes, want) {
			ps.add(p+".eca.scopes", fmt.Sprintf("add %s here and select %q on the ECA", want, ScopeLabel(want)),
				"no %s scope, but the site embeds Lightning Out: Salesforce's setup guide for the Agentforce Conversation Client selects api, web and lightning, and the embed may not load without it", want)
		}
	}
}

func hasAny(list []string, want ...string) bool {
	for _, v := range list {
		for _, w := range want {
			if v == w {
				return true
			}
		}
	}
	return false
}

// orgTypeWarnings: a sandbox (My Domain *.sandbox.my.salesforce.com) accepts JWT
// assertions for https://test.salesforce.com, a production org for
// https://login.salesforce.com; the other generic host is refused (audience is invalid).
func orgTypeWarnings(s *Site, p string, ps *problems) {
	jwt := s.Signin.Flow == "jwt-bearer"
	for _, r := range s.APIRelay {
		jwt = jwt || (r.Identity == "service" && r.ServiceFlow == "jwt-bearer")
	}
	aud := s.Signin.JWT.Audience
	switch {
	case jwt && s.IsSandbox() && aud == DefaultJWTAudience:
		ps.add(p+".signin.jwt.audience", "set it to "+SandboxJWTAudience+" (or remove it: that is the default for a sandbox)",
			"%s is the production login host, but org.my_domain %s is a sandbox: Salesforce refuses the assertion (audience is invalid)", aud, s.Org.MyDomain)
	case jwt && !s.IsSandbox() && aud == SandboxJWTAudience:
		ps.add(p+".signin.jwt.audience", "set it to "+DefaultJWTAudience+" (or remove it) unless the org is a sandbox",
			"%s is the sandbox login host, but org.my_domain %s is not a sandbox (*.sandbox.my.salesforce.com)", aud, s.Org.MyDomain)
	}
	if s.IsSandbox() && strings.EqualFold(s.Org.LoginURL, DefaultJWTAudience) {
		ps.add(p+".org.login_url", "remove it (the My Domain is used) or set it to "+SandboxJWTAudience,
			"login.salesforce.com does not sign in users of a sandbox such as %s", s.Org.MyDomain)
	}
}
