package trust

import (
	"strings"
	"testing"
)

func TestParseOriginNormalizes(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"a plain https origin is unchanged", "https://partner.example.org", "https://partner.example.org"},
		{"scheme and host are lower-cased", "HTTPS://Partner.Example.ORG", "https://partner.example.org"},
		{"the https default port is dropped", "https://example.com:443", "https://example.com"},
		{"the http default port is dropped", "http://example.com:80", "http://example.com"},
		{"a non-default port is kept", "https://example.com:8443", "https://example.com:8443"},
		{"a single trailing slash is tolerated", "https://example.com/", "https://example.com"},
		{"a Unicode host becomes punycode", "https://Bücher.example", "https://xn--bcher-kva.example"},
		{"a punycode host is kept", "https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
		{"localhost with a port is fine", "http://localhost:8080", "http://localhost:8080"},
		{"a dotted-decimal IPv4 host is fine", "http://127.0.0.1:3000", "http://127.0.0.1:3000"},
		{"an IPv6 literal is canonicalized", "http://[0:0::1]:8080", "http://[::1]:8080"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOrigin(tc.in)
			if err != nil {
				t.Fatalf("ParseOrigin(%q) failed: %v; want %q", tc.in, err, tc.want)
			}
			if got := o.String(); got != tc.want {
				t.Errorf("ParseOrigin(%q).String() = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseOriginRejects(t *testing.T) {
	cases := []struct{ name, in, wantInErr string }{
		{"an empty string", "", "empty"},
		{"a bare host with no scheme", "example.com", "no scheme"},
		{"a path", "https://example.com/app", "has a path"},
		{"two trailing slashes", "https://example.com//", "has a path"},
		{"a query", "https://example.com?x=1", "query"},
		{"a fragment", "https://example.com#x", "fragment"},
		{"userinfo", "https://user@example.com", "userinfo"},
		{"a wildcard", "https://*.example.com", "wildcard"},
		{"another scheme", "ftp://example.com", "not http or https"},
		{"the null origin", "null", "never trusted"},
		{"surrounding whitespace", " https://example.com", "whitespace"},
		{"a port out of range", "https://example.com:70000", "port"},
		{"a port with a leading zero", "https://example.com:0443", "port"},
		{"an empty port", "https://example.com:", "empty port"},
		{"a trailing dot", "https://example.com.", "ends in a dot"},
		{"an octal IPv4 form", "http://0177.0.0.1", "IP address"},
		{"a single-integer IPv4 form", "http://2130706433", "IP address"},
		{"a hex IPv4 form", "http://0x7f.1", "IP address"},
		{"an underscore in the host", "https://my_host.example", "only letters"},
		{"percent-encoding in the host", "https://ex%61mple.com", "percent"},
		{"a backslash", `https://example.com\`, "backslash"},
	}
	for _, tc := range cases {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			o, err := ParseOrigin(tc.in)
			if err == nil {
				t.Fatalf("ParseOrigin(%q) = %q; want an error mentioning %q", tc.in, o, tc.wantInErr)
			}
			if !strings.Contains(err.Error(), tc.wantInErr) || !strings.Contains(err.Error(), "e.g. https://") {
				t.Errorf("ParseOrigin(%q) error = %q; want it to mention %q and show the right form", tc.in, err, tc.wantInErr)
			}
		})
	}
}

func TestNewPolicy(t *testing.T) {
	t.Run("names the setting to fix when the site is bad", func(t *testing.T) {
		_, err := NewPolicy("www.example.com", nil)
		if err == nil || !strings.Contains(err.Error(), "sites[].url") {
			t.Errorf("NewPolicy with a bare host: error = %v; want one naming sites[].url", err)
		}
	})
	t.Run("names the index of a bad trusted domain", func(t *testing.T) {
		_, err := NewPolicy(testSite, []string{testTrusted, "https://*.partner.org"})
		if err == nil || !strings.Contains(err.Error(), "sites[].trusted_domains[1]") {
			t.Errorf("NewPolicy with a wildcard: error = %v; want one naming sites[].trusted_domains[1]", err)
		}
	})
	t.Run("drops duplicates and the site from the trusted list", func(t *testing.T) {
		p, err := NewPolicy(testSite, []string{"https://b.example", "HTTPS://B.example:443", testSite, "https://a.example"})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(p.TrustedOrigins(), " ")
		if want := "https://b.example https://a.example"; got != want {
			t.Errorf("TrustedOrigins() = %q; want %q", got, want)
		}
		if got, want := p.FrameAncestors(), "'self' https://b.example https://a.example"; got != want {
			t.Errorf("FrameAncestors() = %q; want %q", got, want)
		}
		if got := p.Site().String(); got != testSite {
			t.Errorf("Site() = %q; want %q", got, testSite)
		}
	})
}

func TestIsTrusted(t *testing.T) {
	p := testPolicy(t)
	cases := []struct {
		name, origin string
		want         bool
	}{
		{"the site itself", testSite, true},
		{"a trusted origin", testTrusted, true},
		{"a trusted origin with its port", testDevPort, true},
		{"a trusted origin spelled with its default port", "https://example.com:443", true},
		{"a trusted origin in capitals", "HTTPS://EXAMPLE.COM", true},
		{"a trusted origin over http instead of https", "http://example.com", false},
		{"a trusted host on another port", "https://example.com:444", false},
		{"a suffix lookalike", "https://example.com.evil.com", false},
		{"a prefix lookalike", "https://evilexample.com", false},
		{"a subdomain of a trusted origin", "https://www.example.com", false},
		{"the null origin", "null", false},
		{"an empty origin", "", false},
		{"a trusted origin with a path", "https://example.com/x", false},
		{"userinfo in front of a trusted host", "https://evil@example.com", false},
		{"a fullwidth lookalike of a trusted host", "https://ｅxample.com", false},
		{"an ideographic full stop in a trusted host", "https://example。com", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.IsTrusted(tc.origin); got != tc.want {
				t.Errorf("IsTrusted(%q) = %v; want %v", tc.origin, got, tc.want)
			}
		})
	}
}
