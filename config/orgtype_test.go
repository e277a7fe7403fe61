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
