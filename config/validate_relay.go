package config

import (
	"fmt"
	"strings"
)

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
