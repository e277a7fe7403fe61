package config

import (
	"strings"
	"testing"
)

// validConfig is a complete production config as Load would return it, before Normalize.
func validConfig() *Config {
	return &Config{
		Session: Session{KeysEnv: "KEYS", Keys: [][]byte{[]byte(sessionKey1)}},
		Sites: []Site{{
			URL:          "https://www.example.com",
			Org:          Org{MyDomain: "https://acme.my.salesforce.com"},
			ECA:          ECA{ClientID: "abc", ClientSecretEnv: "SECRET", Secret: "s"},
			LightningOut: LightningOut{AppID: "1UsAb000000Xyz1CAA"},
			ACC:          ACC{AgentID: "0XxAb000000Xyz1CAA"},
		}},
	}
}

func TestValidateRules(t *testing.T) {
	type mut = func(c *Config)
	site := func(f func(s *Site)) mut { return func(c *Config) { f(&c.Sites[0]) } }
	jwtSite := func(s *Site) {
		s.Signin.Flow = "jwt-bearer"
		s.Signin.IdP = IdP{Issuer: "https://acme.okta.com/oauth2/default", ClientID: "okta", ClientSecretEnv: "OKTA"}
		s.Signin.JWT.KeyFile = "/k"
	}
	cases := []struct {
		name     string
		dev      bool
		mutate   mut
		wantPath string // "" = valid
		wantMsg  string
	}{
		{"the base config is valid", false, func(*Config) {}, "", ""},

		{"a bad listen address is refused", false, func(c *Config) { c.Listen = "8080" }, "listen", "not a listen address"},
		{"admin_listen off is allowed", false, func(c *Config) { c.AdminListen = "off" }, "", ""},
		{"an unknown log format is refused", false, func(c *Config) { c.Log.Format = "xml" }, "log.format", `"xml" is not one of`},
		{"an unknown log level is refused", false, func(c *Config) { c.Log.Level = "verbose" }, "log.level", "not one of"},
		{"a negative server timeout is refused", false, func(c *Config) { c.Server.ReadHeaderTimeout = -1 }, "server.read_header_timeout", "not positive"},

		{"an unknown session store is refused", false, func(c *Config) { c.Session.Store = "disk" }, "session.store", "not one of"},
		{"redis without addresses is refused", false, func(c *Config) { c.Session.Store = "redis" }, "session.redis.addrs", "no addresses"},
		{"redis with an address is valid", false, func(c *Config) { c.Session.Store = "redis"; c.Session.Redis.Addrs = []string{"127.0.0.1:6379"} }, "", ""},
		{"a redis local cache of 2s is valid", false, func(c *Config) {
			c.Session.Store = "redis"
			c.Session.Redis.Addrs = []string{"127.0.0.1:6379"}
			c.Session.Redis.LocalCacheTTL = Duration(2e9)
		}, "", ""},
		{"a redis local cache turned off is valid", false, func(c *Config) {
			c.Session.Store = "redis"
			c.Session.Redis.Addrs = []string{"127.0.0.1:6379"}
			c.Session.Redis.LocalCacheTTL = Off
		}, "", ""},
		{"off where a positive duration is needed is refused", false, func(c *Config) {
			c.Session.Store = "redis"
			c.Session.Redis.Addrs = []string{"127.0.0.1:6379"}
			c.Session.Redis.ReadTimeout = Off
		}, "session.redis.read_timeout", "off is not positive"},
		{"a redis local cache under 100ms is refused", false, func(c *Config) {
			c.Session.Store = "redis"
			c.Session.Redis.Addrs = []string{"127.0.0.1:6379"}
			c.Session.Redis.LocalCacheTTL = Duration(50e6)
		}, "session.redis.local_cache_ttl", "outside 100ms..10s"},
		{"a redis local cache over 10s is refused", false, func(c *Config) {
			c.Session.Store = "redis"
			c.Session.Redis.Addrs = []string{"127.0.0.1:6379"}
			c.Session.Redis.LocalCacheTTL = Duration(11e9)
		}, "session.redis.local_cache_ttl", "outside 100ms..10s"},
		{"a redis address without port is refused", false, func(c *Config) { c.Session.Store = "redis"; c.Session.Redis.Addrs = []string{"redis"} }, "session.redis.addrs[0]", "not host:port"},
		{"session keys missing outside dev are refused", false, func(c *Config) { c.Session.KeysEnv = ""; c.Session.Keys = nil }, "session.keys_env", "no session keys"},
		{"session keys missing in dev are allowed", true, func(c *Config) { c.Session.KeysEnv = ""; c.Session.Keys = nil }, "", ""},
		{"a short session key is refused", false, func(c *Config) { c.Session.Keys = [][]byte{[]byte("short")} }, "session.keys_env", "key 1 of 1 is 5 bytes"},
		{"both keys_env and keys_file are refused", false, func(c *Config) { c.Session.KeysFile = "/k" }, "session.keys_env", "both"},
		{"idle timeout longer than absolute is refused", false, func(c *Config) { c.Session.IdleTimeout = Duration(13 * 3600e9) }, "session.idle_timeout", "longer than"},
		{"an invalid trusted proxy is refused", false, func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/33"} }, "trusted_proxies[0]", "neither a CIDR"},
		{"trusted proxies as CIDR and address are valid", false, func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8", "192.168.1.1", "::1"} }, "", ""},
		{"no sites is refused", false, func(c *Config) { c.Sites = nil }, "sites", "no sites"},

		{"a site URL that does not parse is refused", false, site(func(s *Site) { s.URL = "www.example.com" }), "sites[0].url", "not an origin"},
		{"an http public URL outside dev mode is refused", false, site(func(s *Site) { s.URL = "http://www.example.com" }), "sites[0].url", "uses http:// outside dev mode"},
		{"an http public URL in dev mode is allowed", true, site(func(s *Site) { s.URL = "http://gw.test:8080" }), "", ""},
		{"an http localhost URL is allowed", false, site(func(s *Site) { s.URL = "http://localhost:8080" }), "", ""},
		{"a site URL with a path is refused", false, site(func(s *Site) { s.URL = "https://www.example.com/app" }), "sites[0].url", "not a bare origin"},
		{"a site URL with a trailing slash is tidied", false, site(func(s *Site) { s.URL = "https://www.example.com/" }), "", ""},
		{"duplicate site hosts are refused", false, func(c *Config) { c.Sites = append(c.Sites, c.Sites[0]) }, "sites[1].url", "already used by sites[0]"},
		{"a missing my_domain is refused", false, site(func(s *Site) { s.Org.MyDomain = "" }), "sites[0].org.my_domain", "missing"},
		{"an http my_domain outside dev is refused", false, site(func(s *Site) { s.Org.MyDomain = "http://acme.my.salesforce.com" }), "sites[0].org.my_domain", "http://"},
		{"an http my_domain in dev is allowed", true, site(func(s *Site) { s.Org.MyDomain = "http://org.test" }), "", ""},
		{"a my_domain with a path is refused", false, site(func(s *Site) { s.Org.MyDomain = "https://acme.my.salesforce.com/x" }), "sites[0].org.my_domain", "bare origin"},
		{"a refresh margin longer than the session is refused", false, site(func(s *Site) { s.Org.RefreshMargin = Duration(3 * 3600e9) }), "sites[0].org.refresh_margin", "not shorter"},

		{"a missing client id is refused", false, site(func(s *Site) { s.ECA.ClientID = "" }), "sites[0].eca.client_id", "missing"},
		{"a missing secret source is refused", false, site(func(s *Site) { s.ECA.ClientSecretEnv = "" }), "sites[0].eca.client_secret_env", "missing secret source"},
		{"two secret sources are refused", false, site(func(s *Site) { s.ECA.ClientSecretFile = "/s" }), "sites[0].eca.client_secret_env", "more than once"},
		{"an inline secret outside dev is refused", false, site(func(s *Site) { s.ECA.ClientSecretEnv = ""; s.ECA.ClientSecret = "hunter2" }), "sites[0].eca.client_secret", "dev mode only"},
		{"an inline secret in dev is allowed", true, site(func(s *Site) { s.ECA.ClientSecretEnv = ""; s.ECA.ClientSecret = "hunter2" }), "", ""},
		{"a callback URL on another origin is refused", false, site(func(s *Site) { s.ECA.CallbackPath = "https://other.example/cb" }), "sites[0].eca.callback_path", `"https://other.example/cb" is not on the site's origin https://www.example.com`},
		{"a callback URL on the site's origin becomes its path", false, site(func(s *Site) { s.ECA.CallbackPath = "https://www.example.com/oauth/cb" }), "", ""},
		{"a callback path without slash is refused", false, site(func(s *Site) { s.ECA.CallbackPath = "callback.html" }), "sites[0].eca.callback_path", "does not start with /"},
		{"a callback path under /__lo/ is refused", false, site(func(s *Site) { s.ECA.CallbackPath = "/__lo/callback" }), "sites[0].eca.callback_path", "reserves"},
		{"an embed without web or full scope is refused", false, site(func(s *Site) { s.ECA.Scopes = []string{"openid", "api"} }), "sites[0].eca.scopes", "no web or full scope"},
		{"an embed with full scope is valid", false, site(func(s *Site) { s.ECA.Scopes = []string{"full", "openid"} }), "", ""},
		{"a site without embed needs no web scope", false, site(func(s *Site) { s.ACC.Disabled = true; s.ECA.Scopes = []string{"openid", "api"} }), "", ""},
		{"plain components need the web scope", false, site(func(s *Site) {
			s.ACC.Disabled = true
			s.LightningOut.Components = []string{"c-my-comp"}
			s.ECA.Scopes = []string{"openid"}
		}), "sites[0].eca.scopes", "no web or full scope"},
		{"web-server without openid is refused", false, site(func(s *Site) { s.ECA.Scopes = []string{"web"} }), "sites[0].eca.scopes", "no openid scope"},
		{"a comma-joined scope is refused", false, site(func(s *Site) { s.ECA.Scopes = []string{"web,openid", "web", "openid"} }), "sites[0].eca.scopes[0]", "not a single scope"},
		{"an unknown ui_bridge is refused", false, site(func(s *Site) { s.ECA.UIBridge = "lightningout" }), "sites[0].eca.ui_bridge", "not one of"},
		{"ui_bridge lightning_out without app id is refused", false, site(func(s *Site) { s.ECA.UIBridge = "lightning_out"; s.LightningOut.AppID = "" }), "sites[0].lightning_out.app_id", "missing"},

		{"the client-credentials flow for an embed is refused with the reason", false, site(func(s *Site) { s.Signin.Flow = "client-credentials" }), "sites[0].signin.flow", "Salesforce strips the web scope"},
		{"an unknown sign-in flow is refused", false, site(func(s *Site) { s.Signin.Flow = "password" }), "sites[0].signin.flow", "not a sign-in flow"},
		{"an unknown prompt is refused", false, site(func(s *Site) { s.Signin.Prompt = "none" }), "sites[0].signin.prompt", "not a Salesforce prompt"},
		{"jwt-bearer with everything set is valid", false, site(jwtSite), "", ""},
		{"jwt-bearer needs no ECA secret", false, site(func(s *Site) { jwtSite(s); s.ECA.ClientSecretEnv = "" }), "", ""},
		{"jwt-bearer without issuer is refused", false, site(func(s *Site) { jwtSite(s); s.Signin.IdP.Issuer = "" }), "sites[0].signin.idp.issuer", "missing"},
		{"jwt-bearer without IdP client id is refused", false, site(func(s *Site) { jwtSite(s); s.Signin.IdP.ClientID = "" }), "sites[0].signin.idp.client_id", "missing"},
		{"jwt-bearer without IdP secret is refused", false, site(func(s *Site) { jwtSite(s); s.Signin.IdP.ClientSecretEnv = "" }), "sites[0].signin.idp.client_secret_env", "missing secret source"},
		{"jwt-bearer without key file is refused", false, site(func(s *Site) { jwtSite(s); s.Signin.JWT.KeyFile = "" }), "sites[0].signin.jwt.key_file", "missing"},
		{"a jwt audience with a path is refused", false, site(func(s *Site) {
			jwtSite(s)
			s.Signin.JWT.Audience = "https://login.salesforce.com/services/oauth2/token"
		}), "sites[0].signin.jwt.audience", "bare origin"},
		{"a jwt audience over http is refused", false, site(func(s *Site) { jwtSite(s); s.Signin.JWT.Audience = "http://login.salesforce.com" }), "sites[0].signin.jwt.audience", "http://"},
		{"a username template without placeholder is refused", false, site(func(s *Site) { jwtSite(s); s.Signin.IdP.UsernameTemplate = "admin@acme.com" }), "sites[0].signin.idp.username_template", "same Salesforce user"},

		{"a malformed app id is refused", false, site(func(s *Site) { s.LightningOut.AppID = "1Us123" }), "sites[0].lightning_out.app_id", "not a Lightning Out app id"},
		{"an unknown bootstrap is refused", false, site(func(s *Site) { s.LightningOut.Bootstrap = "iframe" }), "sites[0].lightning_out.bootstrap", "not a bootstrap mode"},
		{"sdk bootstrap without sdk_url is refused", false, site(func(s *Site) { s.LightningOut.Bootstrap = "sdk" }), "sites[0].lightning_out.sdk_url", "missing"},
		{"sdk bootstrap with a local sdk path is valid", false, site(func(s *Site) { s.LightningOut.Bootstrap = "sdk"; s.LightningOut.SDKURL = "/__lo/static/acc.js" }), "", ""},
		{"an Aura component name is refused", false, site(func(s *Site) { s.LightningOut.Components = []string{"c:myComp"} }), "sites[0].lightning_out.components[0]", "not a Lightning web component"},
		{"a remint interval beyond the session is refused", false, site(func(s *Site) { s.LightningOut.RemintInterval = Duration(3 * 3600e9) }), "sites[0].lightning_out.remint_interval", "not shorter"},

		{"a missing agent id is refused", false, site(func(s *Site) { s.ACC.AgentID = "" }), "sites[0].acc.agent_id", "missing"},
		{"a malformed agent id is refused", false, site(func(s *Site) { s.ACC.AgentID = "0Xxdevorg00000AAA" }), "sites[0].acc.agent_id", "not an agent id"},
		{"an unknown ACC mode is refused", false, site(func(s *Site) { s.ACC.Mode = "docked" }), "sites[0].acc.mode", "not one of"},
		{"an embed path without slash is refused", false, site(func(s *Site) { s.Embed.Path = "embed" }), "sites[0].embed.path", "does not start with /"},
		{"embed path off is valid", false, site(func(s *Site) { s.Embed.Path = "off" }), "", ""},

		{"an upstream without scheme is refused", false, site(func(s *Site) { s.Upstream.URL = "web:3000" }), "sites[0].upstream.url", "not an http(s) URL"},
		{"an upstream without host is refused", false, site(func(s *Site) { s.Upstream.URL = "http://" }), "sites[0].upstream.url", "no host"},
		{"an http upstream is valid", false, site(func(s *Site) { s.Upstream.URL = "http://web.internal:3000" }), "", ""},
		{"forward-auth with trusted proxies and no upstream is valid", false, func(c *Config) {
			c.TrustedProxies = []string{"10.0.0.0/8"}
			c.Sites[0].ForwardAuth.Enabled = true
		}, "", ""},
		{"forward-auth without trusted proxies is refused", false, site(func(s *Site) { s.ForwardAuth.Enabled = true }), "trusted_proxies", "believed only from trusted proxies"},
		{"forward-auth with an upstream is refused", false, func(c *Config) {
			c.TrustedProxies = []string{"10.0.0.0/8"}
			c.Sites[0].ForwardAuth.Enabled = true
			c.Sites[0].Upstream.URL = "http://web:3000"
		}, "sites[0].upstream.url", "either behind the gateway or behind its own proxy"},
		{"forward-auth with injection is refused", false, func(c *Config) {
			c.TrustedProxies = []string{"10.0.0.0/8"}
			c.Sites[0].ForwardAuth.Enabled = true
			c.Sites[0].Inject.Enabled = true
		}, "sites[0].inject.enabled", "does not see"},
		{"insecure upstream TLS outside dev is refused", false, site(func(s *Site) { s.Upstream.TLSInsecure = true }), "sites[0].upstream.tls_insecure_skip_verify", "dev mode only"},

		{"an access rule without slash is refused", false, site(func(s *Site) { s.Access = []AccessRule{{Path: "app/", Access: "protected"}} }), "sites[0].access[0].path", "does not start with /"},
		{"an unknown access value is refused", false, site(func(s *Site) { s.Access = []AccessRule{{Path: "/app/", Access: "private"}} }), "sites[0].access[0].access", "not one of"},
		{"an unknown default access is refused", false, site(func(s *Site) { s.DefaultAccess = "closed" }), "sites[0].default_access", "not one of"},

		{"a trusted domain with a path is refused", false, site(func(s *Site) { s.TrustedDomains = []string{"https://partner.example.org/embed"} }), "sites[0].trusted_domains[0]", "not a bare origin"},
		{"a trusted domain with a wildcard is refused", false, site(func(s *Site) { s.TrustedDomains = []string{"https://*.example.org"} }), "sites[0].trusted_domains[0]", "wildcard"},
		{"a trusted domain without scheme is refused", false, site(func(s *Site) { s.TrustedDomains = []string{"partner.example.org"} }), "sites[0].trusted_domains[0]", "no scheme"},
		{"a trusted domain with a port is valid", false, site(func(s *Site) { s.TrustedDomains = []string{"https://partner.example.org:8443"} }), "", ""},

		{"same_site strict is refused with the reason", false, site(func(s *Site) { s.Cookie.SameSite = "strict" }), "sites[0].cookie.same_site", "sign-in could never finish"},
		{"same_site none on an https site is valid", false, site(func(s *Site) { s.Cookie.SameSite = "none"; s.Cookie.Partitioned = true }), "", ""},
		{"same_site none on http localhost outside dev is refused", false, site(func(s *Site) { s.URL = "http://localhost:8080"; s.Cookie.SameSite = "none" }), "sites[0].cookie.same_site", "Secure"},
		{"an org_id that is no org id is refused", false, site(func(s *Site) { s.Org.OrgID = "005xx0000012345" }), "sites[0].org.org_id", "not a Salesforce org id"},
		{"an 18-character org_id is valid", false, site(func(s *Site) { s.Org.OrgID = "00D5e000000AbCdEAB" }), "", ""},
		{"an unknown cross_site mode is refused", false, site(func(s *Site) { s.Cookie.CrossSite = "allow" }), "sites[0].cookie.cross_site", "not a cross-site mode"},
		{"partitioned without same_site none is refused", false, site(func(s *Site) { s.Cookie.Partitioned = true }), "sites[0].cookie.partitioned", "only matter with same_site none"},
		{"a bad identity header name is refused", false, site(func(s *Site) { s.IdentityHeaders.Email = "X Email" }), "sites[0].identity_headers.email", "not a valid header name"},
		{"a disabled identity header is valid", false, site(func(s *Site) { s.IdentityHeaders.Email = "-" }), "", ""},

		{"a relay prefix without slash is refused", false, site(func(s *Site) { s.APIRelay = []APIRoute{{Prefix: "api/"}} }), "sites[0].api_relay[0].prefix", "does not start with /"},
		{"an unknown relay identity is refused", false, site(func(s *Site) { s.APIRelay = []APIRoute{{Prefix: "/api/", Identity: "robot"}} }), "sites[0].api_relay[0].identity", "not an identity"},
		{"a service relay without flow is refused", false, site(func(s *Site) { s.APIRelay = []APIRoute{{Prefix: "/api/", Identity: "service"}} }), "sites[0].api_relay[0].service_flow", "missing"},
		{"a client-credentials service relay is valid", false, site(func(s *Site) {
			s.APIRelay = []APIRoute{{Prefix: "/api/", Identity: "service", ServiceFlow: "client-credentials"}}
		}), "", ""},
		{"a jwt-bearer service relay without username is refused", false, site(func(s *Site) {
			s.Signin.JWT.KeyFile = "/k"
			s.APIRelay = []APIRoute{{Prefix: "/api/", Identity: "service", ServiceFlow: "jwt-bearer"}}
		}), "sites[0].api_relay[0].service_username", "missing"},
		{"a jwt-bearer service relay without key file is refused", false, site(func(s *Site) {
			s.APIRelay = []APIRoute{{Prefix: "/api/", Identity: "service", ServiceFlow: "jwt-bearer", ServiceUsername: "u@x"}}
		}), "sites[0].signin.jwt.key_file", "missing"},
		{"duplicate relay prefixes are refused", false, site(func(s *Site) { s.APIRelay = []APIRoute{{Prefix: "/api/"}, {Prefix: "/api/"}} }), "sites[0].api_relay[1].prefix", "already used"},
		{"a non-positive frontdoor rate is refused", false, site(func(s *Site) { s.RateLimit.FrontdoorPerMinute = -1 }), "sites[0].rate_limit.frontdoor_per_minute", "not positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			c.Dev = tc.dev
			tc.mutate(c)
			c.Normalize()
			ps := problemsOf(t, Validate(c))
			if tc.wantPath == "" {
				if len(ps) != 0 {
					t.Fatalf("want no problems, got:\n%v", Validate(c))
				}
				return
			}
			if len(ps) != 1 {
				t.Fatalf("want exactly 1 problem at %s, got %d:\n%v", tc.wantPath, len(ps), Validate(c))
			}
			if ps[0].Path != tc.wantPath || !strings.Contains(ps[0].Message, tc.wantMsg) || ps[0].Fix == "" {
				t.Errorf("want %s: …%s… with a fix, got %s", tc.wantPath, tc.wantMsg, ps[0])
			}
		})
	}
}

func TestThreeMistakesGiveExactlyThreeProblems(t *testing.T) {
	y := `session:
  keys_env: KEYS
sites:
  - url: http://www.example.com
    org:
      my_domain: https://acme.my.salesforce.com
    eca:
      client_id: abc
      client_secret_env: SECRET
      callback_path: https://other.example/cb
    acc:
      agent_id: 0XxAb000000Xyz1CAA
    trusted_domains:
      - https://partner.example.org/embed
`
	_, err := Parse([]byte(y), "site.yaml", minimalEnv, false)
	ps := problemsOf(t, err)
	want := []struct {
		path string
		line int
	}{{"sites[0].url", 4}, {"sites[0].eca.callback_path", 10}, {"sites[0].trusted_domains[0]", 14}}
	if len(ps) != len(want) {
		t.Fatalf("want %d problems, got %d:\n%v", len(want), len(ps), err)
	}
	for i, w := range want {
		if ps[i].Path != w.path || ps[i].Line != w.line {
			t.Errorf("problem %d: want %s (line %d), got %s", i, w.path, w.line, ps[i])
		}
	}
	msg := err.Error()
	for _, line := range []string{
		`sites[0].eca.callback_path (line 10): "https://other.example/cb" is not on the site's origin`,
		"fix: use a path such as /callback.html",
		"fix: use https://partner.example.org without the path",
		"site.yaml: 3 problems",
	} {
		if !strings.Contains(msg, line) {
			t.Errorf("want the error text to contain %q, got:\n%s", line, msg)
		}
	}
}

func TestSecretsNeverAppearInProblems(t *testing.T) {
	y := strings.Replace(minimalYAML, "client_secret_env: SECRET", "client_secret: sup3r-s3cret-value", 1)
	y = strings.Replace(y, "%s", "", 1)
	_, err := Parse([]byte(y), "t.yaml", minimalEnv, false)
	if err == nil || strings.Contains(err.Error(), "sup3r-s3cret-value") {
		t.Fatalf("want an inline-secret problem that does not repeat the secret, got: %v", err)
	}
	_, err = Parse([]byte(strings.Replace(minimalYAML, "%s", "", 1)), "t.yaml", envMap(map[string]string{"KEYS": "tooshort-secret-key"}), false)
	if err == nil || strings.Contains(err.Error(), "tooshort-secret-key") || !strings.Contains(err.Error(), "SECRET is not set") {
		t.Fatalf("want problems naming the unset variable SECRET and the short key without its value, got: %v", err)
	}
}

func TestApplyOverrides(t *testing.T) {
	c := Dev("", "")
	c.ApplyOverrides(":9999", "", "DEBUG")
	if c.Listen != ":9999" || c.AdminListen != DefaultAdminListen || c.Log.Level != "debug" {
		t.Errorf("want listen :9999, admin unchanged, level debug; got %q %q %q", c.Listen, c.AdminListen, c.Log.Level)
	}
	if got := PathFromEnv(envMap(map[string]string{"LOGATEWAY_CONFIG": "/etc/lg.yaml"})); got != "/etc/lg.yaml" {
		t.Errorf("PathFromEnv: want /etc/lg.yaml, got %q", got)
	}
}

func TestDefaults(t *testing.T) {
	c := validConfig()
	c.Normalize()
	s := c.Sites[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"listen", c.Listen, ":8080"},
		{"admin_listen", c.AdminListen, "127.0.0.1:9090"},
		{"callback_path", s.ECA.CallbackPath, "/callback.html"},
		{"scopes", strings.Join(s.ECA.Scopes, " "), "api web lightning refresh_token openid"},
		{"pkce", *s.ECA.PKCE, true},
		{"ui_bridge", s.ECA.UIBridge, "standard"},
		{"signin.flow", s.Signin.Flow, "web-server"},
		{"bootstrap", s.LightningOut.Bootstrap, "native"},
		{"script_url", s.LightningOut.ScriptURL, "https://acme.my.salesforce.com/lightning/lightning.out.latest/index.iife.prod.js"},
		{"remint_interval", s.LightningOut.RemintInterval.String(), "1h30m"},
		{"embed.path", s.Embed.Path, "/__lo/embed"},
		{"default_access", s.DefaultAccess, "public"},
		{"same_site", s.Cookie.SameSite, "lax"},
		{"identity user", s.IdentityHeaders.User, "X-Forwarded-User"},
		{"identity name", s.IdentityHeaders.Name, "X-Forwarded-Name"},
		{"frontdoor rate", s.RateLimit.FrontdoorPerMinute, 30},
		{"session idle", c.Session.IdleTimeout.String(), "1h"},
		{"session absolute", c.Session.AbsoluteTimeout.String(), "12h"},
		{"max sessions", c.Session.MaxSessions, 100000},
		{"redis prefix", c.Session.Redis.KeyPrefix, "logateway:"},
		{"org session timeout", s.Org.SessionTimeout.String(), "2h"},
		{"org refresh margin", s.Org.RefreshMargin.String(), "5m"},
		{"login_url", s.Org.LoginURL, "https://acme.my.salesforce.com"},
		{"upstream timeout", s.Upstream.Timeout.String(), "30s"},
		{"jwt audience", s.Signin.JWT.Audience, "https://login.salesforce.com"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("default %s: want %v, got %v", ch.name, ch.want, ch.got)
		}
	}
}
