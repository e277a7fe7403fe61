package trust

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewNonce(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		n := NewNonce()
		b, err := base64.StdEncoding.DecodeString(n)
		if err != nil || len(b) != 16 {
			t.Fatalf("NewNonce() = %q (%d bytes, err %v); want standard base64 of 16 bytes", n, len(b), err)
		}
		if !validNonce(n) {
			t.Fatalf("NewNonce() = %q; want only characters the CSP nonce grammar allows", n)
		}
		if seen[n] {
			t.Fatalf("NewNonce() repeated %q within 1000 calls; want fresh randomness", n)
		}
		seen[n] = true
	}
}

func TestCSPHeader(t *testing.T) {
	full := CSP{
		Default:        []string{"'self'"},
		Script:         []string{"'self'", "https://org.my.salesforce.com"},
		Style:          []string{"'self'"},
		Img:            []string{"'self'", "data:"},
		Connect:        []string{"'self'"},
		Frame:          []string{"https://org.my.salesforce.com"},
		FrameAncestors: []string{"'self'", "https://partner.example.org"},
		Font:           []string{"'self'"},
		Form:           []string{"'self'"},
		Base:           []string{"'none'"},
		Object:         []string{"'none'"},
	}
	cases := []struct {
		name  string
		csp   CSP
		nonce string
		want  string
	}{
		{"writes every directive in a fixed order with the nonce in script-src and style-src", full, "abc+/=",
			"default-src 'self'; script-src 'self' https://org.my.salesforce.com 'nonce-abc+/='; style-src 'self' 'nonce-abc+/='; " +
				"img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src https://org.my.salesforce.com; " +
				"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self' https://partner.example.org"},
		{"adds no nonce when none is given", CSP{Script: []string{"'self'"}}, "", "script-src 'self'"},
		{"starts script-src and style-src from default-src when they are empty", CSP{Default: []string{"'self'"}}, "n1",
			"default-src 'self'; script-src 'self' 'nonce-n1'; style-src 'self' 'nonce-n1'"},
		{"replaces 'none' with the nonce", CSP{Default: []string{"'none'"}, Script: []string{"'none'"}}, "n2",
			"default-src 'none'; script-src 'nonce-n2'; style-src 'nonce-n2'"},
		{"restricts scripts to the nonce when there is no default-src", CSP{Img: []string{"*"}}, "n3",
			"script-src 'nonce-n3'; style-src 'nonce-n3'; img-src *"},
		{"drops duplicate sources", CSP{Img: []string{"'self'", "data:", "'self'"}}, "", "img-src 'self' data:"},
		{"leaves out sources that would inject a directive", CSP{Img: []string{"'self'", "x; script-src *", "a,b", ""}}, "", "img-src 'self'"},
		{"ignores a nonce that would inject a directive", CSP{Script: []string{"'self'"}}, "x'; script-src *", "script-src 'self'"},
		{"writes nothing for an empty policy without a nonce", CSP{}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.csp.Header(tc.nonce); got != tc.want {
				t.Errorf("Header(%q) =\n  %q\nwant\n  %q", tc.nonce, got, tc.want)
			}
		})
	}
	t.Run("is the same every time for the same input", func(t *testing.T) {
		first := full.Header("n")
		for i := 0; i < 20; i++ {
			if got := full.Header("n"); got != first {
				t.Fatalf("Header changed between calls: %q then %q", first, got)
			}
		}
	})
	t.Run("Validate names the directive and source Header would drop", func(t *testing.T) {
		err := CSP{Frame: []string{"https://a.example; script-src *"}}.Validate()
		if err == nil || !strings.Contains(err.Error(), "frame-src") {
			t.Errorf("Validate() = %v; want an error naming frame-src", err)
		}
		if err := full.Validate(); err != nil {
			t.Errorf("Validate() on a good CSP = %v; want nil", err)
		}
	})
}

func TestExtendCSP(t *testing.T) {
	const org = "https://org.my.salesforce.com"
	cases := []struct {
		name      string
		header    string
		directive string
		sources   []string
		want      string
	}{
		{"extends script-src when it is present",
			"default-src 'self'; script-src 'self' https://cdn.example", "script-src", []string{org},
			"default-src 'self'; script-src 'self' https://cdn.example " + org},
		{"copies default-src into a new script-src when only default-src is present",
			"default-src 'self' https://static.example; img-src *", "script-src", []string{org},
			"default-src 'self' https://static.example; img-src *; script-src 'self' https://static.example " + org},
		{"leaves a policy without the directive or default-src untouched",
			"img-src *;  upgrade-insecure-requests", "script-src", []string{org},
			"img-src *;  upgrade-insecure-requests"},
		{"replaces 'none' in the directive instead of keeping it beside new sources",
			"default-src 'self'; frame-src 'none'", "frame-src", []string{org},
			"default-src 'self'; frame-src " + org},
		{"drops 'none' inherited from default-src",
			"default-src 'none'", "connect-src", []string{org},
			"default-src 'none'; connect-src " + org},
		{"extends every policy of a comma-separated header",
			"script-src 'self', default-src 'none'; img-src 'self', img-src *", "script-src", []string{org},
			"script-src 'self' " + org + ", default-src 'none'; img-src 'self'; script-src " + org + ", img-src *"},
		{"falls back from frame-src to child-src before default-src",
			"default-src 'self'; child-src https://child.example", "frame-src", []string{org},
			"default-src 'self'; child-src https://child.example; frame-src https://child.example " + org},
		{"does not add a directive that has no fallback",
			"default-src 'self'", "frame-ancestors", []string{"https://partner.example.org"},
			"default-src 'self'"},
		{"matches directive names in any case and extends only the first occurrence",
			"Script-Src 'self'; script-src https://ignored.example", "script-src", []string{org},
			"Script-Src 'self' " + org + "; script-src https://ignored.example"},
		{"does not repeat a source that is already there",
			"script-src 'self' " + org, "script-src", []string{org, "'self'"},
			"script-src 'self' " + org},
		{"adds a nonce to script-src",
			"script-src 'self'", "script-src", []string{"'nonce-abc'"},
			"script-src 'self' 'nonce-abc'"},
		{"does not add a nonce where 'unsafe-inline' already allows inline scripts",
			"script-src 'self' 'unsafe-inline'", "script-src", []string{"'nonce-abc'", org},
			"script-src 'self' 'unsafe-inline' " + org},
		{"adds a nonce beside 'unsafe-inline' when a hash already disables it",
			"script-src 'unsafe-inline' 'sha256-AAAA'", "script-src", []string{"'nonce-abc'"},
			"script-src 'unsafe-inline' 'sha256-AAAA' 'nonce-abc'"},
		{"ignores sources that would inject a directive",
			"script-src 'self'", "script-src", []string{"x; img-src *"},
			"script-src 'self'"},
		{"leaves an empty header empty", "", "script-src", []string{org}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExtendCSP(tc.header, tc.directive, tc.sources...); got != tc.want {
				t.Errorf("ExtendCSP(%q, %q, %q) =\n  %q\nwant\n  %q", tc.header, tc.directive, tc.sources, got, tc.want)
			}
		})
	}
}
