package config

import (
	"fmt"
	"net/netip"
	"strings"
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
	oneOf(ps, "log.format", c.Log.Format)
	oneOf(ps, "log.level", c.Log.Level)
	oneOf(ps, "log.access", c.Log.Access)

	positive(ps, "server.read_header_timeout", c.Server.ReadHeaderTimeout)
	notNegative(ps, "server.read_timeout", c.Server.ReadTimeout)
	positive(ps, "server.body_timeout", c.Server.BodyTimeout)
	notNegative(ps, "server.write_timeout", c.Server.WriteTimeout)
	positive(ps, "server.idle_timeout", c.Server.IdleTimeout)
	positive(ps, "server.shutdown_grace", c.Server.ShutdownGrace)
	if c.Server.MaxHeaderBytes < 0 {
		ps.add("server.max_header_bytes", "use a positive size such as "+example("server.max_header_bytes"), "%d is negative", c.Server.MaxHeaderBytes)
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

// oneOf checks v against the values schema.go's oneof tag allows for the key at p. A
// key without the tag is a mistake in this package, caught by
// TestEveryEnumeratedKeyRefusesOtherValues.
func oneOf(ps *problems, p, v string) {
	k, _ := KeyAt(p)
	allowed := k.OneOf
	if len(allowed) == 0 {
		panic("config: oneOf on " + p + ", which declares no oneof tag")
	}
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

// positiveInt wants a positive number and suggests the key's declared default.
func positiveInt(ps *problems, p string, n int) {
	if n <= 0 {
		ps.add(p, "use a positive number such as "+example(p), "%d is not positive", n)
	}
}

func notNegative(ps *problems, p string, d Duration) {
	if d < 0 {
		ps.add(p, "use 0 (no limit) or a positive duration", "%s is negative", d)
	}
}
