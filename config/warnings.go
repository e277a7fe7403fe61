package config

import "fmt"

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
