package config

import (
	"strings"
	"testing"
)

func TestJWTAudienceDefaultsByOrgType(t *testing.T) {
	cases := []struct {
		name, myDomain, set, want string
	}{
		{"a production My Domain gets login.salesforce.com", "https://acme.my.salesforce.com", "", "https://login.salesforce.com"},
		{"a sandbox My Domain gets test.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com", "", "https://test.salesforce.com"},
		{"an explicit audience is kept", "https://acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com", "https://acme--uat.sandbox.my.salesforce.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Sites[0].Org.MyDomain = c.myDomain
			cfg.Sites[0].Signin.JWT.Audience = c.set
			cfg.Normalize()
			if got := cfg.Sites[0].Signin.JWT.Audience; got != c.want {
				t.Errorf("wanted signin.jwt.audience %s, got %s", c.want, got)
			}
		})
	}
}

func TestOrgIssuerIsValidated(t *testing.T) {
	cases := []struct {
		name, issuer, want string
	}{
		{"the login host is fine", "https://login.salesforce.com", ""},
		{"a site URL with its prefix is fine", "https://acme.my.site.com/support", ""},
		{"http outside dev is refused", "http://login.example.com", "http://"},
		{"a trailing slash is refused", "https://login.salesforce.com/", "trailing slash"},
		{"a relative value is refused", "login.salesforce.com", "not an absolute URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := validConfig()
			cfg.Sites[0].Org.Issuer = c.issuer
			cfg.Normalize()
			err := Validate(cfg)
			if c.want == "" {
				if err != nil {
					t.Errorf("wanted no problem, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "sites[0].org.issuer") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("wanted a problem at sites[0].org.issuer mentioning %q, got %v", c.want, err)
			}
		})
	}
}

func TestSandboxInCheckAndChecklist(t *testing.T) {
	sandbox := func(edit func(s *Site)) *Config {
		cfg := validConfig()
		s := &cfg.Sites[0]
		s.Org.MyDomain = "https://acme--uat.sandbox.my.salesforce.com"
		s.Signin.Flow = "jwt-bearer"
		if edit != nil {
			edit(s)
		}
		cfg.Normalize()
		return cfg
	}
	t.Run("the checklist says sandbox, its login host and audience", func(t *testing.T) {
		var b strings.Builder
		Checklist(&b, sandbox(nil))
		for _, want := range []string{"SANDBOX: users log in at https://test.salesforce.com", "aud https://test.salesforce.com (signin.jwt.audience is https://test.salesforce.com)"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("wanted %q in the checklist, got:\n%s", want, b.String())
			}
		}
	})
	t.Run("the production audience on a sandbox is a warning naming the key", func(t *testing.T) {
		ws := Warnings(sandbox(func(s *Site) { s.Signin.JWT.Audience = DefaultJWTAudience }))
		if len(ws) == 0 || ws[0].Path != "sites[0].signin.jwt.audience" || !strings.Contains(ws[0].Message, "is a sandbox") {
			t.Errorf("wanted a warning at sites[0].signin.jwt.audience, got %v", ws)
		}
	})
	t.Run("login.salesforce.com as login_url of a sandbox is a warning", func(t *testing.T) {
		ws := Warnings(sandbox(func(s *Site) { s.Org.LoginURL = DefaultJWTAudience }))
		found := false
		for _, w := range ws {
			found = found || w.Path == "sites[0].org.login_url"
		}
		if !found {
			t.Errorf("wanted a warning at sites[0].org.login_url, got %v", ws)
		}
	})
	t.Run("the default sandbox audience warns about nothing", func(t *testing.T) {
		if ws := Warnings(sandbox(nil)); len(ws) != 0 {
			t.Errorf("wanted no warning, got %v", ws)
		}
	})
}

func TestExperienceCloudSiteConfig(t *testing.T) {
	site := func(url string) *Config {
		cfg := validConfig()
		cfg.Sites[0].Org.SiteURL = url
		cfg.Normalize()
		return cfg
	}
	t.Run("the site URL is the OAuth host, the JWT audience and gives the site prefix", func(t *testing.T) {
		s := site("https://acme.my.site.com/support/").Sites[0]
		if s.Org.SiteURL != "https://acme.my.site.com/support" || s.Org.LoginURL != s.Org.SiteURL || s.Signin.JWT.Audience != s.Org.SiteURL || s.SitePrefix() != "/support" {
			t.Errorf("wanted site URL, login_url and audience https://acme.my.site.com/support and prefix /support, got %q %q %q %q",
				s.Org.SiteURL, s.Org.LoginURL, s.Signin.JWT.Audience, s.SitePrefix())
		}
		if err := Validate(site("https://acme.my.site.com/support")); err != nil {
			t.Errorf("wanted a valid config, got %v", err)
		}
	})
	t.Run("a bad site URL names org.site_url", func(t *testing.T) {
		for _, bad := range []string{"acme.my.site.com/support", "http://acme.my.site.com/support", "https://acme.my.site.com/support?x=1"} {
			if err := Validate(site(bad)); err == nil || !strings.Contains(err.Error(), "sites[0].org.site_url") {
				t.Errorf("%s: wanted a problem at sites[0].org.site_url, got %v", bad, err)
			}
		}
	})
	t.Run("the checklist names the site and its prefix", func(t *testing.T) {
		var b strings.Builder
		Checklist(&b, site("https://acme.my.site.com/support"))
		if !strings.Contains(b.String(), `Experience Cloud site https://acme.my.site.com/support (Lightning Out site-prefix "/support")`) {
			t.Errorf("wanted the site step, got:\n%s", b.String())
		}
	})
}
